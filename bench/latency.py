#!/usr/bin/env python3
"""Delivery-report latency of single messages on an idle session, on loopback.

Starts two ssu2d nodes (127.0.0.1, two ports), connects A -> B, warms the session up, then
per round asks A for `ssu2ctl send --sequential HASH COUNT SIZE`: COUNT I2NP Data messages
of SIZE bytes, one at a time, the next handed to the manager when the previous one's delivery
report arrives. The latencies are measured inside node A (steady clock in the introspection
actor, from handing a message to the manager to its delivery report), not through ssu2ctl.
Prints p50 / p99 / max per round, their medians, and one JSON line at the end.

    python3 bench/latency.py BUILD_DIR [--count 1000] [--size 1024] [--rounds 3]
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from netlib import Net, wait_until  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    os.environ.setdefault("SSU2D_TEST_LOG", "warn")
    net = Net(build)
    failed = True
    try:
        a = net.node("lat-a", "127.0.0.1", 23301, 23311)
        b = net.node("lat-b", "127.0.0.1", 23302, 23312)
        for n in (a, b):
            n.init()
            n.start()
        hb = b.ctl("status")["router_hash"]
        a.ctl("connect", b.router_info, timeout=60)
        wait_until(lambda: hb in (a.session_peers() or set()), 30, "session A -> B")
        a.ctl("send", "--sequential", hb, 50, args.size, timeout=120)  # warm-up: RTT estimate

        rows = []
        keys = ["latency_min_us", "latency_p50_us", "latency_p99_us", "latency_max_us",
                "latency_mean_us"]
        for rnd in range(args.rounds):
            r = a.ctl("send", "--sequential", hb, args.count, args.size, timeout=600)
            if r.get("delivered") != args.count:
                raise RuntimeError(f"not every message was delivered: {r}")
            rows.append({k: r[k] for k in keys} | {"elapsed_ms": r["elapsed_ms"]})
            print(f"round {rnd + 1}: p50 {r['latency_p50_us']} us, p99 {r['latency_p99_us']} us, "
                  f"max {r['latency_max_us']} us, mean {r['latency_mean_us']} us "
                  f"({args.count} x {args.size} B in {r['elapsed_ms']} ms)", flush=True)
        med = {k: statistics.median(r[k] for r in rows) for k in keys}
        sess = a.ctl("session", hb)
        rtt, rtt_us = sess["rtt_ms"], sess.get("rtt_us")  # rtt_us: builds with microsecond RTTs
        print(f"\nmedian of {args.rounds} rounds: p50 {med['latency_p50_us']:.0f} us, "
              f"p99 {med['latency_p99_us']:.0f} us, max {med['latency_max_us']:.0f} us "
              f"(session rtt estimate {rtt} ms, {rtt_us} us)")
        print(json.dumps({"i2np_size": args.size, "count": args.count, "rounds": args.rounds,
                          "p50_us": med["latency_p50_us"], "p99_us": med["latency_p99_us"],
                          "max_us": med["latency_max_us"], "mean_us": med["latency_mean_us"],
                          "rtt_ms": rtt, "rtt_us": rtt_us, "rounds_detail": rows}))
        failed = False
    finally:
        net.close(failed)


if __name__ == "__main__":
    main()
