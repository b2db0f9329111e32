"""A W3C WebDriver client over the standard library, for Debian's chromium + chromedriver.

The httpd suite drives keel's dashboard in a real browser with it (tests/httpd_test.py). Only
what those checks use: a headless session, navigation, elements by CSS selector (type, click,
read), script execution, screenshots, the browser's console log, and bounded waits. Every wait has a
deadline; close() ends the browser and chromedriver whatever state they are in.
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the spec's web element key


class WebDriverError(Exception):
    pass


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self, start_seconds=30):
        for path in (CHROMIUM, CHROMEDRIVER):
            if not os.access(path, os.X_OK):
                raise WebDriverError(f"{path} missing (tools/setup installs chromium, "
                                     "chromium-driver)")
        self.profile = tempfile.mkdtemp(prefix="keel-chromium-")
        self.port = _free_port()
        self.proc = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)    # chromium joins its group
        self.sid = None
        try:
            self._wait_ready(start_seconds)
            opts = {"binary": CHROMIUM,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--no-first-run",
                             "--window-size=1280,1000",
                             f"--user-data-dir={self.profile}"]}
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome", "goog:chromeOptions": opts,
                "goog:loggingPrefs": {"browser": "ALL"}}}}
            self.sid = self._call("POST", "/session", caps, timeout=start_seconds)["sessionId"]
        except Exception:
            self.close()
            raise

    def _wait_ready(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            try:
                if self._call("GET", "/status", timeout=2).get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            if self.proc.poll() is not None:
                raise WebDriverError(f"chromedriver exited with {self.proc.returncode}")
            time.sleep(0.1)
        raise WebDriverError("chromedriver did not become ready")

    def _call(self, method, path, body=None, timeout=30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            try:
                v = json.loads(e.read()).get("value", {})
                msg = f"{v.get('error')}: {v.get('message', '')[:300]}"
            except ValueError:
                msg = str(e)
            raise WebDriverError(f"{method} {path}: {msg}") from None

    def _s(self, method, path, body=None):
        return self._call(method, f"/session/{self.sid}{path}", body)

    # ---- what the checks use ----

    def get(self, url):
        self._s("POST", "/url", {"url": url})

    def find(self, css):
        return self._s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type(self, css, text, clear=True):
        e = self.find(css)
        if clear:
            self._s("POST", f"/element/{e}/clear", {})
        self._s("POST", f"/element/{e}/value", {"text": text})

    def click(self, css):
        self._s("POST", f"/element/{self.find(css)}/click", {})

    def js(self, script, *args):
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, path):
        """The page as a PNG file at path."""
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._s("GET", "/screenshot")))

    def console(self):
        """The browser's console entries since the last call (chromedriver's log endpoint)."""
        return self._s("POST", "/se/log", {"type": "browser"}) or []

    def wait(self, what, fn, seconds=20):
        """Polls fn() until it returns something true; raises AssertionError naming what."""
        end, last = time.time() + seconds, None
        while time.time() < end:
            try:
                last = fn()
                if last:
                    return last
            except WebDriverError as e:
                last = e
            time.sleep(0.1)
        raise AssertionError(f"browser: {what} (after {seconds} s; last {last!r})")

    def close(self):
        if self.sid:
            try:
                self._call("DELETE", f"/session/{self.sid}", timeout=10)
            except (OSError, WebDriverError):
                pass
            self.sid = None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)     # chromedriver and any chromium left
        except ProcessLookupError:
            pass
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
