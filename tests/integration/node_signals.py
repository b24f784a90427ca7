#!/usr/bin/env python3
"""Signals and data_dir safety on two real nodes (loopback, kernel-chosen ports).

SIGHUP on node A, whose config now says log.level debug and lists node C as a peer, after its log file was moved away
(as logrotate does): A keeps running, reopens log.file under its name, logs at debug from then
on, connects to C, keeps its session with B (same session: its age keeps growing, B never sees it close) and
both directions still deliver. A config with a duplicate key on the next SIGHUP is refused
with the key's name and the node goes on. A second ssu2d (and --init) on A's data_dir exit
with an error naming A's pid. Under a NOTIFY_SOCKET, A reports READY=1 once up, RELOADING=1 /
READY=1 around each reload and STOPPING=1 at SIGTERM, which still stops it cleanly (exit 0)."""
import json
import os
import signal
import socket
import subprocess
import time

from netlib import Failure, check, node_ports, run, wait_until


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


class Notify:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.got = []

    def poll(self):
        try:
            while True:
                self.got.append(self.sock.recv(4096).decode())
        except (socket.timeout, BlockingIOError):
            pass
        return self.got

    def wait_for(self, word, after, what):
        wait_until(lambda: any(word in m for m in self.poll()[after:]), 20, what)

    def close(self):
        self.sock.close()
        os.unlink(self.path)


def main(net):
    host = "127.0.0.1"
    a = net.node("a", host, *node_ports(host))
    b = net.node("b", host, *node_ports(host))
    c = net.node("c", host, *node_ports(host))
    log_file = os.path.join(a.dir, "node.log")
    a.config["log"] = {"level": "info", "file": log_file}
    a.init()
    b.init()
    c.init()
    b.config["peers"]["router_infos"] = [a.router_info]

    notify = Notify(os.path.join(net.base, "notify.sock"))
    net.cleanups.append(notify.close)
    os.environ["NOTIFY_SOCKET"] = notify.path
    try:
        a.start()
    finally:
        del os.environ["NOTIFY_SOCKET"]
    notify.wait_for("READY=1", 0, "READY=1 from node A")
    check(True, "node A sent READY=1 to NOTIFY_SOCKET once its control port answered")
    b.start()
    c.start()
    ha, hb = a.ctl("status")["router_hash"], b.ctl("status")["router_hash"]
    hc = c.ctl("status")["router_hash"]
    wait_until(lambda: hb in (a.session_peers() or set()) and ha in (b.session_peers() or set()),
               30, "session A <-> B")
    before = {s["peer"]: s for s in a.ctl("sessions")}[hb]
    b_before = {s["peer"]: s for s in b.ctl("sessions")}[ha]
    t_before = time.monotonic()
    check(" debug " not in read(log_file), "no debug lines in A's log at level info")

    # logrotate moves the file away, the config changes, then HUP.
    os.rename(log_file, log_file + ".1")
    a.config["log"]["level"] = "debug"
    a.config["peers"]["router_infos"] = [c.router_info]  # a new peer: connected on reload
    a.config["limits"] = {"max_sessions": 100}  # needs a restart: named in a warning
    a.write_config()
    n = len(notify.poll())
    a.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reload: done" in read(log_file), 15, "A's log reopened after SIGHUP")
    check(a.proc.poll() is None, "A survives SIGHUP")
    new_log = read(log_file)
    check("reload: log.level info -> debug" in new_log, "the new level is logged")
    check("reload: changed key(s) limits.max_sessions take effect after a restart" in new_log,
          "a changed key that needs a restart is named")
    check(" debug [ssu2d] reload: debug logging is on" in new_log,
          "debug lines are written after the reload")
    check("SIGHUP received" in read(log_file + ".1") or "SIGHUP received" in new_log,
          "the reload is logged")
    notify.wait_for("READY=1", n, "READY=1 after the reload")
    check(any("RELOADING=1" in m for m in notify.got[n:]), "RELOADING=1 sent during the reload")

    wait_until(lambda: hc in (a.session_peers() or set()), 30, "A connected to C after the reload")
    check(True, "a peer added to peers.router_infos is connected on SIGHUP")
    time.sleep(1)
    after = {s["peer"]: s for s in a.ctl("sessions")}.get(hb)
    waited_ms = (time.monotonic() - t_before) * 1000
    check(after is not None and after["state"] == "established", "A still has its session with B")
    # A session opened again after the HUP would be younger than the time since `before`.
    check(after["established_ms_ago"] >= before["established_ms_ago"] + waited_ms - 500,
          f"it is the same session (age {before['established_ms_ago']} -> "
          f"{after['established_ms_ago']} ms over {waited_ms:.0f} ms)")
    check(ha in (b.session_peers() or set()), "B still has its session with A")
    r = a.ctl("send", hb, 10, 1500, timeout=60)
    check(r.get("delivered") == 10, f"A -> B delivers after SIGHUP ({r})")
    r = b.ctl("send", ha, 10, 1500, timeout=60)
    check(r.get("delivered") == 10, f"B -> A delivers after SIGHUP ({r})")
    b_after = {s["peer"]: s for s in b.ctl("sessions")}.get(ha)
    waited_ms = (time.monotonic() - t_before) * 1000
    check(b_after is not None and
          b_after["established_ms_ago"] >= b_before["established_ms_ago"] + waited_ms - 500,
          "B's session with A is the one it had before the reload")

    # A broken file on the next HUP: refused with the key's name, nothing changes.
    cfg_path = os.path.join(a.dir, "config.json")
    text = json.dumps(a.config)
    with open(cfg_path, "w") as f:
        f.write(text[:-1] + ', "net_id": 2, "net_id": 3}')
    a.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: 'duplicate key "net_id"' in read(log_file), 15,
               "the bad config is reported with the key's name")
    check(a.proc.poll() is None and a.ctl_ok("status"), "A runs on after a bad reload")
    a.write_config()

    # One node per data_dir.
    second = subprocess.run([net.ssu2d, "--config", cfg_path], capture_output=True, text=True,
                            timeout=30)
    check(second.returncode == 1, f"a second ssu2d on A's data_dir exits 1 (rc {second.returncode})")
    check(f"in use by another ssu2d (pid {a.proc.pid}" in second.stderr,
          f"its error names A's pid ({second.stderr.strip()})")
    init = subprocess.run([net.ssu2d, "--config", cfg_path, "--init"], capture_output=True,
                          text=True, timeout=30)
    check(init.returncode == 1 and f"pid {a.proc.pid}" in init.stderr,
          f"--init on a running node's data_dir is refused ({init.stderr.strip()})")
    check(a.ctl_ok("status") is not None, "A still answers")

    n = len(notify.poll())
    rc = a.stop(signal.SIGTERM)
    check(rc == 0, f"SIGTERM still stops A cleanly (exit {rc})")
    check("SIGTERM received, shutting down" in read(log_file), "the shutdown is logged")
    check(any("STOPPING=1" in m for m in notify.poll()[n:]), "STOPPING=1 sent at shutdown")
    # The Termination A sent makes B close at once instead of after its idle timeout.
    def b_closed():
        peers = b.session_peers()
        return peers is not None and ha not in peers
    wait_until(b_closed, 10, "B saw A's Termination")
    check(True, "B closed its session within 10 s of A's SIGTERM")


if __name__ == "__main__":
    run(main)
