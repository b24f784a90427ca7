#!/usr/bin/env python3
"""The Debian package, built from this build tree with cpack and unpacked with dpkg-deb -x
into a temporary root (nothing is installed on the machine): it holds stripped ssu2d and
ssu2ctl, gzipped man pages, /etc/ssu2d/config.json (a conffile, data_dir /var/lib/ssu2d) and
the systemd unit; with a debug build, the -dbgsym package holds the split debug symbols
whose build-ids match the binaries. The unit's ExecStart line, with its paths moved into
the temporary root (--config a copy of the packaged file on free loopback ports,
--data-dir under the root), starts the installed node: it reports READY=1 on NOTIFY_SOCKET
(Type=notify), the installed `ssu2ctl status` answers, ExecReload's SIGHUP keeps it running,
SIGTERM stops it with exit 0. lintian (when installed) reports no errors on either package."""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys

from netlib import Failure, check, free_port, run, wait_until

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from node_signals import Notify  # noqa: E402


def sh(*args, timeout=600, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kw)


def sections(path):
    return sh("readelf", "-S", "-W", path).stdout


def build_id(path):
    m = re.search(r"Build ID: ([0-9a-f]+)", sh("readelf", "-n", path).stdout)
    return m.group(1) if m else None


def unit_value(text, key):
    for line in text.splitlines():
        if line.startswith(key + "="):
            return line[len(key) + 1:].strip()
    return None


