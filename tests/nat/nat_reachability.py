#!/usr/bin/env python3
"""Reachability behind a real NAT (natworld.py): two public ssu2d nodes P1, P2 (P2 connects
to P1) and one node N that connects to P1 only, so that P1 (Bob) picks P2 as Charlie, who
has no session with N, as the spec wants. Automatic peer tests run every few seconds
(nat.* config keys). The same identity N is run
  1. behind a port-restricted NAT: detects "firewalled" within 2 minutes of its start,
     publishes no host, address caps "4", router caps ...U (RouterInfo on disk too);
  2. in the public namespace: "reachable", publishes its address, router caps ...R;
  3. behind a symmetric NAT (random source ports): "symmetric_nat", no host;
  4. behind a full-cone NAT (the port forwarded): "reachable", publishing the NAT's address.
Usage: nat_reachability.py BUILD_DIR"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natworld  # noqa: E402

checks = natworld.Checks()
check = checks.check


def router_info_has_host(path):
    with open(path, "rb") as f:
        data = f.read()
    return b"\x04host" in data


def run(build_dir):
    with natworld.World(build_dir) as w:
        p1 = natworld.Node(w, "p1", natworld.PUB, w.pub_addr(), 24000, extra=natworld.FAST_NAT)
        p1.init()
        p2 = natworld.Node(w, "p2", natworld.PUB, w.pub_addr(), 24000, peers=[p1], extra=natworld.FAST_NAT)
        p1.start()
        p2.start()
        n_dir = os.path.join(w.tmp, "n")

        def behind(variant, port):
            w.set_nat(variant, port)
            return natworld.Node(w, f"n-{variant}", natworld.LAN, natworld.LAN_HOST, port,
                                 peers=[p1], extra=natworld.FAST_NAT, data_dir=n_dir)

        def expect(node, state, router_cap, published, has_host, address_caps=None):
            """Starts `node`, waits for `state` and checks what it publishes."""
            node.start()
            try:
                s = node.wait_status(lambda s: s.get("reachability") == state, natworld.DETECT_S, state)
                assert s["router_caps"].endswith(router_cap), s
                if address_caps is not None:
                    assert s["address_caps"] == address_caps, s
                assert s["published_addresses"] == published, s
                assert s["republished"] >= 1, s
                assert router_info_has_host(node.router_info_path) == has_host, \
                    f"router.info host present: {not has_host}"
            finally:
                node.stop()

        def firewalled():
            expect(behind("restricted", 24100), "firewalled", "U", [], False, "4")

        def public():
            n = natworld.Node(w, "n-public", natworld.PUB, w.pub_addr(), 24200, peers=[p1],
                              extra=natworld.FAST_NAT, data_dir=n_dir)
            expect(n, "reachable", "R", [f"{n.host}:24200"], True, "BC")

        def symmetric():
            expect(behind("symmetric", 24300), "symmetric_nat", "U", [], False, "4")

        def fullcone():
            expect(behind("fullcone", 24400), "reachable", "R",
                   [f"{natworld.ROUTER_WAN}:24400"], True, "BC")

        check("firewalled behind a port-restricted NAT", firewalled)
        check("reachable in the public namespace", public)
        check("symmetric NAT detected", symmetric)
        check("reachable behind a full-cone NAT", fullcone)
        if checks.failed:
            for node in ("p1", "p2"):
                print(f"--- {node} log tail ---")
                print((p1 if node == "p1" else p2).log()[-3000:])
            for name in os.listdir(w.tmp):
                if name.startswith("n-") and name.endswith(".log"):
                    with open(os.path.join(w.tmp, name), errors="replace") as f:
                        print(f"--- {name} (grep nat) ---")
                        print("".join(l for l in f if "nat" in l)[-4000:])


if __name__ == "__main__":
    sys.exit(natworld.main(run, __doc__, checks, sys.argv))
