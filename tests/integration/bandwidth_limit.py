#!/usr/bin/env python3
"""Bandwidth limits hold under a bulk transfer (loopback 127.0.44.x, about 13 s).

A (out limit 1024 KB/s) sends 8 KiB messages to B (unlimited) for a few seconds: A's
session bytes out per second are within 15% of the limit, and A held packets back
(ssu2_bandwidth_holds_total) without losing any (every message delivered). Then A sends to C
(in limit 512 KB/s): what C's session decrypts per second is within 15% of C's limit, the
excess was dropped before decryption (ssu2_datagrams_dropped_total{reason="bandwidth_limit"})
and still every message arrives. `status` shows the limits; the RouterInfo's caps letter
follows them (1024 KB/s: P; 512 KB/s: P; unlimited: L)."""
import json
import subprocess
import time

from netlib import check, run, wait_until

HOST_A, HOST_B, HOST_C = "127.0.44.1", "127.0.44.2", "127.0.44.3"
SIZE = 8192
WINDOW_S = 4.0


def measure(net, sender, receiver, count, sample):
    """Starts `ssu2ctl send` of `count` messages, returns (bytes per second over WINDOW_S
    after 1 s, the send's JSON result)."""
    proc = subprocess.Popen([net.ssu2ctl, "--node", sender.control, "--json", "--quiet",
                             "--timeout", "40", "send", receiver.hex_hash, str(count), str(SIZE)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        t0, v0 = time.monotonic(), sample()
        time.sleep(WINDOW_S)
        t1, v1 = time.monotonic(), sample()
        out, err = proc.communicate(timeout=45)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return (v1 - v0) / (t1 - t0), (json.loads(out) if out.strip() else {"error": err})


def main(net):
    a = net.node("a", HOST_A, 14401, 14402, extra={"bandwidth": {"out_kbytes_s": 1024}})
    b = net.node("b", HOST_B, 14401, 14402)
    c = net.node("c", HOST_C, 14401, 14402, extra={"bandwidth": {"in_kbytes_s": 512}})
    for n in (a, b, c):
        n.init()
        n.start()

    st = a.ctl("status")
    check(st["bandwidth_limit_bps"] == {"in": 0, "out": 1024 * 1024},
          f"status shows A's limits ({st['bandwidth_limit_bps']})")
    check(st["router_caps"].startswith("P"), f"A's caps letter for 1024 KB/s is P ({st['router_caps']})")
    check(b.ctl("status")["router_caps"].startswith("L"), "unlimited B publishes L")
    check(c.ctl("status")["router_caps"].startswith("P"), "C (in 512 KB/s) publishes P")
    text = subprocess.run([net.ssu2ctl, "--node", a.control, "status"], capture_output=True,
                          text=True, timeout=30).stdout
    check("unlimited / 1024 KB/s (1048576 B/s)" in text, "ssu2ctl status prints the limits")

    for peer in (b, c):
        a.ctl("connect", peer.router_info, timeout=30)
        wait_until(lambda: peer.hash in (a.session_peers() or set()), 15, f"session A -> {peer.name}")
        a.ctl("send", peer.hex_hash, 20, SIZE, timeout=30)  # warm-up

    # Outbound: 1 MiB/s for 1 + 4 s and a little more: ~700 messages of 8 KiB.
    limit = 1024 * 1024
    rate, res = measure(net, a, b, 700, lambda: a.ctl("session", b.hex_hash)["bytes_out"])
    print(f"A out: {rate:.0f} B/s, limit {limit} B/s, ratio {rate / limit:.3f}")
    check(abs(rate - limit) <= 0.15 * limit, f"A's outbound rate is within 15% of its limit ({rate / limit:.3f})")
    check(res.get("delivered") == 700, f"every message to B was delivered ({res})")
    check(a.metric("ssu2_bandwidth_holds_total", {"direction": "out"}) > 0, "A's sessions were held back")

    # Inbound: C polices at 512 KB/s: ~360 messages.
    limit = 512 * 1024
    rate, res = measure(net, a, c, 360, lambda: c.ctl("session", a.hex_hash)["bytes_in"])
    print(f"C in: {rate:.0f} B/s, limit {limit} B/s, ratio {rate / limit:.3f}")
    check(abs(rate - limit) <= 0.15 * limit, f"C's inbound rate is within 15% of its limit ({rate / limit:.3f})")
    check(res.get("delivered") == 360, f"every message to C was delivered ({res})")
    check(c.metric("ssu2_datagrams_dropped_total", {"reason": "bandwidth_limit"}) > 0,
          "C dropped what came over its limit")


if __name__ == "__main__":
    run(main)
