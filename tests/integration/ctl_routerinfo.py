#!/usr/bin/env python3
"""`ssu2ctl routerinfo FILE` on the i2pd 2.45.1 fixture and on a RouterInfo ssu2d made itself:
both print JSON with signature_valid true; a copy with one flipped byte inside the signed part
prints signature_valid false (or is refused with a non-zero exit), never a crash."""
import json
import os
import shutil
import subprocess

from netlib import Failure, check, run

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                       "i2pd-2.45.1-router.info")


def routerinfo(net, path):
    out = subprocess.run([net.ssu2ctl, "--json", "routerinfo", path], capture_output=True,
                         text=True, timeout=30)
    if out.returncode < 0:
        raise Failure(f"ssu2ctl crashed on {path} (signal {-out.returncode})")
    return out.returncode, (json.loads(out.stdout) if out.returncode == 0 else None)


def main(net):
    rc, ri = routerinfo(net, FIXTURE)
    check(rc == 0 and ri["signature_valid"] is True, "i2pd's router.info verifies")
    addrs = ri["addresses"]
    check(any(a.get("transport") == "SSU2" or a.get("style") == "SSU2" for a in addrs),
          f"i2pd's RouterInfo lists an SSU2 address ({[a.get('transport', a.get('style')) for a in addrs]})")

    node = net.node("own", "127.0.0.1", 12399, 12398)
    node.init()
    rc, own = routerinfo(net, node.router_info)
    check(rc == 0 and own["signature_valid"] is True, "ssu2d's own router.info verifies")

    for name, src in (("i2pd", FIXTURE), ("own", node.router_info)):
        flipped = os.path.join(net.base, f"{name}-flipped.info")
        shutil.copy(src, flipped)
        with open(flipped, "r+b") as f:
            f.seek(400)  # inside the signed body (past the 387-byte identity + cert)
            b = f.read(1)
            f.seek(400)
            f.write(bytes([b[0] ^ 0x01]))
        rc, ri = routerinfo(net, flipped)
        check(rc != 0 or ri["signature_valid"] is False,
              f"{name}: one flipped byte makes verification fail")


if __name__ == "__main__":
    run(main)
