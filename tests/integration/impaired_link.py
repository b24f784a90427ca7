#!/usr/bin/env python3
"""Two ssu2d nodes exchange I2NP messages of random sizes (1 B .. 60 KiB) both ways over one
session through the seeded impairment proxy (tests/tools/udp_impair_proxy): 5% loss, 2%
duplication, 5% reordering, 1-3 ms delay. Every message must be delivered exactly once and
every delivery feedback answered.

Node B binds 127.0.2.2 and publishes the proxy's address (127.0.2.3:40000) in its RouterInfo,
as a router behind a port forward would; A connects to that address, so every datagram of the
session, both ways, crosses the proxy.

    impaired_link.py BUILD_DIR [--messages N] [--seed S] [--loss P]
        N per direction (default 10000), S the proxy's RNG seed (default 20261125), P the drop
        probability (default 0.05). CI runs the defaults; impaired_seeds.sh runs many seeds."""
import json
import time
import os
import sys
import threading

from netlib import ImpairProxy, check, run, wait_until

PER_DIRECTION = int(sys.argv[sys.argv.index("--messages") + 1]) if "--messages" in sys.argv else 10000
SEED = sys.argv[sys.argv.index("--seed") + 1] if "--seed" in sys.argv else "20261125"
LOSS = sys.argv[sys.argv.index("--loss") + 1] if "--loss" in sys.argv else "0.05"
SIZES = "1-61440"


def i2np_in(node, peer):
    got = node.ctl("sessions")
    for s in got["sessions"] if isinstance(got, dict) else got:
        if s["peer"] == peer and s.get("state") == "established":
            return s.get("i2np_in", 0)
    return None


def main(net):
    a = net.node("a", "127.0.2.1", 12345, 12346)
    b = net.node("b", "127.0.2.2", 12345, 12346,
                 extra={"ssu2": {"published_host": "127.0.2.3", "published_port": 40000}})
    proxy = ImpairProxy(net, "127.0.2.3:40000", "127.0.2.2:12345", SEED, LOSS, 0.05, dup=0.02,
                        delay_ms=1, jitter_ms=2)

    for n in (a, b):
        n.init()
        n.start()
    ha, hb = a.ctl("status")["router_hash"], b.ctl("status")["router_hash"]
    a.ctl("connect", b.router_info, timeout=60)
    wait_until(lambda: i2np_in(b, ha) is not None, 30, "B to list the session with A")
    base_a, base_b = i2np_in(a, hb), i2np_in(b, ha)

    results = {}
    started = time.monotonic()

    def send(src, dst_hash, key):
        results[key] = src.ctl("send", dst_hash, PER_DIRECTION, SIZES, timeout=960)

    threads = [threading.Thread(target=send, args=(a, hb, "a->b")),
               threading.Thread(target=send, args=(b, ha, "b->a"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key in ("a->b", "b->a"):
        r = results.get(key, {})
        check(r.get("sent") == PER_DIRECTION and r.get("delivered") == PER_DIRECTION
              and r.get("failed") == 0,
              f"{key}: {PER_DIRECTION} messages of {SIZES} B, every feedback 'delivered' ({r})")
    # A delivery feedback means the peer's session ACKed every packet; its hand-over to the
    # subsystem manager is asynchronous, so give the counters a bounded moment to catch up.
    try:
        wait_until(lambda: i2np_in(b, ha) - base_b >= PER_DIRECTION
                   and i2np_in(a, hb) - base_a >= PER_DIRECTION, 30, "the receivers' counts")
    except Exception as e:
        print(e, flush=True)
    got_b, got_a = i2np_in(b, ha) - base_b, i2np_in(a, hb) - base_a
    if got_a != PER_DIRECTION or got_b != PER_DIRECTION:
        print("A's session:", json.dumps(a.ctl("session", hb)), flush=True)
        print("B's session:", json.dumps(b.ctl("session", ha)), flush=True)
    check(got_b == PER_DIRECTION, f"B received each of A's messages exactly once ({got_b})")
    check(got_a == PER_DIRECTION, f"A received each of B's messages exactly once ({got_a})")
    # Issue 15: the one session carried everything; neither side ended it on the way.
    elapsed_ms = (time.monotonic() - started) * 1000
    for node, peer in ((a, hb), (b, ha)):
        s = node.ctl("session", peer)
        check(s.get("state") == "established" and s.get("established_ms_ago", 0) >= elapsed_ms,
              f"the session survived the whole run ({s.get('state')}, age "
              f"{s.get('established_ms_ago')} ms, run {elapsed_ms:.0f} ms)")
    stats = proxy.stop()
    check(stats.get("dropped", 0) > 0 and stats.get("duplicated", 0) > 0
          and stats.get("reordered", 0) > 0,
          f"the proxy really dropped, duplicated and reordered datagrams ({stats})")
    # The duplicates were refused by packet number, and each node's metric counts what its
    # session counted (the proxy is stopped: nothing arrives between the two reads).
    replayed = 0
    for node, peer in ((a, hb), (b, ha)):
        own = node.ctl("session", peer).get("drops", {}).get("replayed packet number", 0)
        exported = node.metric("ssu2_session_dropped_total", {"reason": "replayed packet number"})
        check(exported == own, f"{node.name}: ssu2_session_dropped_total {exported} = the "
              f"session's own count {own}")
        replayed += own
    check(replayed > 0, f"duplicated datagrams were dropped as replays ({replayed})")


if __name__ == "__main__":
    run(main)
