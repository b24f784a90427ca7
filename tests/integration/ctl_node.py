#!/usr/bin/env python3
"""ssu2ctl against running nodes (loopback 127.0.40.x), the operator edges of issue 12:
hashes printed in I2P base64 and accepted as hex or base64; `connect` prints a line when the
handshake starts and when it completes, and keeps printing while a silent peer does not
answer; `send` names the reason of each failed message; errors are JSON under --json;
`loglevel` changes the node's level at run time and `status` shows it; a session's end is
one info line with its counters; a taken control.port / ssu2.port is reported as "address
in use" with the key and the address."""
import base64
import json
import os
import re
import subprocess

from netlib import check, run, wait_until

HOST_A, HOST_B = "127.0.40.1", "127.0.40.2"
B64 = re.compile(r"^[A-Za-z0-9~-]{43}=$")


def ctl_raw(node, *args, timeout=60):
    return subprocess.run([node.net.ssu2ctl, "--node", node.control, *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def to_hex(b64):
    return base64.b64decode(b64, altchars=b"-~").hex()


def main(net):
    a = net.node("a", HOST_A, 14001, 14002)
    b = net.node("b", HOST_B, 14001, 14002)
    silent = net.node("silent", HOST_B, 14003, 14004)  # initialised, never started
    for n in (a, b, silent):
        n.init()
        check(B64.match(n.hash), f"ssu2d --init prints the hash in I2P base64 ({n.hash})")
    a.start()
    b.start()

    st = a.ctl("status")
    check(st["router_hash"] == a.hash, "status shows the router hash in I2P base64")

    r = ctl_raw(a, "connect", b.router_info, timeout=40)
    check(r.returncode == 0 and r.stdout.strip() == f"connected {b.hash}",
          f"connect prints the peer in base64 ({r.stdout.strip()}; {r.stderr.strip()})")
    check(f"handshake with {b.hash} started" in r.stderr and "handshake completed in" in r.stderr,
          f"connect reports the handshake's start and end on stderr ({r.stderr.strip()})")
    sessions = a.ctl("sessions")
    check([s["peer"] for s in sessions] == [b.hash], "sessions lists the peer in base64")
    check(b.hash in ctl_raw(a, "sessions").stdout, "the sessions table shows it in base64 too")

    # The list carries each session's transport state (from the session actor, not the
    # manager's table): after some traffic the peer's RTT sample and byte counts are there.
    a.ctl("send", b.hash, 20, 1000)
    s0 = a.ctl("sessions")[0]
    check(s0["outbound"] is True and s0["bytes_out"] >= 20_000 and s0["window"] > 0,
          f"sessions shows direction, bytes and window of the live session ({s0})")
    table = ctl_raw(a, "sessions", "--sort", "bytes").stdout.splitlines()
    check(table and all(c in table[0] for c in ("DIR", "RTT(ms)", "WINDOW", "BYTES IN", "BYTES OUT")),
          f"the sessions table has direction, RTT, window and byte columns ({table[:1]})")
    check(len(table) > 1 and table[1].split()[1] == "out" and str(s0["bytes_out"]) in table[1],
          f"... with the session's values ({table[1:2]})")
    r = ctl_raw(a, "sessions", "--sort", "colour")
    check(r.returncode != 0 and "colour" in r.stderr, f"an unknown sort key is refused ({r.stderr.strip()})")

    d = a.ctl("session", to_hex(b.hash))
    check(d["peer"] == b.hash, "session HASH takes a hex hash")
    r = a.ctl("send", b.hash[:43], 5, 200)  # unpadded base64
    check(r["delivered"] == 5 and r["failures"] == [], "send takes a base64 hash (unpadded too)")

    # A router we have no RouterInfo for: every message fails, each with its reason.
    nobody = base64.b64encode(bytes(range(32)), altchars=b"-~").decode()
    r = ctl_raw(a, "--json", "send", nobody, 3, 100)
    got = json.loads(r.stdout)
    check(r.returncode == 1 and got["failed"] == 3 and len(got["failures"]) == 3 and
          all(f.startswith(f"message {i + 1}: no_session") for i, f in enumerate(got["failures"])),
          f"each failed message has its reason ({got['failures']})")
    r = ctl_raw(a, "send", nobody, 2, 100)
    check(r.returncode == 1 and "failed message 1: no_session" in r.stdout and
          "failed message 2: no_session" in r.stdout, f"also in the plain output ({r.stdout.strip()})")

    r = ctl_raw(a, "--json", "session", nobody)
    err = json.loads(r.stdout)
    check(r.returncode == 1 and err["error"] == "unknown_session" and nobody in err["reason"],
          f"--json errors are {{error, reason}} on stdout ({r.stdout.strip()})")
    r = ctl_raw(a, "--json", "send", b.hash, "abc", 100)
    err = json.loads(r.stdout)
    check(r.returncode == 2 and err["error"] == "usage" and
          'N (number of messages) must be a whole number, got "abc"' in err["reason"],
          f"usage errors too ({r.stdout.strip()})")

    check(a.ctl("status")["log_level"] == "debug", "status shows the log level (debug)")
    check(a.ctl("loglevel", "info") == {"log_level": "info"}, "loglevel info answers")
    check(a.ctl("status")["log_level"] == "info", "status shows the new level")
    check(a.ctl("loglevel") == {"log_level": "info"}, "loglevel without LEVEL reports it")
    r = ctl_raw(a, "loglevel", "loud")
    check(r.returncode == 2 and "loud" in r.stderr, f"an unknown level is refused ({r.stderr.strip()})")

    # The session's end: one info line (A's level is info now) with the counters.
    a.ctl("disconnect", b.hash)
    line = wait_until(lambda: next((l for l in open(os.path.join(a.dir, "log"))
                                    if f"session {b.hash[:8]}: ended (" in l), None),
                      20, "the session-end line in A's log")
    check(re.search(r"ended \([^)]*\): outbound 127\.0\.40\.2:14001, [\d.]+ s, "
                    r"bytes in/out \d+/\d+, packets in/out \d+/\d+, retransmissions \d+", line)
          and " info " in line, f"the session-end line is a summary at info ({line.strip()})")

    # A peer that never answers: progress lines while the handshake retransmits.
    r = ctl_raw(a, "connect", silent.router_info, timeout=45)
    waits = r.stderr.count("still waiting")
    check(r.returncode == 1 and f"handshake with {silent.hash} started" in r.stderr and
          waits >= 3 and "failed after" in r.stderr,
          f"connect to a silent peer prints progress ({waits} waiting lines; {r.stderr.strip()})")

    # Ports taken by A: the error names the key, the address and "address in use".
    for name, ssu2_port, control_port, key, addr in (
            ("c1", 14011, 14002, "control.port", f"{HOST_A}:14002"),
            ("c2", 14001, 14012, "ssu2.port", f"{HOST_A}:14001")):
        c = net.node(name, HOST_A, ssu2_port, control_port)
        c.init()
        out = subprocess.run([net.ssu2d, "--config", c.write_config()], capture_output=True,
                             text=True, timeout=30)
        text = out.stdout + out.stderr
        check(out.returncode != 0 and key in text and "address in use" in text and addr in text,
              f"a taken {key} is reported with the key and the address ({text.strip()[-200:]})")


if __name__ == "__main__":
    run(main)
