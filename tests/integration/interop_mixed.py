#!/usr/bin/env python3
"""A mixed network: 2 i2pd 2.45.1 and 3 ssu2d routers (label "interop"; issue "interop
robustness", must-show "a mixed network" and point 6, relay tags from i2pd).

Each router runs in a namespace of its own (ssu2m-1 .. ssu2m-5, 198.18.252.1 .. .5/24,
MTU 1280) joined by a bridge in namespace ssu2m-hub; the host has a leg on the bridge
(198.18.252.254) for ssu2ctl and i2pd's web console. i2pd 1 and 2 know the three ssu2d
RouterInfos from their netDb at start (so they build tunnels through them); the ssu2d
nodes know the i2pd RouterInfos from `ssu2ctl connect`. Checks, each from both sides:
 1. relay tag: ssu2d 1 asks i2pd 1 for a tag with no session open (`ssu2ctl relaytag`):
    the Session Request carries the Relay Tag Request, i2pd logs it and its console shows
    the session with [itag:T], T being the tag ssu2ctl printed.
 2. every ssu2d <-> i2pd pair has a session (our session list, i2pd's console).
 3. I2NP both ways: 10 Data messages from each ssu2d to each i2pd, ACKed (ours) and
    counted by type in each i2pd's log (exactly 30 per i2pd); I2NP from each i2pd (its
    tunnel builds) counted in our sessions.
 4. i2pd 2 and ssu2d 3 are killed (SIGKILL) and restarted with their keys: the others
    recover: sessions re-established (on demand from the senders' side, or by the peer)
    and I2NP flows again, counted in the restarted i2pd's log and in i2pd 1's for ssu2d 3.
Every namespace and process goes at the end, also on failure (Net.cleanups)."""
import os
import signal
import subprocess
import time

from i2pdlib import I2pd, remove_netns, sh
from netlib import Failure, Node, check, run, wait_until

PREFIX = "ssu2m"
SUBNET = "198.18.252"
HOST_IP = f"{SUBNET}.254"
MTU = 1280
I2PD_PORT, SSU2_PORT, CONTROL_PORT = 23520, 23530, 23531
DATA = 20  # I2NP Data: i2pd logs it as "Msg received ... type=20" and drops it


class Hub:
    """Namespaces PREFIX-1..count on one bridge (in PREFIX-hub), with a leg to the host."""

    def __init__(self, net, count):
        self.count = count
        self.hub = f"{PREFIX}-hub"
        self.down()
        net.cleanups.append(self.down)
        sh("ip", "netns", "add", self.hub)
        sh("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.hub, "link", "set", "br0", "up")
        sh("ip", "-n", self.hub, "link", "set", "lo", "up")
        self._leg(f"{PREFIX}h0", None, HOST_IP)
        for i in range(1, count + 1):
            sh("ip", "netns", "add", self.ns(i))
            sh("ip", "-n", self.ns(i), "link", "set", "lo", "up")
            self._leg(f"{PREFIX}n{i}", self.ns(i), self.ip(i))

    def _leg(self, outer, ns, ip):
        """A veth from the hub's bridge to `ns` (None: the host), with `ip` on the far end."""
        inner = outer.replace(f"{PREFIX}n", f"{PREFIX}b").replace(f"{PREFIX}h", f"{PREFIX}b")
        sh("ip", "link", "add", outer, "mtu", str(MTU), "type", "veth", "peer", "name", inner,
           "mtu", str(MTU))
        sh("ip", "link", "set", inner, "netns", self.hub)
        sh("ip", "-n", self.hub, "link", "set", inner, "master", "br0", "up")
        where = [] if ns is None else ["-n", ns]
        if ns is not None:
            sh("ip", "link", "set", outer, "netns", ns)
        sh("ip", *where, "addr", "add", f"{ip}/24", "dev", outer)
        sh("ip", *where, "link", "set", outer, "up")

    @staticmethod
    def ns(i):
        return f"{PREFIX}-{i}"

    @staticmethod
    def ip(i):
        return f"{SUBNET}.{i}"

    def down(self):
        for name in [self.ns(i) for i in range(1, self.count + 1)] + [self.hub]:
            remove_netns(name)
        sh("ip", "link", "del", f"{PREFIX}h0", check=False)


class Leg:
    """What i2pdlib.I2pd needs of its namespace."""

    def __init__(self, name, ip):
        self.name, self.peer, self.mtu = name, ip, MTU


class NsNode(Node):
    """An ssu2d whose process runs in a namespace (ssu2ctl reaches it over the host leg)."""

    def __init__(self, net, name, ns, ip):
        super().__init__(net, name, ip, SSU2_PORT, CONTROL_PORT, {"ssu2": {"mtu": MTU}})
        self.ns = ns

    def start(self):
        log = open(os.path.join(self.dir, "log"), "a")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, self.net.ssu2d,
                                      "--config", self.write_config()],
                                     stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.ctl_ok("status"), 20, f"{self.name} control endpoint")

    def sessions(self):
        got = self.ctl_ok("sessions")
        got = (got["sessions"] if isinstance(got, dict) else got) if got is not None else []
        return {s["peer"]: s for s in got if s.get("state") == "established"}

    def log_text(self):
        with open(os.path.join(self.dir, "log"), errors="replace") as f:
            return f.read()


