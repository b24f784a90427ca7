#!/usr/bin/env python3
"""The node's HTTP side against two real nodes (loopback 127.0.30.1 / .2), the console in a
real browser (Debian's chromium, headless).

Node A serves metrics.port; node B connects to A. Checked over plain HTTP: /api/status and
/api/sessions answer the same fields as `ssu2ctl --json status` / `sessions` (B's session
listed), /metrics has the byte totals, and a client that connects and sends nothing does not
hold up a scrape. Then chromium loads http://A/ (its DevTools protocol over
--remote-debugging-pipe, python's standard library only) while B sends A data: the rendered
sessions table must have B's row and the bandwidth graph must have drawn samples with a
non-zero rate in (pixels of the "in" colour on the canvas). A screenshot of the page is left
in the test's directory (console.png). Node C (127.0.30.3) has basic auth: 401 without or
with a wrong password, 200 with the right one, and its console polls once the browser was
given the credentials (http://user:password@host/).
Runs as root in CI (chromium --no-sandbox)."""
import base64
import fcntl
import json
import os
import select
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

from netlib import Failure, check, free_port, node_ports, run, wait_until

A_HOST, B_HOST, C_HOST = "127.0.30.1", "127.0.30.2", "127.0.30.3"


def http_get(url, timeout=10, auth=None):
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise Failure("no chromium on PATH (scripts/install-deps.sh installs Debian's chromium)")


