#!/usr/bin/env python3
"""Command-line edges of ssu2d and ssu2ctl (no network): stray positional arguments and
options taken as values are refused with a hint, --init refuses an ssu2.host that is not a
numeric address (as the node does) before making keys, --version works in both programs,
ssu2ctl --help lists the commands without internal options (and `COMMAND --help` describes
one), bad arguments are refused naming them, an unreachable node is an errno and a hint
(JSON under --json), a duplicate key in a config
file is refused with its name, and a router.keys readable by others is tightened to 0600
with a warning (and a stale router.keys.tmp removed); on a journal stream ($JOURNAL_STREAM
naming stderr) log lines carry sd-daemon priority prefixes."""
import json
import os
import socket
import stat
import subprocess

from netlib import check, run


def sh(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30)


def main(net):
    d, ctl = net.ssu2d, net.ssu2ctl
    cfg = os.path.join(net.base, "config.json")
    with open(cfg, "w") as f:
        json.dump({"data_dir": os.path.join(net.base, "data")}, f)

    r = sh(d, "config.json")
    check(r.returncode == 2 and "--config config.json" in r.stderr,
          f"`ssu2d config.json` is refused with a --config hint ({r.stderr.strip()})")
    r = sh(d, "--config", cfg, "extra")
    check(r.returncode == 2 and 'unexpected argument "extra"' in r.stderr,
          f"any stray argument is refused ({r.stderr.strip()})")
    r = sh(d, "--data-dir", "--init")
    check(r.returncode == 2 and '--data-dir needs a value, got the option "--init"' in r.stderr,
          f"`ssu2d --data-dir --init` is refused ({r.stderr.strip()})")
    check(not os.path.exists("--init"), "no directory named --init was created")
    r = sh(d, "--config", "--print-config")
    check(r.returncode == 2 and "--config needs a value" in r.stderr, "same for --config")
    named = os.path.join(net.base, "named.json")
    named_dir = os.path.join(net.base, "named-data")
    with open(named, "w") as f:
        json.dump({"data_dir": named_dir, "ssu2": {"host": "localhost"}}, f)
    r = sh(d, "--config", named, "--init")
    check(r.returncode == 1 and '"localhost" is not a numeric IPv4/IPv6 address' in r.stderr and
          not os.path.exists(os.path.join(named_dir, "router.keys")),
          f"--init refuses a host name as ssu2.host before making keys ({r.stderr.strip()})")

    for prog, name in ((d, "ssu2d"), (ctl, "ssu2ctl")):
        r = sh(prog, "--version")
        check(r.returncode == 0 and r.stdout.startswith(name + " 0."),
              f"{name} --version prints {r.stdout.strip()!r}")

    r = sh(ctl, "--help")
    check(r.returncode == 0 and "--command" not in r.stdout, "ssu2ctl --help hides --command")
    for cmd in ("status", "sessions", "peertest HASH", "relaytag HASH", "routerinfo FILE"):
        check(cmd in r.stdout, f"ssu2ctl --help lists {cmd!r}")
    r = sh(ctl, "frobnicate")
    check(r.returncode == 2 and 'unknown command "frobnicate"' in r.stderr and
          "peertest" in r.stderr, "an unknown command lists the valid ones")
    r = sh(ctl, "--node", "--json", "status")
    check(r.returncode == 2 and "--node needs a value" in r.stderr, "ssu2ctl --node --json refused")
    check("loglevel [LEVEL]" in sh(ctl, "--help").stdout, "ssu2ctl --help lists loglevel")
    r = sh(ctl, "send", "--help")
    check(r.returncode == 0 and all(w in r.stdout for w in ("HASH", "N ", "SIZE", "--sequential")),
          "ssu2ctl send --help describes its arguments and option")
    r = sh(ctl, "session", "nothex")
    check(r.returncode == 2 and 'HASH: must be a router hash' in r.stderr and '"nothex"' in r.stderr,
          f"a bad hash is refused before the node is asked, naming HASH ({r.stderr.strip()})")
    r = sh(ctl, "send", "ab" * 32, "10", "100-50")
    check(r.returncode == 2 and 'SIZE-MAX needs SIZE <= MAX, got "100-50"' in r.stderr,
          f"a reversed size range is refused ({r.stderr.strip()})")

    r = sh(ctl, "send", "ab" * 32, "abc", "100")
    check(r.returncode == 2 and 'N (number of messages) must be a whole number, got "abc"' in r.stderr,
          f"a bad number names the argument ({r.stderr.strip()})")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()  # bound, never listening: nobody is there
    # I2P base64 uses '-': a hash that starts with it is still a hash, not short options.
    # Nobody listens, so getting as far as the connection error proves it was accepted.
    dash = "-" + "vZU" * 14 + "="
    r = sh(ctl, "--node", f"127.0.0.1:{closed}", "send", dash, "1", "100")
    check(r.returncode == 1 and "Connection refused" in r.stderr and "router hash" not in r.stderr,
          f"a base64 hash starting with '-' is taken as HASH ({r.stderr.strip()})")
    r = sh(ctl, "--node", f"127.0.0.1:{closed}", "session", "-" + "x" * 40)
    check(r.returncode == 2, f"a short '-x...' word is still an (unknown) option ({r.stderr.strip()})")
    r = sh(ctl, "--node", f"127.0.0.1:{closed}", "status")
    check(r.returncode == 1 and "Connection refused" in r.stderr and "is ssu2d running" in r.stderr,
          f"an unreachable node gives the errno and a hint ({r.stderr.strip()})")
    r = sh(ctl, "--json", "--node", f"127.0.0.1:{closed}", "status")
    err = json.loads(r.stdout) if r.returncode == 1 else {}
    check(err.get("error") == "cannot_reach_node" and "Connection refused" in err.get("reason", "")
          and "control.host/control.port" in err["reason"],
          f"with --json the same error is {{error, reason}} on stdout ({r.stdout.strip()})")

    dup = os.path.join(net.base, "dup.json")
    with open(dup, "w") as f:
        f.write('{"ssu2": {"port": 2000, "port": 2001}}')
    r = sh(d, "--config", dup, "--print-config")
    check(r.returncode == 2 and 'duplicate key "ssu2.port"' in r.stderr,
          f"a duplicate key is refused with its name ({r.stderr.strip()})")

    r = sh(d, "--config", cfg, "--init")
    check(r.returncode == 0, f"--init works ({r.stderr.strip()})")
    keys = os.path.join(net.base, "data", "router.keys")
    os.chmod(keys, 0o644)
    with open(keys + ".tmp", "wb") as f:
        f.write(b"half-written")
    r = sh(d, "--config", cfg, "--init")
    mode = stat.S_IMODE(os.stat(keys).st_mode)
    check(r.returncode == 0 and mode == 0o600, f"a 0644 router.keys is tightened (mode {mode:o})")
    check("0644" in r.stderr and "tightened to 0600" in r.stderr,
          f"with a warning ({r.stderr.strip()})")
    check(not os.path.exists(keys + ".tmp") and "stale" in r.stderr,
          "a stale router.keys.tmp is removed with a warning")

    # Under systemd, stderr is the journal: a warning line starts with "<4>".
    os.chmod(keys, 0o640)
    err_path = os.path.join(net.base, "journal-stderr")
    with open(err_path, "w") as err:
        st = os.fstat(err.fileno())
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        r = subprocess.run([d, "--config", cfg, "--init"], stdout=subprocess.PIPE, stderr=err,
                           text=True, timeout=30, env=env)
    lines = open(err_path).read().splitlines()
    check(r.returncode == 0 and any(l.startswith("<4>warning [ssu2d] init:") and "0640" in l
                                    for l in lines),
          f"on a journal stream the warning has the priority prefix <4> ({lines})")


if __name__ == "__main__":
    run(main)
