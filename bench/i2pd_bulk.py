#!/usr/bin/env python3
"""Bulk transfer ssu2d -> i2pd 2.45.1 on a clean veth (MTU 1280 both sides): retransmissions.

One namespace (tests/integration/i2pdlib.py, 198.19.N.0/24), one fresh i2pd (debug log) and
one ssu2d; per round `ssu2ctl send HASH COUNT SIZE` (20 MiB of 8 KiB messages by default)
through the one session. Per round it prints the delivered count, elapsed time, our
retransmissions (`ssu2ctl session HASH`), the datagrams the kernel dropped at i2pd's socket
(RcvbufErrors in the namespace's /proc/net/snmp) and the CPU seconds i2pd and ssu2d used.

    python3 bench/i2pd_bulk.py BUILD_DIR [--rounds 3] [--count 2560] [--size 8192]
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from i2pdlib import I2pd, Netns  # noqa: E402
from netlib import Net  # noqa: E402
import interop_i2pd_robust as T  # noqa: E402


def rcvbuf_errors(ns):
    lines = [l.split() for l in ns.exec("cat", "/proc/net/snmp").stdout.splitlines() if l.startswith("Udp:")]
    return int(lines[1][lines[0].index("RcvbufErrors")])


def cpu_s(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--count", type=int, default=2560)
    ap.add_argument("--size", type=int, default=8192)
    a = ap.parse_args()
    net = Net(a.build)
    failed = True
    try:
        ns = Netns(net, 200 + os.getpid() % 50)
        i2pd = I2pd(net, ns, "i2pd", 23490).start()
        node = T.make_node(net, "ssu2d", ns)
        T.connect(node, i2pd)
        time.sleep(2)
        mib = a.count * a.size / 2**20
        for i in range(a.rounds):
            s0, e0 = T.session_detail(node, i2pd.hash_hex), rcvbuf_errors(ns)
            c0 = (cpu_s(i2pd.proc.pid), cpu_s(node.proc.pid))
            r = node.ctl("send", i2pd.hash_hex, a.count, a.size, timeout=600)
            s1, e1 = T.session_detail(node, i2pd.hash_hex), rcvbuf_errors(ns)
            c1 = (cpu_s(i2pd.proc.pid), cpu_s(node.proc.pid))
            resends = s1["retransmissions"] - s0["retransmissions"]
            print(f"round {i}: delivered {r['delivered']}/{a.count} in {r['elapsed_ms']} ms, "
                  f"{resends} retransmissions ({resends / mib:.2f}/MiB), i2pd RcvbufErrors {e1 - e0}, "
                  f"cpu i2pd {c1[0] - c0[0]:.2f} s ssu2d {c1[1] - c0[1]:.2f} s, "
                  f"window {s1['window']} rtt {s1['rtt_ms']} ms", flush=True)
        failed = False
    finally:
        net.close(failed)


if __name__ == "__main__":
    main()
