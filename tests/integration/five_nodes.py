#!/usr/bin/env python3
"""Five ssu2d nodes on 127.0.1.1-5: every node connects to every other (they list each other's
RouterInfo as peers), messages cross all 20 directed pairs with delivery feedback, then one node
is killed with SIGKILL and the others notice (its session closes) and stay healthy."""
import signal

from netlib import check, run, wait_until

N = 5
MESSAGES = 20
SIZE = 3000  # spans three SSU2 packets: exercises fragmentation on every pair


def main(net):
    nodes = [net.node(f"node{i}", f"127.0.1.{i}", 12345, 12346) for i in range(1, N + 1)]
    for n in nodes:
        n.init()
    for n in nodes:
        n.config["peers"]["router_infos"] = [m.router_info for m in nodes if m is not n]
    for n in nodes:
        n.start()
    hashes = {n.name: n.ctl("status")["router_hash"] for n in nodes}

    for n in nodes:
        want = {hashes[m.name] for m in nodes if m is not n}
        wait_until(lambda: (n.session_peers() or set()) >= want, 60,
                   f"{n.name} connected to the 4 others")
    check(True, "every node has a session with every other node")

    for a in nodes:
        for b in nodes:
            if a is b:
                continue
            r = a.ctl("send", hashes[b.name], MESSAGES, SIZE, timeout=120)
            check(r.get("delivered") == MESSAGES and r.get("failed", 0) == 0,
                  f"{a.name} -> {b.name}: {MESSAGES} x {SIZE} B delivered ({r})")

    victim = nodes[-1]
    victim.stop(signal.SIGKILL)
    survivors = nodes[:-1]
    # Traffic towards the dead node makes each survivor's session notice it: resends go
    # unanswered until the session gives up and closes.
    for n in survivors:
        n.ctl_ok("send", hashes[victim.name], 1, 100)
    for n in survivors:
        wait_until(lambda: hashes[victim.name] not in (n.session_peers() or {hashes[victim.name]}),
                   90, f"{n.name} closed its session with the killed node")
    check(True, "the survivors noticed the killed node")

    for a in survivors:
        st = a.ctl("status")
        check(st["sessions"] >= len(survivors) - 1, f"{a.name} still has its other sessions")
        b = survivors[(survivors.index(a) + 1) % len(survivors)]
        r = a.ctl("send", hashes[b.name], 5, 500, timeout=60)
        check(r.get("delivered") == 5, f"{a.name} -> {b.name} still delivers after the kill")


if __name__ == "__main__":
    run(main)
