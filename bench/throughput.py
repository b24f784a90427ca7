#!/usr/bin/env python3
"""Session throughput vs raw UDP, in one run on loopback.

Starts two ssu2d nodes (127.0.0.1, two ports), connects A -> B, pushes COUNT I2NP Data
messages of SIZE bytes through the one session with delivery feedback (ssu2ctl send), and, in
the same run, blasts raw UDP datagrams of the session's full packet size (bench/udp_blast).
Prints MB/s for both and their ratio.

    python3 bench/throughput.py BUILD_DIR [--count 2000] [--size 8192] [--rounds 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from netlib import Net, wait_until  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--size", type=int, default=8192)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--packet", type=int, default=1472, help="UDP payload size of a full SSU2 packet")
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    os.environ.setdefault("SSU2D_TEST_LOG", "warn")
    net = Net(build)
    failed = True
    try:
        a = net.node("bench-a", "127.0.0.1", 23001, 23011)
        b = net.node("bench-b", "127.0.0.1", 23002, 23012)
        for n in (a, b):
            n.init()
            n.start()
        hb = b.ctl("status")["router_hash"]
        a.ctl("connect", b.router_info, timeout=60)
        wait_until(lambda: hb in (a.session_peers() or set()), 30, "session A -> B")
        a.ctl("send", hb, 200, args.size, timeout=120)  # warm-up: window growth, RTT estimate

        session, raw = [], []
        for _ in range(args.rounds):
            r = a.ctl("send", hb, args.count, args.size, timeout=600)
            if r.get("delivered") != args.count:
                raise RuntimeError(f"not every message was delivered: {r}")
            session.append(args.count * args.size / (r["elapsed_ms"] / 1000) / 1e6)
            out = subprocess.run([os.path.join(build, "udp_blast"), "--size", str(args.packet),
                                  "--count", str(max(20000, args.count * args.size // args.packet))],
                                 capture_output=True, text=True, timeout=120)
            raw.append(json.loads(out.stdout)["mb_per_s"])
        s, u = statistics.median(session), statistics.median(raw)
        print(json.dumps({"i2np_size": args.size, "count": args.count, "rounds": args.rounds,
                          "session_mb_per_s": round(s, 1), "raw_udp_mb_per_s": round(u, 1),
                          "ratio": round(s / u, 3),
                          "session_rounds": [round(x, 1) for x in session],
                          "raw_rounds": [round(x, 1) for x in raw]}))
        failed = False
    finally:
        net.close(failed)


if __name__ == "__main__":
    main()
