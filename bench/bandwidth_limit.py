#!/usr/bin/env python3
"""How well the bandwidth limits hold under a bulk transfer (two nodes on loopback).

For each limit (KB/s, 1 KB = 1024 bytes) and direction it starts a fresh pair of nodes on
127.0.45.1 (A, sender) and 127.0.45.2 (B, receiver): direction `out` limits A with
bandwidth.out_kbytes_s, `in` limits B with bandwidth.in_kbytes_s. After a warm-up it runs one
`ssu2ctl send` of 8 KiB messages with delivery feedback (the node keeps a window of them
outstanding, so the session always has data queued) and measures, over SECONDS after a 1 s
settling time, the UDP payload bytes of the session: A's `session B` bytes_out for `out`,
B's `session A` bytes_in (what passed the limit and was decrypted) for `in`. A run without a
limit comes first as the baseline of the same machine state.

Prints one row per run (limit, measured B/s, measured / limit, holds or drops) and one JSON
line at the end.

    python3 bench/bandwidth_limit.py BUILD_DIR [--limits 2000,10000] [--directions out,in]
                                               [--seconds 8] [--size 8192]
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from netlib import Net, wait_until  # noqa: E402

HOST_A, HOST_B = "127.0.45.1", "127.0.45.2"


def one_run(build, limit_k, direction, seconds, size):
    net = Net(build)
    failed = True
    send = None
    try:
        bw_a = {"out_kbytes_s": limit_k} if direction == "out" else {}
        bw_b = {"in_kbytes_s": limit_k} if direction == "in" else {}
        a = net.node("a", HOST_A, 23101, 23102, extra={"bandwidth": bw_a} if bw_a else None)
        b = net.node("b", HOST_B, 23101, 23102, extra={"bandwidth": bw_b} if bw_b else None)
        for n in (a, b):
            n.init()
            n.start()
        a.ctl("connect", b.router_info, timeout=40)
        wait_until(lambda: b.hash in (a.session_peers() or set()), 20, "session A -> B")
        wait_until(lambda: a.hash in (b.session_peers() or set()), 20, "session B -> A")
        a.ctl("send", b.hex_hash, 50, size, timeout=60)  # warm-up: RTT, window
        rate_guess = (limit_k or 100_000) * 1024
        count = int(rate_guess * (seconds + 4) / size) + 100
        send = subprocess.Popen([net.ssu2ctl, "--node", a.control, "--json", "--quiet", "--timeout",
                                 str(int(seconds) + 60), "send", b.hex_hash, str(count), str(size)],
                                stdout=subprocess.DEVNULL)
        time.sleep(1.0)
        if send.poll() is not None:
            raise RuntimeError(f"ssu2ctl send exited early with {send.returncode}")

        def sample():
            if direction == "out":
                v = a.ctl("session", b.hex_hash)["bytes_out"]
            else:
                v = b.ctl("session", a.hex_hash)["bytes_in"]
            return time.monotonic(), v

        t0, v0 = sample()
        time.sleep(seconds)
        t1, v1 = sample()
        rate = (v1 - v0) / (t1 - t0)
        if direction == "out":
            extra = {"holds": a.metric("ssu2_bandwidth_holds_total", {"direction": "out"})}
        else:
            extra = {"dropped_datagrams": b.metric("ssu2_datagrams_dropped_total", {"reason": "bandwidth_limit"})}
        failed = False
        return {"direction": direction, "limit_kbytes_s": limit_k, "limit_bytes_s": limit_k * 1024,
                "measured_bytes_s": round(rate), "seconds": round(t1 - t0, 2),
                "ratio": round(rate / (limit_k * 1024), 3) if limit_k else None, **extra}
    finally:
        if send and send.poll() is None:
            send.kill()
            send.wait()
        net.close(failed)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--limits", default="2000,10000", help="KB/s, comma-separated")
    ap.add_argument("--directions", default="out,in")
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--size", type=int, default=8192)
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    os.environ.setdefault("SSU2D_TEST_LOG", "warn")
    rows = []
    for d in args.directions.split(","):
        for k in [0] + [int(x) for x in args.limits.split(",")]:
            r = one_run(build, k, d, args.seconds, args.size)
            rows.append(r)
            lim = f"{k} KB/s ({k * 1024} B/s)" if k else "unlimited"
            ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else "-"
            more = ", ".join(f"{key} {int(v)}" for key, v in r.items() if key in ("holds", "dropped_datagrams"))
            print(f"{d:4} limit {lim:28} measured {r['measured_bytes_s']:>10} B/s  ratio {ratio:>6}  {more}",
                  flush=True)
    print(json.dumps({"bandwidth_limit": rows}))


if __name__ == "__main__":
    main()