def send_until_delivered(node, peer, n, what, timeout=60):
    """`ssu2ctl send` until all n are ACKed (a dead session fails its messages first, then
    the next send reconnects on demand); bounded."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = node.ctl("send", peer.hash_hex, n, 1000, timeout=40)
            if last.get("delivered") == n:
                return last
        except (Failure, subprocess.TimeoutExpired) as e:
            last = str(e)
        time.sleep(1)
    raise Failure(f"{what}: never all {n} delivered (last: {last})")


def connect_until(node, d, what, timeout=75):
    """`ssu2ctl connect` until it succeeds, bounded. i2pd 2.45.1 keeps a pending outgoing
    handshake that timed out in its table until its 30 s termination check, and hands it
    every datagram from that address: after i2pd dialled a router that was down, the router
    cannot reach it for up to ~35 s (each of our connects gives up after the spec's 20 s)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            return node.ctl("connect", d.router_info, timeout=40)
        except (Failure, subprocess.TimeoutExpired) as e:
            last = str(e).splitlines()[-1]
            print(f"{what}: {last}", flush=True)
    raise Failure(f"{what}: no session within {timeout} s (last: {last})")


def main(net):
    t_start = time.monotonic()
    hub = Hub(net, 5)
    ssu2 = [NsNode(net, f"ssu2d-{i}", hub.ns(i), hub.ip(i)) for i in (1, 2, 3)]
    for node in ssu2:
        net.nodes.append(node)
        node.init()
    # ssu2d first: i2pd 2.45.1 connects to the routers of its netDb at once and does not
    # resend a Token Request that was lost.
    for node in ssu2:
        node.start()
    i2pds = [I2pd(net, Leg(hub.ns(i), hub.ip(i)), f"i2pd-{i - 3}", I2PD_PORT,
                  router_infos=[n.router_info for n in ssu2]) for i in (4, 5)]
    for d in i2pds:
        d.start()
    check(True, f"2 i2pd and 3 ssu2d up in namespaces {PREFIX}-1..5 ({SUBNET}.0/24)")

    # ---- 1. a relay tag from i2pd, asked in the Session Request ----
    a, i1 = ssu2[0], i2pds[0]
    # The manager learns i2pd's RouterInfo from a connect; the tag is then asked for in a new
    # handshake (i2pd 2.45.1 ignores a data-phase RelayTagRequest). If i2pd opened a session
    # to us in between (its tunnel builds), the request goes into that session unanswered:
    # disconnect and ask again (bounded).
    a.ctl("connect", i1.router_info, timeout=60)
    tag = None
    for attempt in range(3):
        mark = i1.mark()
        a.ctl("disconnect", i1.hash_hex, timeout=30)
        wait_until(lambda: i1.hash_b64 not in a.sessions(), 10, "the session with i2pd 1 to end")
        try:
            tag = a.ctl("relaytag", i1.hash_hex, timeout=40)["relay_tag"]
            break
        except Failure as e:
            print(f"relaytag attempt {attempt}: {e}")
    check(tag, f"ssu2d 1 got relay tag {tag} from i2pd 1")
    wait_until(lambda: "SSU2: RelayTagRequest" in i1.since(mark), 10, "i2pd 1 to log the request")
    check(True, "i2pd 1 logged the Relay Tag Request of our Session Request")
    wait_until(lambda: i1.console_session_details().get(a.hash[:4], {}).get("itag") == tag, 20,
               f"i2pd 1's console to show our session with [itag:{tag}]")
    check(True, f"i2pd 1's console lists ssu2d 1's session with [itag:{tag}]")
    check(f"nat: relay tag {tag} from" in a.log_text(), "ssu2d 1's nat engine holds the tag (log)")
    check(a.ctl("relaytag", i1.hash_hex, timeout=20)["relay_tag"] == tag,
          "asked again, ssu2d 1 answers with the tag it holds")

    # ---- 2. every ssu2d <-> i2pd pair has a session ----
    for node in ssu2:
        for d in i2pds:
            node.ctl("connect", d.router_info, timeout=60)
    for node in ssu2:
        wait_until(lambda: all(d.hash_b64 in node.sessions() for d in i2pds), 30,
                   f"{node.name}: sessions with both i2pd")
    for d in i2pds:
        wait_until(lambda: all(d.lists_session_with(n.hash) for n in ssu2), 30,
                   f"i2pd {d.dir}: its console to list the three ssu2d")
    check(True, "all 6 ssu2d <-> i2pd sessions up, listed by ssu2d and by i2pd's consoles")

    # ---- 3. I2NP both ways ----
    marks = [d.mark() for d in i2pds]
    for node in ssu2:
        for d in i2pds:
            r = node.ctl("send", d.hash_hex, 10, 1000, timeout=60)
            check(r.get("delivered") == 10, f"{node.name} -> {d.dir[-6:]}: 10 Data messages ACKed")
    for d, m in zip(i2pds, marks):
        wait_until(lambda: d.messages_received(DATA, d.since(m)) >= 30, 20, "i2pd to log 30 Data")
        check(d.messages_received(DATA, d.since(m)) == 30, f"{d.dir[-6:]} logged exactly 30 Data (type=20)")
    for d in i2pds:
        got = d.console_session_details()
        low = {n.name: got.get(n.hash[:4], {}).get("received", 0) for n in ssu2}
        check(all(v >= 10 * 1000 for v in low.values()),
              f"{d.dir[-6:]}'s console counts >= 10 kB received from each ssu2d: {low}")
    for node in ssu2:
        wait_until(lambda: all(node.sessions().get(d.hash_b64, {}).get("i2np_in", 0) >= 1 for d in i2pds),
                   60, f"{node.name}: I2NP from both i2pd")
    check(True, "every ssu2d received I2NP from both i2pd (their tunnel builds)")

    # ---- 4. one of each kind killed and restarted; the others recover ----
    i2, c = i2pds[1], ssu2[2]
    i2_hash, c_hash = i2.hash_b64, c.hash
    i2.kill()
    c.stop(signal.SIGKILL)
    check(True, "i2pd 2 and ssu2d 3 killed (SIGKILL)")
    # ssu2d first, so that i2pd's dials at its start find it up (see connect_until).
    c.start()
    check(c.ctl("status")["router_hash"] == c_hash, "ssu2d 3 restarted with its identity")
    i2.start(fresh=False)  # same keys and netDb, new log
    check(i2.hash_b64 == i2_hash, "i2pd 2 restarted with its identity")
    # A new process knows no RouterInfo: it connects as at first (i2pd 1 still holds a
    # session with its old process; i2pd 2 may have dialled it already).
    for d in i2pds:
        connect_until(c, d, f"restarted ssu2d 3 -> {d.dir[-6:]}")
    # Every ssu2d sends to the restarted i2pd: a dead session fails its messages and the
    # next send reconnects on demand (or i2pd has connected to us already).
    for node in ssu2:
        r = send_until_delivered(node, i2, 5, f"{node.name} -> restarted i2pd 2")
        check(True, f"{node.name} -> restarted i2pd 2: 5 messages ACKed ({r.get('delivered')})")
    wait_until(lambda: i2.messages_received(DATA) >= 15, 20, "restarted i2pd 2 to log 15 Data")
    check(i2.messages_received(DATA) == 15, "restarted i2pd 2 logged exactly the 15 Data messages")
    # The restarted ssu2d reaches i2pd 1, which still held a session with its old process.
    m = i1.mark()
    r = send_until_delivered(c, i1, 5, "restarted ssu2d 3 -> i2pd 1")
    wait_until(lambda: i1.messages_received(DATA, i1.since(m)) >= 5, 20, "i2pd 1 to log 5 Data")
    check(i1.messages_received(DATA, i1.since(m)) == 5, "i2pd 1 logged the restarted ssu2d 3's 5 Data")
    for d in i2pds:
        wait_until(lambda: all(d.lists_session_with(n.hash) for n in ssu2), 30,
                   f"{d.dir[-6:]}: its console to list the three ssu2d again")
    check(True, "both i2pd consoles list sessions with all three ssu2d again")
    for node in ssu2:
        wait_until(lambda: all(d.hash_b64 in node.sessions() for d in i2pds), 30,
                   f"{node.name}: sessions with both i2pd again")
    wait_until(lambda: all(n.sessions().get(i2.hash_b64, {}).get("i2np_in", 0) >= 1 for n in ssu2),
               60, "I2NP from the restarted i2pd 2 to every ssu2d")
    wait_until(lambda: all(c.sessions().get(d.hash_b64, {}).get("i2np_in", 0) >= 1 for d in i2pds),
               60, "I2NP from both i2pd to the restarted ssu2d 3")
    check(True, "I2NP flows again from the i2pd side over the new sessions")
    print(f"mixed network run time: {time.monotonic() - t_start:.0f} s", flush=True)


if __name__ == "__main__":
    run(main)
