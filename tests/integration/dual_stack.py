#!/usr/bin/env python3
"""A dual-stack node (127.0.46.1 and ::1) publishes one SSU2 address per family in its
RouterInfo (issue 11); an IPv6-only node reaches it over ::1 and an IPv4-only one over
127.0.46.1, each picking the address of its own family from the same RouterInfo, and I2NP
goes both ways on both sessions."""
import json
import subprocess

from netlib import check, run, wait_until

HOST_A, HOST_C, CONTROL_B = "127.0.46.1", "127.0.46.3", "127.0.46.2"


def ssu2_hosts(net, path):
    out = subprocess.run([net.ssu2ctl, "--json", "routerinfo", path], capture_output=True,
                         text=True, timeout=30)
    check(out.returncode == 0, f"ssu2ctl routerinfo {path}: {out.stderr.strip()}")
    ri = json.loads(out.stdout)
    check(ri["signature_valid"] is True, "the dual-stack RouterInfo verifies")
    return [a["options"].get("host") for a in ri["addresses"] if a.get("transport") == "SSU2"]


def main(net):
    a = net.node("a", HOST_A, 14601, 14602, extra={"ssu2": {"ipv6_host": "::1"}})
    b = net.node("b", CONTROL_B, 14611, 14612, extra={"ssu2": {"host": "", "ipv6_host": "::1"}})
    c = net.node("c", HOST_C, 14621, 14622)
    for n in (a, b, c):
        n.init()
    hosts = ssu2_hosts(net, a.router_info)
    check(hosts == [HOST_A, "::1"], f"--init publishes both families, IPv4 first ({hosts})")
    for n in (a, b, c):
        n.start()
    # The running node republishes the same two addresses (its bound sockets).
    hosts = ssu2_hosts(net, a.router_info)
    check(hosts == [HOST_A, "::1"], f"the running node publishes both families ({hosts})")

    for n in (b, c):
        n.ctl("connect", a.router_info, timeout=40)
    sessions = {s["peer"]: s["remote"] for s in a.ctl("sessions")}
    check(sessions.get(b.hash, "").startswith("[::1]:14611"),
          f"the IPv6-only node came over ::1 ({sessions.get(b.hash)})")
    check(sessions.get(c.hash, "") == f"{HOST_C}:14621",
          f"the IPv4-only node came over IPv4 ({sessions.get(c.hash)})")
    for sender, to in ((a, b), (b, a), (a, c), (c, a)):
        r = sender.ctl("send", to.hex_hash, 20, 2000, timeout=60)
        check(r.get("delivered") == 20 and r.get("failed") == 0,
              f"{sender.name} -> {to.name}: 20 messages delivered ({r})")


if __name__ == "__main__":
    run(main)
