#!/usr/bin/env python3
"""Flood tests (label "stress", loopback only, bounded): a victim node on 127.0.9.1 is flooded by
tests/tools/ssu2flood in three phases - garbage at full rate, valid Token Requests from 20,000
source addresses (127.77.x.y), Session Requests with valid tokens from 16 /24s that never
finish (filling the pending-handshake slots), and 40 established peers sending first fragments
of messages that never complete (against a 16 MB node-wide reassembly budget). During each phase the test asserts:
  - `ssu2ctl status` on the victim answers within 1 s (every sample),
  - the victim's RSS stays under a stated bound,
  - an established session (peer node) delivers every message sent through it,
  - a new honest router (another /24) completes a handshake at least 9 times out of 10
    (connect, then disconnect, ten times).
Figures are printed as one JSON line per phase (docs/BENCHMARKS.md quotes them)."""
import json
import os
import subprocess
import threading
import time

from netlib import Failure, check, run, wait_until

SECONDS = int(os.environ.get("SSU2_FLOOD_SECONDS", "25"))
RSS_BOUND_MB = 120
PHASES = [
    ("garbage", []),
    ("token-requests", ["--sources", "20000"]),
    ("session-requests", ["--slots", "400"]),
    ("fragments", ["--slots", "40", "--rate", "4000"]),
]
BUDGET_MB = 16


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def metric(net, node, name):
    text = subprocess.run([net.ssu2ctl, "--node", node.control, "metrics"], capture_output=True,
                          text=True, timeout=30).stdout
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def timed_status(node):
    t0 = time.monotonic()
    node.ctl("status", timeout=10)
    return time.monotonic() - t0


def main(net):
    victim = net.node("victim", "127.0.9.1", 13345, 13346,
                      extra={"log": {"level": "info"},
                             "limits": {"reassembly_memory_mb": BUDGET_MB}})
    peer = net.node("peer", "127.0.9.2", 13345, 13346, extra={"log": {"level": "info"}})
    honest = net.node("honest", "127.0.10.3", 13345, 13346, extra={"log": {"level": "info"}})
    for n in (victim, peer, honest):
        n.init()
        n.start()
    victim_hash = victim.ctl("status")["router_hash"]
    peer.ctl("connect", victim.router_info, timeout=30)
    flood_bin = os.path.join(os.path.dirname(net.ssu2d), "ssu2flood")
    pid = victim.proc.pid
    rss_start = rss_mb(pid)
    print(f"victim RSS at start: {rss_start:.1f} MB", flush=True)

    for mode, args in PHASES:
        rss_before = rss_mb(pid)
        flood = subprocess.Popen([flood_bin, mode, "--router-info", victim.router_info,
                                  "--seconds", str(SECONDS), *args],
                                 stdout=subprocess.PIPE, text=True)
        net.cleanups.append(lambda f=flood: f.poll() is None and f.kill())
        peak = {"rss": rss_before}
        stop = threading.Event()

        def sample():  # RSS every 0.2 s for the whole phase
            while not stop.wait(0.2):
                try:
                    peak["rss"] = max(peak["rss"], rss_mb(pid))
                except OSError:
                    return
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            time.sleep(2)
            status_times, rss_peak, honest_ok, honest_times = [], rss_before, 0, []
            delivered, reassembly_peak = 0, 0.0
            for i in range(10):
                status_times.append(timed_status(victim))
                rss_peak = max(rss_peak, rss_mb(pid))
                reassembly_peak = max(reassembly_peak, metric(net, victim, "ssu2_reassembly_bytes") or 0)
                t0 = time.monotonic()
                if honest.ctl_ok("connect", victim.router_info) is not None:
                    honest_ok += 1
                    honest_times.append(time.monotonic() - t0)
                    honest.ctl_ok("disconnect", victim_hash)
                r = peer.ctl("send", victim_hash, 10, 2000, timeout=60)
                delivered += r.get("delivered", 0)
                if flood.poll() is not None:
                    break
            status_times.append(timed_status(victim))
        finally:
            out, _ = flood.communicate(timeout=SECONDS + 30)
            stop.set()
            sampler.join()
        rss_after = rss_mb(pid)
        rss_peak = max(rss_peak, peak["rss"], rss_after)
        sent = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        figures = {"phase": mode, "flood": sent, "rss_before_mb": round(rss_before, 1),
                   "rss_peak_mb": round(rss_peak, 1), "rss_after_mb": round(rss_after, 1),
                   "status_max_s": round(max(status_times), 3), "honest_ok": honest_ok,
                   "honest_tries": 10, "honest_max_s": round(max(honest_times or [0]), 3),
                   "peer_delivered": delivered,
                   "reassembly_peak_mb": round(reassembly_peak / 2**20, 1)}
        print(json.dumps(figures), flush=True)
        tries = len(status_times) - 1
        check(victim.proc.poll() is None, f"{mode}: the victim is alive")
        check(max(status_times) < 1.0, f"{mode}: status answered within 1 s every time "
              f"(max {max(status_times):.3f} s)")
        check(rss_peak < RSS_BOUND_MB, f"{mode}: RSS peak {rss_peak:.1f} MB < {RSS_BOUND_MB} MB")
        check(delivered == 10 * tries, f"{mode}: the established session delivered "
              f"{delivered} of {10 * tries}")
        check(honest_ok >= 9 * tries // 10, f"{mode}: an honest router connected {honest_ok} "
              f"of {tries} times")
        check(sent.get("sent", sent.get("slots", sent.get("first_fragments_sent", 0))) > 0,
              f"{mode}: the flood ran ({sent})")
        # Each concurrent session may overshoot by one packet's fragments (budget.hpp).
        check(reassembly_peak <= BUDGET_MB * 2**20 + 64 * 1500,
              f"{mode}: reassembly memory {reassembly_peak / 2**20:.1f} MB within the "
              f"{BUDGET_MB} MB node budget")

    text = subprocess.run([net.ssu2ctl, "--node", victim.control, "metrics"], capture_output=True,
                          text=True, timeout=30).stdout
    wanted = ("ssu2_listener", "ssu2_reassembly", "ssu2_retry_tokens", "ssu2_new_tokens", "ssu2_admission",
              "ssu2_replay", "ssu2_datagrams_dropped", "ssu2_pending_handshakes")
    for line in text.splitlines():
        if line.startswith(wanted):
            print("victim metric:", line, flush=True)


if __name__ == "__main__":
    run(main)
