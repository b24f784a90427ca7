"""A small NAT world in network namespaces (python standard library only, needs root).

    ssu2nat-pub  (public nodes, 198.18.160.1..9/24 on "p0")
        |  veth p0 <-> r0
    ssu2nat-rtr  (the NAT router: r0 198.18.160.254/24 WAN, r1 198.18.161.254/24 LAN,
        |         nftables masquerade + stateful forward filter)
        |  veth r1 <-> l0
    ssu2nat-lan  (the node behind the NAT, 198.18.161.10/24, default route via the router)

The public side has no route to 198.18.161.0/24: everything from the LAN reaches it through
the router's masquerade only. The router drops unsolicited WAN input (filter input hook), as a
home router does. NAT variants (World.set_nat):
  "restricted"  masquerade keeping source ports, forward only replies (conntrack), i.e. an
                endpoint-dependent ("port restricted") filter: a peer test says firewalled
  "symmetric"   masquerade with random source ports: every destination sees another port
  "fullcone"    as restricted plus a static UDP forward of one port to the LAN host (anyone
                may send to the mapped port): a peer test says reachable
Addresses come from 198.18.160.0/20 (away from the other tests' 198.18.N / 198.19.N blocks).
Every namespace and process is registered for cleanup; World is a context manager and also
cleans up on SIGTERM/SIGINT and at interpreter exit, so nothing is left on failure.
"""
import atexit
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