def main(net):
    build = os.path.abspath(sys.argv[1])
    out = os.path.join(net.base, "cpack")
    r = sh("cpack", "-G", "DEB", "-B", out, "--config", os.path.join(build, "CPackConfig.cmake"))
    if r.returncode != 0:
        raise Failure(f"cpack failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    debs = glob.glob(os.path.join(out, "ssu2d_*.deb"))
    check(len(debs) == 1, f"cpack built one .deb ({[os.path.basename(d) for d in debs]})")
    deb = debs[0]

    info = sh("dpkg-deb", "-I", deb).stdout
    check(re.search(r"^ Package: ssu2d$", info, re.M) is not None, "the package is named ssu2d")
    depends = re.search(r"^ Depends: (.*)$", info, re.M)
    check(depends and "libcaf" in depends.group(1), f"Depends lists the shared libraries "
          f"({depends.group(1) if depends else None})")
    conffiles = sh("dpkg-deb", "-I", deb, "conffiles").stdout.split()
    check(conffiles == ["/etc/ssu2d/config.json"], f"/etc/ssu2d/config.json is a conffile ({conffiles})")

    root = os.path.join(net.base, "root")
    r = sh("dpkg-deb", "-x", deb, root)
    check(r.returncode == 0, f"dpkg-deb -x unpacks into {root}")
    for rel in ("usr/bin/ssu2d", "usr/bin/ssu2ctl", "usr/share/man/man1/ssu2d.1.gz",
                "usr/share/man/man1/ssu2ctl.1.gz", "etc/ssu2d/config.json",
                "lib/systemd/system/ssu2d.service", "usr/share/doc/ssu2d/copyright"):
        check(os.path.isfile(os.path.join(root, rel)), f"the package holds /{rel}")
    ssu2d = os.path.join(root, "usr/bin/ssu2d")
    ssu2ctl = os.path.join(root, "usr/bin/ssu2ctl")
    for b in (ssu2d, ssu2ctl):
        s = sections(b)
        check(".debug_info" not in s and ".symtab" not in s,
              f"{os.path.basename(b)} is stripped ({os.path.getsize(b) // 1024} KiB)")

    built_with_debug = ".debug_info" in sections(os.path.join(build, "ssu2d"))
    ddebs = glob.glob(os.path.join(out, "ssu2d-dbgsym_*.ddeb"))
    if built_with_debug:
        check(len(ddebs) == 1, "a debug build also gives ssu2d-dbgsym (.ddeb)")
        dbg = os.path.join(net.base, "dbg")
        sh("dpkg-deb", "-x", ddebs[0], dbg)
        for b in (ssu2d, ssu2ctl):
            bid = build_id(b)
            f = os.path.join(dbg, "usr/lib/debug/.build-id", bid[:2], bid[2:] + ".debug")
            check(os.path.isfile(f) and ".debug_info" in sections(f),
                  f"the debug symbols of {os.path.basename(b)} are in -dbgsym ({bid})")
    else:
        print("note: this build has no debug information (Release): no -dbgsym to check",
              flush=True)

    unit = open(os.path.join(root, "lib/systemd/system/ssu2d.service")).read()
    for key, want in (("Type", "notify"), ("DynamicUser", "yes"), ("StateDirectory", "ssu2d"),
                      ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                      ("ProtectHome", "yes"), ("PrivateTmp", "yes")):
        check(unit_value(unit, key) == want, f"the unit has {key}={want}")
    check("kill -HUP $MAINPID" in (unit_value(unit, "ExecReload") or ""), "ExecReload sends SIGHUP")
    if shutil.which("systemd-analyze"):
        # verify checks the binaries exist on this machine, which the package is not
        # installed on: only syntax complaints count.
        v = sh("systemd-analyze", "verify", os.path.join(root, "lib/systemd/system/ssu2d.service"))
        bad = [l for l in (v.stderr + v.stdout).splitlines()
               if l.strip() and "/usr/bin/ssu2d" not in l and "ssu2d.service: Failed" not in l
               and "Command " not in l]
        check(not bad, f"systemd-analyze verify has no other complaint ({bad})")

    # The packaged config, as the installed binary reads it (it has comments).
    r = sh(ssu2d, "--config", os.path.join(root, "etc/ssu2d/config.json"), "--print-config")
    check(r.returncode == 0, f"the installed ssu2d accepts the packaged config ({r.stderr.strip()})")
    cfg = json.loads(r.stdout)
    check(cfg["data_dir"] == "/var/lib/ssu2d", "the packaged data_dir is /var/lib/ssu2d")
    host = "127.0.0.1"
    cfg["ssu2"]["host"], cfg["control"]["host"] = host, host
    cfg["ssu2"]["port"] = free_port(host, socket.SOCK_DGRAM)
    cfg["control"]["port"] = free_port(host, socket.SOCK_STREAM)
    test_cfg = os.path.join(root, "etc/ssu2d/test-config.json")
    with open(test_cfg, "w") as f:
        json.dump(cfg, f)

    argv = shlex.split(unit_value(unit, "ExecStart"))
    check(argv[0] == "/usr/bin/ssu2d", f"ExecStart runs /usr/bin/ssu2d ({argv})")
    moved = [ssu2d]
    i = 1
    while i < len(argv):
        opt = argv[i]
        if opt == "--config":
            moved += [opt, test_cfg]
        elif opt == "--data-dir":
            moved += [opt, os.path.join(root, argv[i + 1].lstrip("/"))]
        else:
            raise Failure(f"ExecStart has an argument this test does not know: {opt}")
        i += 2
    print("running: " + " ".join(moved), flush=True)

    notify = Notify(os.path.join(net.base, "notify.sock"))
    net.cleanups.append(notify.close)
    log = open(os.path.join(net.base, "node.log"), "w")
    env = dict(os.environ, NOTIFY_SOCKET=notify.path)
    proc = subprocess.Popen(moved, stdout=log, stderr=subprocess.STDOUT, env=env)

    def stop():
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    net.cleanups.append(stop)
    notify.wait_for("READY=1", 0, "READY=1 from the installed node")
    check(True, "the installed node reports READY=1")
    node = f"{host}:{cfg['control']['port']}"
    st = sh(ssu2ctl, "--node", node, "--json", "status", timeout=30)
    check(st.returncode == 0 and len(json.loads(st.stdout)["router_hash"]) > 0,
          f"the installed ssu2ctl status answers ({st.stdout.strip()[:80]}...)")
    check(os.path.isfile(os.path.join(root, "var/lib/ssu2d/router.keys")),
          "the node keeps its keys in the data dir ExecStart names")
    n = len(notify.poll())
    proc.send_signal(signal.SIGHUP)  # ExecReload
    notify.wait_for("READY=1", n, "READY=1 after ExecReload's SIGHUP")
    check(proc.poll() is None and sh(ssu2ctl, "--node", node, "status", timeout=30).returncode == 0,
          "the node runs on after SIGHUP")
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(20)
    check(rc == 0, f"SIGTERM stops the installed node with exit 0 (rc {rc})")

    if shutil.which("lintian"):
        for pkg in [deb] + ddebs:
            li = sh("lintian", "--tag-display-limit", "0", pkg, timeout=600)
            lines = [l for l in li.stdout.splitlines() if l.strip()]
            for l in lines:
                print("lintian: " + l, flush=True)
            errors = [l for l in lines if l.startswith("E:")]
            check(not errors, f"lintian reports no errors on {os.path.basename(pkg)} "
                  f"({len(lines)} warning line(s))")
    else:
        print("note: lintian is not installed (scripts/install-deps.sh installs it)", flush=True)


if __name__ == "__main__":
    run(main)
