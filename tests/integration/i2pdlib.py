"""i2pd 2.45.1 as a test peer for the interop tests: network namespaces, i2pd processes, and
what i2pd says about our traffic (its debug log and its web console).

Namespaces are named ssu2r-N with a veth pair ssu2rhN/ssu2rnN numbered 198.19.N.1 (host side,
where ssu2d binds) and 198.19.N.2 (i2pd's side), both with MTU 1280, so that this module's
tests never clash with interop_i2pd.py (ssu2t-N, 198.18.N.0/24) running at the same time.
i2pd 2.45.1 refuses reserved ranges (loopback included) but not 198.18.0.0/15, see
scripts/i2pd-netns.sh. Every namespace and process is registered with the Net's cleanups."""
import base64
import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request

from netlib import Failure

PREFIX = "ssu2r"


def sh(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=check)


class Netns:
    """A namespace with a veth pair; 198.19.N.1 on the host, 198.19.N.2 inside."""

    def __init__(self, net, n, mtu=1280):
        self.n, self.mtu = n, mtu
        self.name, self.host_if, self.ns_if = f"{PREFIX}-{n}", f"{PREFIX}h{n}", f"{PREFIX}n{n}"
        self.host, self.peer = f"198.19.{n}.1", f"198.19.{n}.2"
        self.down()
        net.cleanups.append(self.down)
        sh("ip", "netns", "add", self.name)
        sh("ip", "link", "add", self.host_if, "mtu", str(mtu), "type", "veth", "peer", "name", self.ns_if)
        sh("ip", "link", "set", self.ns_if, "netns", self.name)
        sh("ip", "addr", "add", f"{self.host}/24", "dev", self.host_if)
        sh("ip", "link", "set", self.host_if, "up")
        self.exec("ip", "link", "set", self.ns_if, "mtu", str(mtu))
        self.exec("ip", "addr", "add", f"{self.peer}/24", "dev", self.ns_if)
        self.exec("ip", "link", "set", self.ns_if, "up")
        self.exec("ip", "link", "set", "lo", "up")

    def exec(self, *args):
        return sh("ip", "netns", "exec", self.name, *args)

    def down(self):
        sh("ip", "link", "del", self.host_if, check=False)
        remove_netns(self.name)


def remove_netns(name):
    """Kills every process in namespace `name` (ip netns exec children), then removes it."""
    out = sh("ip", "netns", "pids", name, check=False)
    for pid in out.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    sh("ip", "netns", "del", name, check=False)


def ri_identity_hash(path):
    data = open(path, "rb").read()
    cert_len = int.from_bytes(data[385:387], "big")
    return hashlib.sha256(data[:387 + cert_len]).digest()


def b64_hash(digest):
    return base64.b64encode(digest, altchars=b"-~").decode()


