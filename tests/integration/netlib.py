"""Helpers shared by the integration tests: run ssu2d nodes and talk to them with ssu2ctl.

Every wait is bounded; every node started is stopped by `Net.close()` (also on failure)."""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"ok: {what}", flush=True)


def wait_until(pred, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise Failure(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def free_port(host, kind):
    """A port the kernel just handed out on host (socket.SOCK_DGRAM or SOCK_STREAM)."""
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def node_ports(host):
    """Free (UDP SSU2 port, TCP control port) on host."""
    return free_port(host, socket.SOCK_DGRAM), free_port(host, socket.SOCK_STREAM)


class Node:
    def __init__(self, net, name, host, port, control_port, extra=None):
        self.net, self.name, self.host, self.port = net, name, host, port
        self.control = f"{host}:{control_port}"
        self.dir = os.path.join(net.base, name)
        os.makedirs(self.dir, exist_ok=True)
        self.config = {
            "data_dir": self.dir,
            "ssu2": {"host": host, "port": port},
            "peers": {"router_infos": []},
            "control": {"host": host, "port": control_port},
            "log": {"level": os.environ.get("SSU2D_TEST_LOG", "debug")},
        }
        for k, v in (extra or {}).items():
            self.config.setdefault(k, {}).update(v) if isinstance(v, dict) else self.config.update({k: v})
        self.proc = None
        self.hash = None

    @property
    def router_info(self):
        return os.path.join(self.dir, "router.info")

    def write_config(self):
        path = os.path.join(self.dir, "config.json")
        with open(path, "w") as f:
            json.dump(self.config, f, indent=2)
        return path

    def init(self):
        out = subprocess.run([self.net.ssu2d, "--config", self.write_config(), "--init"],
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise Failure(f"{self.name}: ssu2d --init failed: {out.stderr.strip()}")
        self.hash = out.stdout.strip().split()[-1]
        return self.hash

    def start(self):
        log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen([self.net.ssu2d, "--config", self.write_config()],
                                     stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.ctl_ok("status"), 20, f"{self.name} control endpoint")

    def ctl(self, *args, timeout=60):
        out = subprocess.run([self.net.ssu2ctl, "--node", self.control, "--json",
                              "--timeout", str(max(1, timeout - 5)), *map(str, args)],
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise Failure(f"{self.name}: ssu2ctl {' '.join(map(str, args))}: "
                          f"{(out.stderr or out.stdout).strip()}")
        return json.loads(out.stdout)

    def ctl_ok(self, *args):
        try:
            return self.ctl(*args, timeout=10)
        except (Failure, subprocess.TimeoutExpired, json.JSONDecodeError):
            return None

    @property
    def hex_hash(self):
        """The router hash as hex: a base64 hash may start with "-", which reads as an option."""
        return base64.b64decode(self.hash, altchars=b"-~").hex()

    def metric(self, name, labels):
        """One sample of the node's Prometheus text (0 when absent)."""
        out = subprocess.run([self.net.ssu2ctl, "--node", self.control, "metrics"],
                             capture_output=True, text=True, timeout=30).stdout
        want = name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
        for line in out.splitlines():
            if line.startswith(want + " "):
                return float(line.split()[-1])
        return 0.0

    def session_peers(self):
        got = self.ctl_ok("sessions")
        if got is None:
            return None
        sessions = got["sessions"] if isinstance(got, dict) else got
        return {s["peer"] for s in sessions if s.get("state") == "established"}

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def log_tail(self, n=40):
        try:
            with open(os.path.join(self.dir, "log")) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Net:
    def __init__(self, build_dir):
        self.ssu2d = os.path.join(build_dir, "ssu2d")
        self.ssu2ctl = os.path.join(build_dir, "ssu2ctl")
        self.base = tempfile.mkdtemp(prefix="ssu2d-it-")
        self.nodes = []
        self.cleanups = []

    def node(self, *a, **kw):
        n = Node(self, *a, **kw)
        self.nodes.append(n)
        return n

    def close(self, failed):
        for n in self.nodes:
            n.stop(signal.SIGKILL if failed else signal.SIGTERM)
        for c in reversed(self.cleanups):
            try:
                c()
            except Exception as e:  # cleanup must go on
                print(f"cleanup: {e}", file=sys.stderr)
        if failed:
            for n in self.nodes:
                print(f"---- {n.name} log tail ----\n{n.log_tail()}", file=sys.stderr)


class ImpairProxy:
    """tests/tools/udp_impair_proxy between `listen` and `target` (host:port strings), stopped
    at the net's cleanup (or by stop()); `stats` holds its counters once it stopped."""

    def __init__(self, net, listen, target, seed, drop, reorder, dup=0, delay_ms=0, jitter_ms=0,
                 max_seconds=900):
        tool = os.path.join(net.ssu2d.rsplit("/", 1)[0], "udp_impair_proxy")
        self.stats = {}
        self.proc = subprocess.Popen(
            [tool, "--listen", listen, "--target", target, "--seed", str(seed), "--drop", str(drop),
             "--dup", str(dup), "--reorder", str(reorder), "--delay-ms", str(delay_ms),
             "--jitter-ms", str(jitter_ms), "--max-seconds", str(max_seconds)],
            stderr=subprocess.PIPE, text=True)
        self.stopped = False
        net.cleanups.append(self.stop)

    def stop(self):
        if not self.stopped:
            self.stopped = True
            if self.proc.poll() is None:
                self.proc.terminate()
            err = self.proc.communicate(timeout=10)[1]
            if err.strip():
                self.stats.update(json.loads(err.strip().splitlines()[-1]))
        return self.stats


def run(main):
    """Runs main(net) and prints the plain closing line CTest output ends with."""
    build_dir = sys.argv[1]
    net = Net(build_dir)
    failed = True
    try:
        main(net)
        failed = False
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
    finally:
        net.close(failed)
    print("1 passed, 0 failed" if not failed else "0 passed, 1 failed")
    sys.exit(1 if failed else 0)
