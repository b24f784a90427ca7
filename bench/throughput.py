#!/usr/bin/env python3
"""Session throughput vs raw UDP, in one run on loopback.

Starts one sending ssu2d node A and N receiving nodes B1..BN (127.0.0.1, distinct ports),
connects A to each, and per round pushes COUNT I2NP Data messages of SIZE bytes through every
session at once with delivery feedback (one `ssu2ctl send` process per session, started
together). In the same round it blasts raw UDP datagrams of the session's full packet size
with bench/udp_blast twice: batched (sendmmsg/recvmmsg, 32 per call) and plain (one sendto /
recv per datagram).

Per round it prints:
  session MB/s      I2NP bytes of all sessions / time (N = 1: the node's own elapsed time;
                    N > 1: from the earliest session start to the latest end, each start
                    being its process's exit time minus the node-reported elapsed time)
  raw MB/s          batched and plain udp_blast goodput, at least 200,000 datagrams (and
                    their CPU ms per MB and datagrams lost)
  ratio             session / batched raw
  CPU ms/MB         utime + stime of the ssu2d process (/proc/PID/stat) during the session
                    part of the round, per MB of I2NP moved: the sender A, and the sum of
                    the receivers
  pkts/ACK pkt      packets A sent on its sessions / packets the Bs sent back, during the
                    round (ssu2ctl session HASH packets_out on both ends; the Bs send nothing
                    but ACK-bearing packets here)
then the medians as a table, and one JSON line at the end.

    python3 bench/throughput.py BUILD_DIR [--count 2000] [--size 8192] [--rounds 3]
                                          [--sessions 1] [--batch 32]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from netlib import Net, wait_until  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    """utime + stime of a process (all its threads) in ms, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) * 1000.0 / CLK_TCK


def packets_out(node, peer_hash):
    return node.ctl("session", peer_hash)["packets_out"]