class Browser:
    """Headless chromium driven over the DevTools protocol on fds 3 (commands in) and 4
    (replies and events out), NUL-terminated JSON messages. Every wait is bounded."""

    def __init__(self, base):
        self.dir = os.path.join(base, "chromium")
        os.makedirs(self.dir, exist_ok=True)
        cmd_r, self.cmd_w = os.pipe()
        self.out_r, out_w = os.pipe()
        # Out of the way of 3 and 4, which the child gets them as.
        hi = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (cmd_r, out_w)]
        os.close(cmd_r)
        os.close(out_w)

        def child_fds():
            os.dup2(hi[0], 3)
            os.dup2(hi[1], 4)

        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            [find_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-breakpad",
             "--window-size=1280,1500", f"--user-data-dir={os.path.join(self.dir, 'profile')}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            close_fds=False, preexec_fn=child_fds)
        for fd in hi:
            os.close(fd)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, timeout=20, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise Failure(f"chromium: {method}: {reply['error']}")
                    return reply.get("result", {})
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise Failure(f"chromium: no answer to {method} "
                              f"(exit {self.proc.poll()}; see {self.dir}/log)")
            ready, _, _ = select.select([self.out_r], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self.out_r, 1 << 16)
                if not chunk:
                    raise Failure(f"chromium closed its DevTools pipe (see {self.dir}/log)")
                self.buf += chunk

    def open(self, url):
        target = self.call("Target.createTarget", {"url": url}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise Failure(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call("Browser.close", session=False, timeout=5)
            except Failure:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for fd in (self.cmd_w, self.out_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()


# What the page shows, read from the DOM after its script ran ('null' while it loads).
PAGE_STATE = """!document.getElementById('graph') ? 'null' : JSON.stringify({
  updates: Number(document.body.dataset.updates),
  peers: [...document.querySelectorAll('#sessions tbody tr[data-peer]')].map(r => ({
    peer: r.dataset.peer, cells: [...r.cells].map(c => c.textContent)})),
  samples: Number(document.getElementById('graph').dataset.samples),
  peak: Number(document.getElementById('graph').dataset.peak),
  state: document.getElementById('state').textContent,
  status: [...document.querySelectorAll('#status tr')].map(r => r.textContent),
  inked: (() => {  // canvas pixels in the colour of the "in" line: the graph really drew
    const c = document.getElementById('graph');
    const want = getComputedStyle(document.documentElement).getPropertyValue('--in').trim();
    const rgb = [1, 3, 5].map(i => parseInt(want.substr(i, 2), 16));
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4)
      if (d[i + 3] > 200 && rgb.every((v, k) => Math.abs(d[i + k] - v) < 40)) n++;
    return n;
  })(),
})"""


def main(net):
    a = net.node("a", A_HOST, *node_ports(A_HOST))
    b = net.node("b", B_HOST, *node_ports(B_HOST))
    http_port = free_port(A_HOST, socket.SOCK_STREAM)
    a.config["metrics"] = {"host": A_HOST, "port": http_port}
    a.config["log"] = {"level": "info"}
    b.config["log"] = {"level": "info"}
    ha, hb = a.init(), b.init()
    b.config["peers"]["router_infos"] = [a.router_info]
    a.start()
    b.start()
    wait_until(lambda: hb in (a.session_peers() or set()), 30, "A has B's session")
    base = f"http://{A_HOST}:{http_port}"

    # ---- plain HTTP ----
    code, ctype, body = http_get(base + "/api/status")
    status = json.loads(body)
    check(code == 200 and ctype.startswith("application/json"), "/api/status answers JSON")
    ctl_status = a.ctl("status")
    check(set(status) == set(ctl_status) and status["router_hash"] == ctl_status["router_hash"],
          "/api/status has the fields of ssu2ctl --json status")
    check(status["router_hash"] == ha and status["sessions"] >= 1, "... A's hash, B's session")
    check(isinstance(status.get("bytes_in"), int) and status["bytes_in"] > 0,
          f"byte totals in the status (in {status.get('bytes_in')}, out {status.get('bytes_out')})")
    code, _, body = http_get(base + "/api/sessions")
    sessions = json.loads(body)
    ctl_sessions = a.ctl("sessions")
    if isinstance(ctl_sessions, dict):
        ctl_sessions = ctl_sessions["sessions"]
    check(code == 200 and hb in {s["peer"] for s in sessions}, "/api/sessions lists B")
    check([sorted(s) for s in sessions] == [sorted(s) for s in ctl_sessions],
          "... with the fields of ssu2ctl --json sessions")
    code, ctype, body = http_get(base + "/metrics")
    check(code == 200 and "version=0.0.4" in ctype and "ssu2_bytes_received_total" in body,
          "/metrics serves the Prometheus text with the byte totals")

    idle = socket.create_connection((A_HOST, http_port), timeout=5)
    try:
        t0 = time.monotonic()
        code, _, body = http_get(base + "/metrics", timeout=5)
        took = time.monotonic() - t0
        idle.setblocking(False)
        try:
            idle.recv(1, socket.MSG_PEEK)
            still_open = False  # EOF (or data): the server answered or dropped it
        except BlockingIOError:
            still_open = True
        check(code == 200 and still_open and took < 1.5,
              f"a scrape is answered while an idle client holds a connection ({took * 1000:.0f} ms)")
    finally:
        idle.close()

    # ---- the console in chromium ----
    browser = Browser(net.base)
    net.cleanups.append(browser.close)
    browser.open(base + "/")
    wait_until(lambda: (json.loads(browser.evaluate(PAGE_STATE)) or {}).get("updates", 0) >= 2,
               20, "the page's first polls")
    # Data from B to A while the page polls, so the graph has a rate in to show.
    sender = subprocess.Popen([net.ssu2ctl, "--node", b.control, "--json", "--timeout", "60",
                               "send", ha, "400", "1200"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)  # progress lines go to stderr
    net.cleanups.append(lambda: sender.poll() is None and sender.kill())
    out, err = sender.communicate(timeout=90)
    check(sender.returncode == 0 and json.loads(out or "{}").get("delivered") == 400,
          f"B sent A 400 messages while the page was open ({out.strip()} {err.strip()[-300:]})")

    def page_ready():
        s = json.loads(browser.evaluate(PAGE_STATE))
        return s if s and (s["samples"] >= 3 and s["peak"] > 0 and
                     any(p["peer"] == hb for p in s["peers"])) else None

    try:
        state = wait_until(page_ready, 30, "the console to show B's session and a graph", 0.5)
    finally:
        browser.screenshot(os.path.join(net.base, "console.png"))
        print(f"screenshot: {os.path.join(net.base, 'console.png')}", flush=True)
    row = next(p for p in state["peers"] if p["peer"] == hb)
    check(row["cells"][0] == hb and row["cells"][3] == "established",
          f"the sessions table has B's row: {row['cells'][:5]}")
    check(state["samples"] >= 3 and state["inked"] > 0,
          f"the graph drew {state['samples']} samples ({state['inked']} pixels inked), "
          f"peak {state['peak']} B/s")
    check(state["updates"] >= 3 and state["state"].startswith("updated"),
          f"the page polled {state['updates']} times without an error")
    check(any(ha in r for r in state["status"]), "the status table shows A's router hash")

    # ---- basic auth (node C): 401 without, and the console works once the browser has it ----
    c = net.node("c", C_HOST, *node_ports(C_HOST))
    password_file = os.path.join(net.base, "http.password")
    with open(password_file, "w") as f:
        f.write("s3cret\n")
    os.chmod(password_file, 0o600)
    c_http = free_port(C_HOST, socket.SOCK_STREAM)
    c.config["metrics"] = {"host": C_HOST, "port": c_http, "auth_user": "ops",
                           "auth_password_file": password_file}
    c.config["log"] = {"level": "info"}
    hc = c.init()
    c.start()
    c_base = f"http://{C_HOST}:{c_http}"
    for path in ("/", "/metrics", "/api/status"):
        try:
            http_get(c_base + path)
            got = (200, "")
        except urllib.error.HTTPError as e:
            got = (e.code, e.headers.get("WWW-Authenticate", ""))
        check(got[0] == 401 and got[1].startswith("Basic realm="), f"C: {path} without credentials -> {got}")
    try:
        http_get(c_base + "/api/status", auth="ops:wrong")
        got = 200
    except urllib.error.HTTPError as e:
        got = e.code
    check(got == 401, "C: a wrong password -> 401")
    code, _, body = http_get(c_base + "/api/status", auth="ops:s3cret")
    check(code == 200 and json.loads(body)["router_hash"] == hc, "C: the right one -> 200")
    browser.open(f"http://ops:s3cret@{C_HOST}:{c_http}/")

    def authed_page():
        s = json.loads(browser.evaluate(PAGE_STATE))
        return s if s and s["updates"] >= 2 and any(hc in r for r in s["status"]) else None

    s = wait_until(authed_page, 20, "C's console to poll with the browser's credentials", 0.5)
    check(s["state"].startswith("updated"), f"C's console polls behind basic auth ({s['updates']} polls)")


if __name__ == "__main__":
    run(main)