PREFIX = "ssu2nat-"
PUB, RTR, LAN = PREFIX + "pub", PREFIX + "rtr", PREFIX + "lan"
WAN_NET, LAN_NET = "198.18.160", "198.18.161"
ROUTER_WAN, ROUTER_LAN = WAN_NET + ".254", LAN_NET + ".254"
LAN_HOST = LAN_NET + ".10"
UDP_TIMEOUT_S = 4  # conntrack UDP timeouts in the router (see set_nat)
# The nodes' NAT settings in these tests: the first peer test 3 s after start, retests every
# 8 s until two agree (retest_s above UDP_TIMEOUT_S + a test's length: each test meets a
# closed NAT), a single peer's address report suffices (the world has few peers).
# The introducers' keep-alives come well within the router's UDP timeout (as they must on a
# real NAT with its 30-180 s).
FAST_NAT = {"nat": {"first_test_s": 3, "retest_s": 8, "test_interval_s": 60,
                    "confirmations": 2, "address_quorum": 1,
                    "introducer_keepalive_s": UDP_TIMEOUT_S // 2}}
DETECT_S = 120  # the issue's bound: reachability detected within 2 minutes of the start


def sh(*args, check=True, timeout=20):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: rc {r.returncode}: {r.stderr.strip()}")
    return r


def nsx(ns, *args, **kw):
    return sh("ip", "netns", "exec", ns, *args, **kw)


def introducers(status, family="ipv4"):
    """A status's published introducers of one family ("ipv4" / "ipv6"):
    "ih(base64) itag=N iexp=S" entries, ih0 first."""
    return status.get("introducers", {}).get(family, [])


def nft_ruleset(variant, forward_port=0):
    masq = "masquerade random" if variant == "symmetric" else "masquerade"
    pre = ""
    fwd_extra = ""
    if variant == "fullcone":
        pre = (f"  chain prerouting {{ type nat hook prerouting priority -100; "
               f"iifname \"r0\" udp dport {forward_port} dnat to {LAN_HOST}:{forward_port}; }}\n")
        fwd_extra = "    iifname \"r0\" oifname \"r1\" ct status dnat accept\n"
    return (
        "table ip ssu2nat {\n"
        + pre +
        f"  chain postrouting {{ type nat hook postrouting priority 100; oifname \"r0\" {masq}; }}\n"
        # The router's own WAN input: replies only, as on a home router. Dropping in the
        # filter hook keeps an unsolicited packet (e.g. a peer test's message 5) from ever
        # confirming a conntrack entry, which would otherwise take the mapping our later
        # outgoing packet to that peer needs and make the masquerade pick another port.
        "  chain input {\n"
        "    type filter hook input priority 0; policy accept;\n"
        "    iifname \"r0\" ct state established,related accept\n"
        "    iifname \"r0\" drop\n"
        "  }\n"
        "  chain forward {\n"
        "    type filter hook forward priority 0; policy drop;\n"
        "    iifname \"r1\" oifname \"r0\" accept\n"
        "    iifname \"r0\" oifname \"r1\" ct state established,related accept\n"
        + fwd_extra +
        "  }\n"
        "}\n")


class Node:
    """An ssu2d process in a namespace, its control port on the same address."""

    def __init__(self, world, name, ns, host, port, peers=(), extra=None, data_dir=None):
        self.world, self.name, self.ns, self.host, self.port = world, name, ns, host, port
        self.control = port + 1
        self.dir = data_dir or os.path.join(world.tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(world.tmp, f"{name}-{host}-{port}.log")
        cfg = {"data_dir": self.dir,
               "ssu2": {"host": host, "port": port},
               "control": {"host": host, "port": self.control},
               "peers": {"router_infos": [p.router_info_path for p in peers]},
               "log": {"level": "debug"}}
        if extra:
            for k, v in extra.items():
                cfg.setdefault(k, {}).update(v)
        self.cfg_path = os.path.join(world.tmp, f"{name}-{port}.json")
        with open(self.cfg_path, "w") as f:
            json.dump(cfg, f)
        self.proc = None

    @property
    def router_info_path(self):
        return os.path.join(self.dir, "router.info")

    def init(self):
        nsx(self.ns, self.world.ssu2d, "-c", self.cfg_path, "--init")

    def start(self):
        self.init()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, self.world.ssu2d,
                                      "-c", self.cfg_path], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.world.procs.append(self.proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited rc {self.proc.returncode}:\n{self.log()[-2000:]}")
            if self.status(check=False) is not None:
                return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not up within 20 s")

    def status(self, check=True):
        r = nsx(self.ns, self.world.ssu2ctl, "-n", f"{self.host}:{self.control}", "--json",
                "status", check=False, timeout=10)
        if r.returncode != 0:
            if check:
                raise RuntimeError(f"{self.name} status: {r.stderr.strip()}")
            return None
        return json.loads(r.stdout)

    def ctl(self, *args, timeout=60):
        """`ssu2ctl --json ARGS` against this node; the parsed answer, or RuntimeError."""
        r = nsx(self.ns, self.world.ssu2ctl, "-n", f"{self.host}:{self.control}", "--json",
                "--timeout", str(max(1, timeout - 5)), *map(str, args), check=False,
                timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"{self.name}: ssu2ctl {' '.join(map(str, args))}: "
                               f"{(r.stderr or r.stdout).strip()}")
        return json.loads(r.stdout)

    def hex_hash(self):
        """Our router hash in hex (a base64 one may start with "-", read as an option)."""
        return base64.b64decode(self.status()["router_hash"], altchars=b"-~").hex()

    def wait_status(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.status(check=False)
            if last is not None and pred(last):
                return last
            time.sleep(1)
        raise AssertionError(f"{self.name}: {what} not within {timeout} s; last status {last}")

    def stop(self, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class World:
    def __init__(self, build_dir):
        self.ssu2d = os.path.join(build_dir, "ssu2d")
        self.ssu2ctl = os.path.join(build_dir, "ssu2ctl")
        self.tmp = tempfile.mkdtemp(prefix=PREFIX)
        self.procs = []
        self.namespaces = []
        self.pub_addrs = 0
        self.cleaned = False
        atexit.register(self.cleanup)
        self._old = {}
        for s in (signal.SIGTERM, signal.SIGINT):
            self._old[s] = signal.signal(s, self._on_signal)

    def _on_signal(self, signum, frame):
        self.cleanup()
        raise SystemExit(128 + signum)

    def __enter__(self):
        try:
            self.build()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def add_ns(self, name):
        sh("ip", "netns", "del", name, check=False)  # a leftover of a killed run
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        nsx(name, "ip", "link", "set", "lo", "up")

    def veth(self, a_ns, a_if, b_ns, b_if):
        tmp_a, tmp_b = PREFIX[:-1] + "a" + str(os.getpid() % 10000), PREFIX[:-1] + "b" + str(os.getpid() % 10000)
        sh("ip", "link", "add", tmp_a, "type", "veth", "peer", "name", tmp_b)
        sh("ip", "link", "set", tmp_a, "netns", a_ns, "name", a_if)
        sh("ip", "link", "set", tmp_b, "netns", b_ns, "name", b_if)
        nsx(a_ns, "ip", "link", "set", a_if, "up")
        nsx(b_ns, "ip", "link", "set", b_if, "up")

    def build(self):
        if os.geteuid() != 0:
            raise RuntimeError("natworld needs root (network namespaces, nftables)")
        if not shutil.which("nft"):
            raise RuntimeError("nft not found: run scripts/install-deps.sh (package nftables)")
        for ns in (PUB, RTR, LAN):
            self.add_ns(ns)
        self.veth(PUB, "p0", RTR, "r0")
        self.veth(RTR, "r1", LAN, "l0")
        nsx(RTR, "ip", "addr", "add", ROUTER_WAN + "/24", "dev", "r0")
        nsx(RTR, "ip", "addr", "add", ROUTER_LAN + "/24", "dev", "r1")
        nsx(RTR, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        nsx(LAN, "ip", "addr", "add", LAN_HOST + "/24", "dev", "l0")
        nsx(LAN, "ip", "route", "add", "default", "via", ROUTER_LAN)

    def pub_addr(self):
        """A new public address (198.18.160.1, .2, ...) on the public namespace."""
        self.pub_addrs += 1
        a = f"{WAN_NET}.{self.pub_addrs}"
        nsx(PUB, "ip", "addr", "add", a + "/24", "dev", "p0")
        return a

    def set_nat(self, variant, forward_port=0):
        nsx(RTR, "nft", "delete", "table", "ip", "ssu2nat", check=False)
        path = os.path.join(self.tmp, f"nat-{variant}.nft")
        with open(path, "w") as f:
            f.write(nft_ruleset(variant, forward_port))
        nsx(RTR, "nft", "-f", path)
        # Short UDP mapping lifetimes: the hole one peer test's message 6 opens to Charlie
        # closes before the next test, whose message 5 would otherwise come through it
        # (real NATs keep such holes 30-180 s; the tests run every few seconds).
        for key in ("nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"):
            nsx(RTR, "sysctl", "-qw", f"net.netfilter.{key}={UDP_TIMEOUT_S}")

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        for ns in reversed(self.namespaces):
            # Any process still inside (started by ip netns exec) goes with its namespace.
            r = sh("ip", "netns", "pids", ns, check=False)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", ns, check=False)
        self.namespaces = []
        if os.environ.get("SSU2NAT_KEEP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)
        for s, h in self._old.items():
            try:
                signal.signal(s, h)
            except (ValueError, TypeError):
                pass


class Checks:
    """Named checks of one NAT test script: each runs, passes or fails, and the next goes on."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, fn):
        t0 = time.monotonic()
        try:
            fn()
            self.passed += 1
            print(f"PASS {name} ({time.monotonic() - t0:.0f} s)", flush=True)
        except Exception as e:  # noqa: BLE001 - report and go on with the next check
            self.failed += 1
            print(f"FAIL {name}: {e}", flush=True)


def main(run, doc, checks, argv):
    """The scripts' entry: usage, root check (77 = skipped), run(build_dir), the summary."""
    if len(argv) < 2:
        print(doc)
        return 2
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    try:
        run(argv[1])
    except Exception as e:  # noqa: BLE001
        checks.failed += 1
        print(f"FAIL setup: {e}")
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0
