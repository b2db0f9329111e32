"""tests/net_busybox.py — Debian's busybox-static, unmodified, as a network client and server
on keel under QEMU user networking (suite inet).

One boot; the guest's init is busybox sh running GUEST_SCRIPT:
  - `wget` a 256 KiB random file from `python3 -m http.server` on the host's loopback
    (10.0.2.2 from the guest), SHA-256 printed;
  - `nc 10.0.2.2 PORT` sends that file up to a host listener (which closes after the whole);
  - `httpd -f -p 80` serves it, and the host's `curl` fetches it through --hostfwd;
  - `nc -l -p 81` takes 256 KiB the host sends through --hostfwd, SHA-256 printed.
The host compares every payload by SHA-256. Every wait is bounded.
"""
import hashlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

import net_server

SIZE = 256 << 10

GUEST_SCRIPT = """
b=/bin/busybox
$b wget -q -O /tmp/w http://10.0.2.2:{http}/file && echo "bb: wget sha256 $($b sha256sum /tmp/w)"
$b nc 10.0.2.2 {ncup} < /tmp/w && echo "bb: nc up sent"
$b mkdir -p /www && $b cp /tmp/w /www/file
$b httpd -f -p 80 -h /www &
echo "bb: serving"
$b nc -l -p 81 > /tmp/in
echo "bb: nc down sha256 $($b sha256sum /tmp/in)"
$b kill $!
echo "bb: guest done"
"""


class Host:
    """The host's servers (http.server, the nc listener) and, once the guest serves, its
    clients (curl to httpd, a sender to nc -l), all through ports the harness picked."""

    def __init__(self, timeout=60):
        self.timeout, self.results = timeout, {}
        self.dir = tempfile.TemporaryDirectory()
        self.file = os.urandom(SIZE)
        self.down = os.urandom(SIZE)
        with open(os.path.join(self.dir.name, "file"), "wb") as f:
            f.write(self.file)
        self.http_port = net_server.free_port()
        self.http = subprocess.Popen([sys.executable, "-m", "http.server", str(self.http_port),
                                      "--bind", "127.0.0.1", "--directory", self.dir.name],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ncup = socket.create_server(("127.0.0.1", 0))
        self.ncup.settimeout(timeout)
        self.ncup_port = self.ncup.getsockname()[1]
        self.fwd_http, self.fwd_nc = net_server.free_port(), net_server.free_port()
        self.up_thread = threading.Thread(target=self._take_up, daemon=True)
        self.up_thread.start()

    def script(self):
        return GUEST_SCRIPT.format(http=self.http_port, ncup=self.ncup_port)

    def hostfwd(self):
        return ["--hostfwd", f"tcp:{self.fwd_http}:80", "--hostfwd", f"tcp:{self.fwd_nc}:81"]

    def _take_up(self):
        try:
            c, _ = self.ncup.accept()
            with c:
                c.settimeout(self.timeout)
                got = net_server.recv_exact(c, SIZE)
            self.results["nc up"] = got == self.file
        except (OSError, EOFError) as e:
            self.results["nc up error"] = str(e)

    def on_serving(self):
        threading.Thread(target=self._clients, daemon=True).start()

    def _clients(self):
        end = time.monotonic() + 30
        while time.monotonic() < end:      # httpd may not listen yet: bounded retries
            r = subprocess.run(["curl", "-sS", "--max-time", "20", "-o", "-",
                                f"http://127.0.0.1:{self.fwd_http}/file"],
                               capture_output=True, timeout=30)
            if r.returncode == 0 and r.stdout:
                break
            time.sleep(0.3)
        self.results["curl"] = r.returncode == 0 and r.stdout == self.file
        self.results["curl detail"] = f"exit {r.returncode}, {len(r.stdout)} bytes, " \
            f"{r.stderr.decode(errors='replace').strip()[:200]}"
        while time.monotonic() < end + 30:
            try:
                with socket.create_connection(("127.0.0.1", self.fwd_nc), timeout=20) as c:
                    c.sendall(self.down)
                    c.shutdown(socket.SHUT_WR)
                    c.settimeout(20)
                    if c.recv(1) == b"":       # slirp closes only once the guest has it all
                        self.results["nc down sent"] = True
                        return
            except OSError as e:
                self.results["nc down error"] = str(e)
            time.sleep(0.3)

    def close(self):
        self.http.kill()
        self.http.wait()
        self.ncup.close()
        self.dir.cleanup()


def checks(out, host):
    sums = dict(re.findall(r"bb: (wget|nc down) sha256 ([0-9a-f]{64})", out))
    return [
        ("wget from the host's python3 -m http.server",
         sums.get("wget") == hashlib.sha256(host.file).hexdigest(), sums.get("wget")),
        ("nc guest -> host listener", host.results.get("nc up") is True and
         "bb: nc up sent" in out, host.results.get("nc up error", "")),
        ("httpd serves the host's curl through --hostfwd", host.results.get("curl") is True,
         host.results.get("curl detail", "")),
        ("nc -l takes what the host sends through --hostfwd",
         sums.get("nc down") == hashlib.sha256(host.down).hexdigest(),
         host.results.get("nc down error", "")),
        ("guest script finished", "bb: guest done" in out and
         "init exited with status 0" in out, ""),
    ]
