#!/usr/bin/env python3
"""Starts one ssu2d node on loopback with the session limits raised and runs
BUILD_DIR/handshakes (bench/handshakes.cpp) against it; the node is stopped at the end.

    python3 bench/handshakes.py BUILD_DIR [--sessions 5000] [--in-flight 100] [--per-socket 4]
        [--idle-seconds 60] [--baseline-seconds 10] [--sample 100] [--max-sessions 20000]
        [--log warn] [--ssu2d OTHER_BINARY] [-- EXTRA handshakes ARGS]

Ports are asked from the kernel. Prints the bench's output (its last line is JSON) and the
node's own session count (ssu2ctl status) after the idle phase. Not run by CTest.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--sessions", type=int, default=5000)
    ap.add_argument("--in-flight", type=int, default=100)
    ap.add_argument("--per-socket", type=int, default=4)
    ap.add_argument("--idle-seconds", type=float, default=60)
    ap.add_argument("--baseline-seconds", type=float, default=10)
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--max-sessions", type=int, default=20000)
    ap.add_argument("--log", default="warn")
    ap.add_argument("--ssu2d", help="node binary (default BUILD_DIR/ssu2d), e.g. a baseline build")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if not 1 <= args.sessions <= 100000 or not args.max_sessions >= args.sessions:
        ap.error("--sessions 1..100000 and --max-sessions >= --sessions")
    build = os.path.abspath(args.build_dir)
    ssu2d, ssu2ctl, bench = (os.path.join(build, n) for n in ("ssu2d", "ssu2ctl", "handshakes"))
    if args.ssu2d:
        ssu2d = os.path.abspath(args.ssu2d)
    for p in (ssu2d, ssu2ctl, bench):
        if not os.access(p, os.X_OK):
            sys.exit(f"handshakes.py: {p} is missing (build the ssu2d ssu2ctl handshakes targets)")
    base = tempfile.mkdtemp(prefix="ssu2d-hs-")
    udp, ctl_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    control = f"127.0.0.1:{ctl_port}"
    cfg = {
        "data_dir": base,
        "ssu2": {"host": "127.0.0.1", "port": udp},
        "control": {"host": "127.0.0.1", "port": ctl_port},
        "log": {"level": args.log},
        "limits": {"max_sessions": args.max_sessions,
                   "max_pending_handshakes": max(128, 2 * args.in_flight)},
    }
    cfg_path = os.path.join(base, "config.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    node = None
    rc = 1
    try:
        out = subprocess.run([ssu2d, "--config", cfg_path, "--init"], capture_output=True,
                             text=True, timeout=30)
        if out.returncode:
            sys.exit(f"handshakes.py: ssu2d --init failed: {out.stderr.strip()}")
        log = open(os.path.join(base, "log"), "w")
        node = subprocess.Popen([ssu2d, "--config", cfg_path], stdout=log, stderr=subprocess.STDOUT)
        ctl = [ssu2ctl, "--node", control, "--json"]
        for _ in range(100):
            if subprocess.run(ctl + ["status"], capture_output=True, timeout=10).returncode == 0:
                break
            time.sleep(0.2)
        else:
            sys.exit("handshakes.py: the node's control endpoint did not answer")
        time.sleep(2)  # start-up work over before the baseline
        cmd = [bench, "--router-info", os.path.join(base, "router.info"), "--pid", str(node.pid),
               "--sessions", str(args.sessions), "--in-flight", str(args.in_flight),
               "--per-socket", str(args.per_socket), "--idle-seconds", str(args.idle_seconds),
               "--baseline-seconds", str(args.baseline_seconds), "--sample", str(args.sample),
               "--ctl", f"{ssu2ctl} --node {control}", "--no-close", *extra]
        print("+", " ".join(cmd), flush=True)
        print(f"node pid {node.pid}, config {json.dumps(cfg['limits'])}", flush=True)
        bench_proc = subprocess.Popen(cmd)
        rc = bench_proc.wait()
        st = subprocess.run(ctl + ["status"], capture_output=True, text=True, timeout=30)
        if st.returncode == 0:
            s = json.loads(st.stdout)
            print(f"node status after the run: {s.get('sessions')} sessions, "
                  f"{s.get('pending_handshakes')} pending handshakes")
        m = subprocess.run(ctl + ["metrics"], capture_output=True, text=True, timeout=30)
        if m.returncode == 0:
            text = json.loads(m.stdout).get("metrics", "")
            for line in text.splitlines():
                if ("drop" in line or "fail" in line or "refus" in line) and not line.startswith("#") \
                        and not line.rstrip().endswith(" 0"):
                    print(f"node metric: {line}")
        if node.poll() is not None:
            print(f"handshakes.py: the node exited with {node.returncode}")
            rc = 1
    finally:
        if node and node.poll() is None:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(30)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()
        if rc == 0:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"handshakes.py: node files kept in {base}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
