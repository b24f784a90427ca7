#!/usr/bin/env python3
"""ssu2d against Debian's i2pd 2.45.1 (label "interop").

i2pd runs in a network namespace of the test's own (scripts/i2pd-netns.sh explains why: i2pd
2.45.1 refuses SSU2 on loopback); ssu2d binds the host side of the veth pair. Three checks:
 1. ssu2d -> i2pd: ssu2d completes the handshake using i2pd's router.info, i2pd's log shows it
    processed our SessionConfirmed and then our data packets, and ssu2d receives I2NP from i2pd.
 2. i2pd -> ssu2d: with ssu2d's RouterInfo in i2pd's netDb before it starts, i2pd opens an SSU2
    session to ssu2d by itself and ssu2d receives I2NP messages over it.
 3. (with --soak S) the session of check 1 stays up for S seconds with traffic and then idle,
    without i2pd terminating it."""
import base64
import hashlib
import os
import re
import socket
import subprocess
import sys
import time

from netlib import Failure, check, run, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
NETNS = os.path.join(HERE, "..", "..", "scripts", "i2pd-netns.sh")
SOAK = int(sys.argv[sys.argv.index("--soak") + 1]) if "--soak" in sys.argv else 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def router_hash_b64(path):
    """SHA-256 of the RouterIdentity at the start of a RouterInfo file, in I2P base64 (as
    ssu2ctl lists session peers). The identity is 384 key bytes and a certificate."""
    data = open(path, "rb").read()
    cert_len = int.from_bytes(data[385:387], "big")
    return base64.b64encode(hashlib.sha256(data[:387 + cert_len]).digest(), altchars=b"-~").decode()


def i2pd_log(datadir):
    try:
        with open(os.path.join(datadir, "log"), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def start_i2pd(n, datadir, port, router_infos=()):
    out = subprocess.run(["bash", NETNS, "start", str(n), datadir, str(port), *router_infos],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise Failure(f"i2pd did not start: {out.stderr.strip()}")
    return int(out.stdout.strip().splitlines()[-1])


def stop_pid(pid):
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


def session_with(node, peer_hash):
    got = node.ctl_ok("sessions")
    if not got:
        return None
    for s in got["sessions"] if isinstance(got, dict) else got:
        if s["peer"] == peer_hash and s.get("state") == "established":
            return s
    return None


def main(net):
    n = 100 + os.getpid() % 100
    subprocess.run(["bash", NETNS, "up", str(n)], check=True, timeout=30)
    net.cleanups.append(lambda: subprocess.run(["bash", NETNS, "down", str(n)], timeout=30))
    host, i2pd_port = f"198.18.{n}.1", 23456

    node = net.node("ssu2d", host, 12345, free_port())
    node.config["control"]["host"] = "127.0.0.1"
    node.control = f"127.0.0.1:{node.config['control']['port']}"
    node.init()
    node.start()

    # ---- 1. ssu2d -> i2pd ----
    d1 = os.path.join(net.base, "i2pd1")
    pid1 = start_i2pd(n, d1, i2pd_port)
    net.cleanups.append(lambda: stop_pid(pid1))
    i2pd_hash = router_hash_b64(os.path.join(d1, "router.info"))
    r = node.ctl("connect", os.path.join(d1, "router.info"), timeout=60)
    print(f"connect -> {r}")
    s = wait_until(lambda: session_with(node, i2pd_hash), 30, "session with i2pd")
    check(True, f"ssu2d completed the SSU2 handshake with i2pd ({s.get('remote')})")
    wait_until(lambda: "RouterInfo in SessionConfirmed" in i2pd_log(d1), 20,
               "i2pd to log our SessionConfirmed")
    check(True, "i2pd's log shows it processed our SessionConfirmed")
    wait_until(lambda: (session_with(node, i2pd_hash) or {}).get("i2np_in", 0) >= 1, 30,
               "an I2NP message from i2pd")
    check(True, "ssu2d received I2NP from i2pd over the session")
    r = node.ctl("send", i2pd_hash, 10, 1500, timeout=60)
    check(r.get("delivered") == 10, f"10 messages to i2pd ACKed by i2pd ({r})")
    check(re.search(r"SSU2: (Ack|I2NP message|First fragment)", i2pd_log(d1)) is not None,
          "i2pd's log shows our data-phase blocks")
    # i2pd's own count: it logs every I2NP message its router handles itself, our Data
    # messages (type 20) included; an ACK-only packet would not produce these lines.
    data_in = lambda: len(re.findall(r"I2NP: Msg received len=\d+, type=20, msgID=", i2pd_log(d1)))
    wait_until(lambda: data_in() >= 10, 20, "i2pd to log our 10 Data messages")
    check(data_in() == 10, f"i2pd logged exactly our 10 Data messages ({data_in()})")

    if SOAK:
        t_end = time.monotonic() + SOAK
        while time.monotonic() < t_end - SOAK / 2:
            node.ctl("send", i2pd_hash, 5, 1000, timeout=60)
            time.sleep(5)
        while time.monotonic() < t_end:
            time.sleep(5)
            check(session_with(node, i2pd_hash) is not None, "session still up while idle")
        before = data_in()
        r = node.ctl("send", i2pd_hash, 5, 1000, timeout=60)
        check(r.get("delivered") == 5, f"session alive after {SOAK} s (traffic, then idle)")
        wait_until(lambda: data_in() >= before + 5, 20, "i2pd to log the last 5 Data messages")
        check(True, "i2pd received the last 5 messages over the same session")
        check("Termination reason" not in i2pd_log(d1), "i2pd never terminated the session")
        # i2pd logs this when it ends any session itself (idle, resend limit, ...).
        check("SSU2: Session terminated" not in i2pd_log(d1), "i2pd ended no session")

    stop_pid(pid1)

    # ---- 2. i2pd -> ssu2d ----
    d2 = os.path.join(net.base, "i2pd2")
    pid2 = start_i2pd(n, d2, i2pd_port + 1, [node.router_info])
    net.cleanups.append(lambda: stop_pid(pid2))
    i2pd2_hash = router_hash_b64(os.path.join(d2, "router.info"))
    s = wait_until(lambda: session_with(node, i2pd2_hash), 90, "i2pd to connect to ssu2d")
    check(True, "i2pd opened an SSU2 session to ssu2d by itself")
    wait_until(lambda: (session_with(node, i2pd2_hash) or {}).get("i2np_in", 0) >= 1, 30,
               "an I2NP message from i2pd over its session")
    check(True, "ssu2d received I2NP from i2pd over the inbound session")


if __name__ == "__main__":
    run(main)
