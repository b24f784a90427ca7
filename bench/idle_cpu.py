#!/usr/bin/env python3
"""Idle CPU of a node, with no session and with PEERS idle sessions, on loopback.

Starts PEERS + 1 ssu2d nodes on 127.0.0.1 (distinct ports). First, with no session anywhere,
samples utime + stime of node 1 (/proc/PID/stat) over SECONDS; then connects node 1 to every
other node, waits SETTLE seconds, checks that node 1 has PEERS established sessions, and
samples again over SECONDS (node 1 and, for comparison, the mean of the others, which hold one
session each). Nothing is sent apart from what the nodes do on their own (ACKs, keep-alives,
timers). Prints % of one core, and one JSON line at the end.

    python3 bench/idle_cpu.py BUILD_DIR [--peers 10] [--seconds 30] [--settle 10]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from netlib import Net, wait_until  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def sample(pids, seconds):
    """% of one core used by each pid over `seconds` of wall time."""
    c0, t0 = [cpu_s(p) for p in pids], time.monotonic()
    time.sleep(seconds)
    c1, t1 = [cpu_s(p) for p in pids], time.monotonic()
    return [100.0 * (b - a) / (t1 - t0) for a, b in zip(c0, c1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--peers", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--settle", type=float, default=10)
    args = ap.parse_args()
    if not 1 <= args.peers <= 30 or not 1 <= args.seconds <= 300 or not 0 <= args.settle <= 120:
        ap.error("--peers 1..30, --seconds 1..300, --settle 0..120")
    build = os.path.abspath(args.build_dir)
    os.environ.setdefault("SSU2D_TEST_LOG", "warn")
    net = Net(build)
    failed = True
    try:
        nodes = [net.node(f"idle-{i + 1}", "127.0.0.1", 23401 + i, 23501 + i)
                 for i in range(args.peers + 1)]
        for n in nodes:
            n.init()
            n.start()
        first, others = nodes[0], nodes[1:]
        pid1 = first.proc.pid
        time.sleep(2)  # let start-up work end before sampling
        none = sample([pid1], args.seconds)[0]
        print(f"node 1, no session: {none:.2f} % of a core over {args.seconds:.0f} s", flush=True)

        hashes = {n.ctl("status")["router_hash"] for n in others}
        for n in others:
            first.ctl("connect", n.router_info, timeout=60)
        wait_until(lambda: hashes <= (first.session_peers() or set()), 60,
                   f"{args.peers} sessions on node 1")
        time.sleep(args.settle)
        pcts = sample([pid1] + [n.proc.pid for n in others], args.seconds)
        still = len(hashes & (first.session_peers() or set()))
        if still != args.peers:
            raise RuntimeError(f"only {still} of {args.peers} sessions survived the sample")
        busy, peer_mean = pcts[0], sum(pcts[1:]) / len(pcts[1:])
        print(f"node 1, {args.peers} idle sessions: {busy:.2f} % of a core over {args.seconds:.0f} s")
        print(f"peers (1 idle session each), mean: {peer_mean:.2f} % of a core")
        print(json.dumps({"peers": args.peers, "seconds": args.seconds,
                          "node1_no_session_pct": round(none, 2),
                          "node1_idle_sessions_pct": round(busy, 2),
                          "peer_one_session_mean_pct": round(peer_mean, 2),
                          "per_session_pct": round((busy - none) / args.peers, 3)}))
        failed = False
    finally:
        net.close(failed)


if __name__ == "__main__":
    main()