def udp_blast(build, packet, count, batch):
    out = subprocess.run([os.path.join(build, "udp_blast"), "--size", str(packet),
                          "--count", str(count), "--batch", str(batch)],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"udp_blast failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def parallel_sends(net, a, hashes, count, size, timeout):
    """One `ssu2ctl send` per peer, all started together. Returns [(reply, exit_time)]."""
    results = [None] * len(hashes)

    def one(i, h):
        cmd = [net.ssu2ctl, "--node", a.control, "--json", "--timeout", str(timeout - 5),
               "send", h, str(count), str(size)]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            results[i] = (out, time.monotonic())
        except subprocess.TimeoutExpired as e:  # subprocess.run killed it
            results[i] = (e, time.monotonic())

    threads = [threading.Thread(target=one, args=(i, h)) for i, h in enumerate(hashes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 10)
    replies = []
    for h, r in zip(hashes, results):
        if r is None or isinstance(r[0], subprocess.TimeoutExpired):
            raise RuntimeError(f"ssu2ctl send {h[:12]}..: timed out")
        out, t_end = r
        if out.returncode != 0 and not out.stdout.strip():
            raise RuntimeError(f"ssu2ctl send {h[:12]}..: {out.stderr.strip()}")
        replies.append((json.loads(out.stdout), t_end))
    return replies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--size", type=int, default=8192)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=1, help="receiving nodes, all sent to at once")
    ap.add_argument("--packet", type=int, default=1472, help="UDP payload size of a full SSU2 packet")
    ap.add_argument("--batch", type=int, default=32, help="datagrams per sendmmsg/recvmmsg call")
    args = ap.parse_args()
    if not 1 <= args.sessions <= 16:
        ap.error("--sessions must be 1..16")
    build = os.path.abspath(args.build_dir)
    os.environ.setdefault("SSU2D_TEST_LOG", "warn")
    net = Net(build)
    failed = True
    try:
        a = net.node("bench-a", "127.0.0.1", 23001, 23011)
        bs = [net.node(f"bench-b{i + 1}", "127.0.0.1", 23002 + 20 * i, 23012 + 20 * i)
              for i in range(args.sessions)]
        for n in [a] + bs:
            n.init()
            n.start()
        ha = a.ctl("status")["router_hash"]
        hbs = [b.ctl("status")["router_hash"] for b in bs]
        for b, hb in zip(bs, hbs):
            a.ctl("connect", b.router_info, timeout=60)
            wait_until(lambda: hb in (a.session_peers() or set()), 30, f"session A -> {b.name}")
            wait_until(lambda: ha in (b.session_peers() or set()), 30, f"session {b.name} -> A")
        for hb in hbs:  # warm-up: window growth, RTT estimate
            a.ctl("send", hb, 200, args.size, timeout=120)

        mb = args.sessions * args.count * args.size / 1e6
        raw_count = max(200000, args.count * args.size // args.packet)  # >= ~0.3 s of blasting
        rows = []
        for rnd in range(args.rounds):
            pa0 = sum(packets_out(a, hb) for hb in hbs)
            pb0 = sum(packets_out(b, ha) for b in bs)
            ca0, cb0 = cpu_ms(a.proc.pid), sum(cpu_ms(b.proc.pid) for b in bs)
            replies = parallel_sends(net, a, hbs, args.count, args.size, timeout=600)
            ca1, cb1 = cpu_ms(a.proc.pid), sum(cpu_ms(b.proc.pid) for b in bs)
            pa1 = sum(packets_out(a, hb) for hb in hbs)
            pb1 = sum(packets_out(b, ha) for b in bs)
            for (r, _), hb in zip(replies, hbs):
                if r.get("delivered") != args.count:
                    raise RuntimeError(f"not every message was delivered to {hb[:12]}..: {r}")
            if args.sessions == 1:
                secs = replies[0][0]["elapsed_ms"] / 1000
            else:
                starts = [t - r["elapsed_ms"] / 1000 for r, t in replies]
                secs = max(t for _, t in replies) - min(starts)
            batched = udp_blast(build, args.packet, raw_count, args.batch)
            plain = udp_blast(build, args.packet, raw_count, 1)
            s = mb / secs
            rows.append({
                "session_mb_per_s": s,
                "raw_batched_mb_per_s": batched["mb_per_s"],
                "raw_plain_mb_per_s": plain["mb_per_s"],
                "ratio_batched": s / batched["mb_per_s"] if batched["mb_per_s"] else 0,
                "sender_cpu_ms_per_mb": (ca1 - ca0) / mb,
                "receiver_cpu_ms_per_mb": (cb1 - cb0) / mb,
                "raw_batched_cpu_ms_per_mb": batched["cpu_ms_per_mb"],
                "raw_plain_cpu_ms_per_mb": plain["cpu_ms_per_mb"],
                "packets_per_ack_packet": (pa1 - pa0) / (pb1 - pb0) if pb1 > pb0 else 0,
                "raw_batched_lost": batched["sent"] - batched["received"],
                "raw_plain_lost": plain["sent"] - plain["received"],
                "data_packets": pa1 - pa0,
                "ack_packets": pb1 - pb0,
                "latency_p50_us": statistics.median(r["latency_p50_us"] for r, _ in replies),
            })
            print(f"round {rnd + 1}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                                 for k, v in rows[-1].items()), flush=True)

        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        cols = [("round", 8), ("session MB/s", 13), ("batched MB/s", 13), ("plain MB/s", 11),
                ("ratio/batched", 14), ("send ms/MB", 11), ("recv ms/MB", 11),
                ("raw b ms/MB", 12), ("raw p ms/MB", 12), ("pkts/ACK pkt", 12)]
        keys = ["session_mb_per_s", "raw_batched_mb_per_s", "raw_plain_mb_per_s", "ratio_batched",
                "sender_cpu_ms_per_mb", "receiver_cpu_ms_per_mb", "raw_batched_cpu_ms_per_mb",
                "raw_plain_cpu_ms_per_mb", "packets_per_ack_packet"]
        print(f"\nI2NP size {args.size} B, {args.count} messages x {args.sessions} session(s), "
              f"raw packet {args.packet} B, batch {args.batch}")
        print("".join(name.ljust(w) for name, w in cols))
        for label, r in [(str(i + 1), r) for i, r in enumerate(rows)] + [("median", med)]:
            cells = [label.ljust(cols[0][1])]
            for (name, w), k in zip(cols[1:], keys):
                v = r[k]
                cells.append((f"{v:.3f}" if k == "ratio_batched" else f"{v:.1f}" if "mb_per_s" in k
                              else f"{v:.2f}").ljust(w))
            print("".join(cells))

        s, u = med["session_mb_per_s"], med["raw_plain_mb_per_s"]
        # raw_udp_mb_per_s and ratio keep their earlier meaning (plain sendto baseline).
        print(json.dumps({"i2np_size": args.size, "count": args.count, "rounds": args.rounds,
                          "sessions": args.sessions,
                          "session_mb_per_s": round(s, 1), "raw_udp_mb_per_s": round(u, 1),
                          "ratio": round(s / u, 3) if u else 0,
                          "raw_batched_mb_per_s": round(med["raw_batched_mb_per_s"], 1),
                          "ratio_batched": round(med["ratio_batched"], 3),
                          "sender_cpu_ms_per_mb": round(med["sender_cpu_ms_per_mb"], 2),
                          "receiver_cpu_ms_per_mb": round(med["receiver_cpu_ms_per_mb"], 2),
                          "packets_per_ack_packet": round(med["packets_per_ack_packet"], 2),
                          "session_rounds": [round(r["session_mb_per_s"], 1) for r in rows],
                          "raw_rounds": [round(r["raw_plain_mb_per_s"], 1) for r in rows],
                          "raw_batched_rounds": [round(r["raw_batched_mb_per_s"], 1) for r in rows],
                          "rounds_detail": [{k: round(v, 3) if isinstance(v, float) else v
                                             for k, v in r.items()} for r in rows]}))
        failed = False
    finally:
        net.close(failed)


if __name__ == "__main__":
    main()
