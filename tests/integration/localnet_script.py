#!/usr/bin/env python3
"""scripts/localnet.sh as an operator uses it (label "integration"): a 2-node network on a
prefix and port of our choice, nodes connected to each other; usage (exit 2) on missing
arguments instead of a shell error; `start` fails (exit 1, naming the node and its log) when a
node cannot come up, and leaves no node running."""
import os
import socket
import subprocess
import tempfile

from netlib import check, run, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "localnet.sh")


def free_udp_port(host):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main(net):
    env = dict(os.environ, BUILD_DIR=os.path.dirname(net.ssu2d), LOCALNET_PREFIX="127.0.46")
    env["LOCALNET_PORT"] = str(free_udp_port("127.0.46.1"))
    base = tempfile.mkdtemp(prefix="ssu2d-ln-", dir=net.base)

    def ln(*args, **kw):
        return subprocess.run(["bash", SCRIPT, *args], env=kw.get("env", env), capture_output=True,
                              text=True, timeout=120)

    net.cleanups.append(lambda: ln("stop", base))
    r = ln("start", "2", base)
    check(r.returncode == 0 and "started 2 nodes" in r.stdout, f"start 2 nodes ({r.stderr.strip()})")
    wait_until(lambda: '"sessions":1' in ln("ctl", base, "1", "--json", "status").stdout.replace(" ", ""),
               30, "node 1 connected to node 2")
    check(True, "the nodes found each other on the chosen prefix and port")
    check(f"127.0.46.1:{int(env['LOCALNET_PORT']) + 1}" in ln("status", base).stdout,
          "status lists the control endpoints")
    check(ln("stop", base).returncode == 0, "stop")
    for args in (["stop"], ["start", "2"], ["ctl", base], []):
        r = ln(*args)
        check(r.returncode == 2 and "usage:" in r.stderr, f"`{' '.join(args)}`: usage, exit 2")
    # A node whose port is taken does not come up: start fails and names it.
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("127.0.46.1", int(env["LOCALNET_PORT"])))
    try:
        base2 = tempfile.mkdtemp(prefix="ssu2d-ln-", dir=net.base)
        net.cleanups.append(lambda: ln("stop", base2))
        r = ln("start", "2", base2)
        check(r.returncode == 1 and "node1 did not come up" in r.stderr,
              f"start fails for a node that cannot bind (exit {r.returncode})")
        check(not any(f == "pid" for _, _, fs in os.walk(base2) for f in fs),
              "no node of the failed start is left running")
    finally:
        blocker.close()


if __name__ == "__main__":
    run(main)
