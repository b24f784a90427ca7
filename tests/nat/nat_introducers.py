#!/usr/bin/env python3
"""Introducers behind a real NAT (natworld.py): three public ssu2d nodes P1..P3 (P2, P3
connect to P1) and a node N behind a port-restricted NAT. N
  1. detects "firewalled", asks its peers for relay tags and publishes up to 3 introducers
     (ih/itag/iexp in its SSU2 address, no host, router.info on disk too): each one is a
     public node (that the tags are the introducers' own is checked in nat_introducers_test);
     then a fourth public node P4 that has only N's RouterInfo connects to it through an
     introducer (P1: Relay Request, Relay Response, Hole Punch, Session Request with N's
     relay token) and 100 I2NP messages go each way;
  2. moved to the public namespace (same identity), detects "reachable" and drops them.
Usage: nat_introducers.py BUILD_DIR"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natworld  # noqa: E402


checks = natworld.Checks()
check = checks.check


def introducer_hashes(status):
    return [i.split()[0] for i in natworld.introducers(status)]


def run(build_dir):
    with natworld.World(build_dir) as w:
        p1 = natworld.Node(w, "p1", natworld.PUB, w.pub_addr(), 25000, extra=natworld.FAST_NAT)
        p1.init()
        pubs = [p1]
        for name in ("p2", "p3"):
            pubs.append(natworld.Node(w, name, natworld.PUB, w.pub_addr(), 25000, peers=[p1],
                                      extra=natworld.FAST_NAT))
        for p in pubs:
            p.start()
        hashes = {p.status()["router_hash"]: p.name for p in pubs}
        n_dir = os.path.join(w.tmp, "n")

        def firewalled():
            w.set_nat("restricted", 25100)
            # P1 only at first: a Charlie with a session to N rejects the test (code 68).
            n = natworld.Node(w, "n-restricted", natworld.LAN, natworld.LAN_HOST, 25100,
                              peers=[p1], extra=natworld.FAST_NAT, data_dir=n_dir)
            n.start()
            try:
                n.wait_status(lambda s: s.get("reachability") == "firewalled", natworld.DETECT_S, "firewalled")
                for p in pubs[1:]:
                    natworld.nsx(n.ns, w.ssu2ctl, "-n", f"{n.host}:{n.control}", "connect",
                                 p.router_info_path, timeout=20)
                s = n.wait_status(lambda s: len(natworld.introducers(s)) == 3, 60,
                                  "3 introducers")
                ih = introducer_hashes(s)
                assert len(set(ih)) == 3, s
                assert set(ih) <= set(hashes), f"introducers {ih} not the public nodes {hashes}"
                assert s["published_addresses"] == [], s
                assert "4" in s["address_caps"], s
                assert natworld.introducers(s, "ipv6") == [], s  # N has no IPv6 socket
                for entry in natworld.introducers(s):
                    exp = int(entry.split("iexp=")[1])
                    assert exp > time.time() + 600, f"iexp too close: {entry}"
                with open(n.router_info_path, "rb") as f:
                    data = f.read()
                assert b"\x03ih0" in data and b"\x05itag0" in data and b"\x05iexp0" in data, \
                    "router.info on disk has no ih0/itag0/iexp0"
                assert b"\x04host" not in data, "router.info publishes a host with introducers"
                through_introducer(n)
            finally:
                n.stop()

        def through_introducer(n):
            # A public node with only N's RouterInfo (introducers, no host) and a session to
            # P1: it asks P1 to introduce it (Relay Request), N answers (Relay Response, Hole
            # Punch through its NAT), and its Session Request with N's token gets in.
            p4 = natworld.Node(w, "p4", natworld.PUB, w.pub_addr(), 25000, peers=[p1], extra=natworld.FAST_NAT)
            p4.start()
            try:
                n_hex, p4_hex = n.hex_hash(), p4.hex_hash()
                p4.ctl("connect", n.router_info_path, timeout=70)
                assert "asking" in p4.log() and "to introduce us to" in p4.log(), \
                    "p4 did not go through an introducer"
                assert "agreed" in p4.log(), "no introduction was agreed"
                print("".join(l for l in p4.log().splitlines(True) if "introduc" in l or "agreed" in l))
                # N's only inbound handshake: P4's Session Request came with N's relay token.
                text = n.ctl("metrics")["metrics"]
                retries = re.search(r"^ssu2_listener_retries_sent_total (\d+)", text, re.M)
                token_requests = re.search(r"^ssu2_listener_token_requests_total (\d+)", text, re.M)
                accepted = re.search(r"^ssu2_listener_accepted_total (\d+)", text, re.M)
                assert accepted and int(accepted.group(1)) >= 1, "N accepted no Session Request"
                assert not retries or int(retries.group(1)) == 0, f"N sent a Retry: {retries.group(0)}"
                assert not token_requests or int(token_requests.group(1)) == 0, token_requests.group(0)
                for sender, to in ((p4, n_hex), (n, p4_hex)):
                    r = sender.ctl("send", to, 100, "200-3000", timeout=60)
                    assert r.get("delivered") == 100 and r.get("failed") == 0, f"{sender.name}: {r}"
                sessions = n.ctl("sessions")
                assert any(s.get("peer") == p4.status()["router_hash"] for s in
                           (sessions["sessions"] if isinstance(sessions, dict) else sessions)), sessions
            finally:
                p4.stop()

        def public():
            n = natworld.Node(w, "n-public", natworld.PUB, w.pub_addr(), 25200, peers=[p1],
                              extra=natworld.FAST_NAT, data_dir=n_dir)
            n.start()
            try:
                s = n.wait_status(lambda s: s.get("reachability") == "reachable", natworld.DETECT_S,
                                  "reachable")
                assert s.get("introducers") == {"ipv4": [], "ipv6": []}, s
                assert s["published_addresses"] == [f"{n.host}:25200"], s
                with open(n.router_info_path, "rb") as f:
                    assert b"\x03ih0" not in f.read(), "router.info still lists introducers"
            finally:
                n.stop()

        check("firewalled node publishes the public nodes as introducers", firewalled)
        check("the same node in public drops its introducers", public)
        if checks.failed:
            for p in pubs:
                print(f"--- {p.name} log tail ---")
                print(p.log()[-3000:])
            for name in os.listdir(w.tmp):
                if name.startswith("n-") and name.endswith(".log"):
                    with open(os.path.join(w.tmp, name), errors="replace") as f:
                        print(f"--- {name} (grep nat) ---")
                        print("".join(l for l in f if "nat" in l)[-4000:])


if __name__ == "__main__":
    sys.exit(natworld.main(run, __doc__, checks, sys.argv))
