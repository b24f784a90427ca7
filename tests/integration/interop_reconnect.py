#!/usr/bin/env python3
"""Disconnect / connect cycles against Debian's i2pd 2.45.1 (label "interop"; issue "interop
robustness", point 3: a connect right after a disconnect sometimes failed or took ~19 s).

ssu2d connects to i2pd (in a network namespace of the test's own, scripts/i2pd-netns.sh),
then CYCLES times: `disconnect`, then `connect` again at once. Every connect must complete
within 2 s and carry I2NP (10 messages ACKed by i2pd). The figures (per-cycle connect time,
min / median / max) are printed."""
import os
import statistics
import subprocess
import sys
import time

from interop_i2pd import NETNS, free_port, router_hash_b64, session_with, start_i2pd, stop_pid
from netlib import check, run, wait_until

CYCLES = int(os.environ.get("SSU2_RECONNECT_CYCLES", "50"))


def main(net):
    n = 200 + os.getpid() % 50
    subprocess.run(["bash", NETNS, "up", str(n)], check=True, timeout=30)
    net.cleanups.append(lambda: subprocess.run(["bash", NETNS, "down", str(n)], timeout=30))
    host, i2pd_port = f"198.18.{n}.1", 23456
    node = net.node("ssu2d", host, 12345, free_port(), extra={"log": {"level": "info"}})
    node.config["control"]["host"] = "127.0.0.1"
    node.control = f"127.0.0.1:{node.config['control']['port']}"
    node.init()
    node.start()
    d1 = os.path.join(net.base, "i2pd1")
    pid = start_i2pd(n, d1, i2pd_port)
    net.cleanups.append(lambda: stop_pid(pid))
    ri = os.path.join(d1, "router.info")
    i2pd_hash = router_hash_b64(ri)
    node.ctl("connect", ri, timeout=60)
    wait_until(lambda: session_with(node, i2pd_hash), 30, "first session with i2pd")
    times, slow = [], []
    for i in range(CYCLES):
        node.ctl("disconnect", i2pd_hash, timeout=30)
        t0 = time.monotonic()
        node.ctl("connect", ri, timeout=40)
        dt = time.monotonic() - t0
        times.append(dt)
        if dt >= 2.0:
            slow.append((i, round(dt, 2)))
        r = node.ctl("send", i2pd_hash, 10, 1000, timeout=60)
        check(r.get("delivered") == 10, f"cycle {i}: connected in {dt:.3f} s, 10 messages ACKed by i2pd")
    print(f"connect after disconnect over {CYCLES} cycles: min {min(times):.3f} s, median "
          f"{statistics.median(times):.3f} s, max {max(times):.3f} s; slow: {slow}", flush=True)
    check(not slow, f"every connect right after a disconnect completed within 2 s (slow: {slow})")


if __name__ == "__main__":
    run(main)