class I2pd:
    """One i2pd in a namespace: fresh data dir, debug log, web console inside the namespace."""

    HTTP_PORT = 7070

    def __init__(self, net, ns, name, port, router_infos=(), quiet=False, loglevel="debug"):
        self.net, self.ns, self.port, self.quiet, self.loglevel = net, ns, port, quiet, loglevel
        self.dir = os.path.join(net.base, name)
        self.router_infos = list(router_infos)
        self.proc = None
        self.log_offset = 0
        net.cleanups.append(self.kill)

    def write_config(self):
        ns = self.ns
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "netDb"))
        for ri in self.router_infos:
            h = b64_hash(ri_identity_hash(ri))
            os.makedirs(os.path.join(self.dir, "netDb", "r" + h[0]), exist_ok=True)
            shutil.copy(ri, os.path.join(self.dir, "netDb", "r" + h[0], f"routerInfo-{h}.dat"))
        # quiet: zero-hop exploratory tunnels (fewer builds through us; its shared local
        # destination still builds 3-hop tunnels through any router it knows, every 15 s).
        quiet = ("[exploratory]\ninbound.length = 0\noutbound.length = 0\n" if self.quiet else "")
        with open(os.path.join(self.dir, "i2pd.conf"), "w") as f:
            f.write(f"""host = {ns.peer}
port = {self.port}
ipv4 = true
ipv6 = false
nat = false
reservedrange = false
daemon = false
netid = 2
loglevel = {self.loglevel}
log = file
logfile = {self.dir}/log
[ntcp2]
enabled = false
[ssu2]
enabled = true
published = true
port = {self.port}
mtu4 = {ns.mtu}
[http]
enabled = true
address = {ns.peer}
port = {self.HTTP_PORT}
strictheaders = false
[httpproxy]
enabled = false
[socksproxy]
enabled = false
[sam]
enabled = false
[bob]
enabled = false
[i2cp]
enabled = false
[i2pcontrol]
enabled = false
[upnp]
enabled = false
[addressbook]
enabled = false
[reseed]
verify = false
urls = http://{ns.peer}:1/
{quiet}""")
        open(os.path.join(self.dir, "tunnels.conf"), "w").close()

    def start(self, fresh=True):
        if fresh:
            self.write_config()
        else:
            try:
                os.remove(os.path.join(self.dir, "log"))
            except OSError:
                pass
        self.log_offset = 0
        stdout = open(os.path.join(self.dir, "stdout"), "w")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns.name, "i2pd", f"--datadir={self.dir}",
             f"--conf={self.dir}/i2pd.conf", f"--tunconf={self.dir}/tunnels.conf"],
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        ri = os.path.join(self.dir, "router.info")
        while time.monotonic() < deadline:
            if os.path.exists(ri) and os.path.getsize(ri) > 0 and self.console("") is not None:
                break
            if self.proc.poll() is not None:
                raise Failure(f"i2pd exited at start; see {self.dir}/stdout")
            time.sleep(0.1)
        else:
            raise Failure("i2pd wrote no router.info / console did not answer")
        self.digest = ri_identity_hash(ri)
        self.hash_hex = self.digest.hex()
        self.hash_b64 = b64_hash(self.digest)  # as ssu2ctl prints it
        return self

    @property
    def router_info(self):
        return os.path.join(self.dir, "router.info")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """SIGTERM is i2pd's immediate shutdown (SIGINT would wait for transit tunnels)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        self.stop(signal.SIGKILL)

    # ---- what i2pd says ----
    def log(self):
        try:
            with open(os.path.join(self.dir, "log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def mark(self):
        """Remember the log's end: since() returns what was logged after it."""
        self.log_offset = len(self.log())
        return self.log_offset

    def since(self, offset=None):
        return self.log()[self.log_offset if offset is None else offset:]

    def termination_reasons(self, text=None):
        """Reasons of the Termination blocks i2pd received, as it logs them."""
        return [int(x) for x in re.findall(r"SSU2: Termination reason=(\d+)", self.log() if text is None else text)]

    def messages_received(self, msg_type, text=None):
        """I2NP messages of a type that i2pd's router handled itself (types it does not route
        elsewhere, e.g. Data=20, are logged "I2NP: Msg received len=.., type=N, msgID=..")."""
        return len(re.findall(rf"I2NP: Msg received len=\d+, type={msg_type}, msgID=",
                              self.log() if text is None else text))

    def reassembly_drops(self, text=None):
        """Complete I2NP messages i2pd 2.45.1 threw away after reassembly, as it logs them
        ("SSU2: Message ID expired" / "... already received"). Its HandleFollowOnFragment
        hands a message completed by an in-sequence middle fragment (the last fragment came
        earlier: reordering, or a resent middle fragment) to its I2NP layer without
        converting the SSU2 short header (FromNTCP2 is missing on that path only; still so
        in i2pd 2.58), so the expiration and ID it checks are stale bytes of the buffer: the
        message is dropped as "expired" or "already received", or (rarely) handled under a
        stale header. The packets were ACKed, so the sender cannot know. With no resends
        and messages that expire in 60 s, every such line is one message lost this way."""
        return len(re.findall(r"SSU2: Message -?\d+ (?:expired|already received)",
                              self.log() if text is None else text))

    def console(self, page="transports"):
        url = f"http://{self.ns.peer}:{self.HTTP_PORT}/" + (f"?page={page}" if page else "")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode(errors="replace")
        except OSError:
            return None

    def console_sessions(self):
        """SSU2 sessions i2pd's console lists as established: {abbrev: "ip:port"} (the
        abbreviation is the first 4 characters of the peer's base64 hash)."""
        page = self.console("transports") or ""
        m = re.search(r"<b>SSU2</b> \( (\d+) \)(.*?)</div>\r?\n</div>", page, re.S)
        if not m:
            return {}
        return {a: ep for a, ep in re.findall(r"([A-Za-z0-9~-]{4}): ([\d.]+:\d+)", m.group(2))}

    def console_session_details(self):
        """The SSU2 sessions of its console with what it shows of each: {abbrev: {"endpoint",
        "sent", "received" (bytes, i2pd's count), "itag" (the relay tag it gave, or 0)}}."""
        page = self.console("transports") or ""
        m = re.search(r"<b>SSU2</b> \( (\d+) \)(.*?)</div>\r?\n</div>", page, re.S)
        out = {}
        for item in re.findall(r'<div class="listitem">(.*?)</div>', m.group(2) if m else "", re.S):
            a = re.search(r"([A-Za-z0-9~-]{4}): ([\d.]+:\d+)", item)
            b = re.search(r"\[(\d+):(\d+)\]", item)
            t = re.search(r"\[itag:(\d+)\]", item)
            if a:
                out[a.group(1)] = {"endpoint": a.group(2), "sent": int(b.group(1)) if b else 0,
                                   "received": int(b.group(2)) if b else 0,
                                   "itag": int(t.group(1)) if t else 0}
        return out

    def lists_session_with(self, node_hash_b64):
        return node_hash_b64[:4] in self.console_sessions()
