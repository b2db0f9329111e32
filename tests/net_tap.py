"""tests/net_tap.py — keel on a tap inside a network namespace the test makes (suite tap).

Netns makes a namespace keel-tPID with a tap device in it (address 10.77.0.1/24 on the host
side, up) and removes both on exit, failure included (`ip netns del` takes the tap with it).
QEMU runs inside the namespace (`ip netns exec`), so nothing of the host's own networking is
touched, and keel gets 10.77.0.2/24 by `ip=`. Needs root, /dev/net/tun and iproute2's `ip`;
otherwise `why_not()` says why, and the suite reports a skip.

run_tap_exchange(): one boot of keel whose init is Debian's busybox-static running a script:
busybox ping -c 3 to the host (the alarm(2)-paced loop), a `nc -l` the host connects to and
sends 1 MiB, then `nc` to the host that sends 1 MiB back up. Meanwhile the host pings the
guest, checks its neighbour entry for the guest's MAC (ARP), connects, and checks both
payloads by SHA-256 (the guest prints its sums). Every wait is bounded.
"""
import ctypes
import hashlib
import os
import re
import shutil
import socket
import subprocess
import threading
import time

HOST_IP, GUEST_IP, PREFIX = "10.77.0.1", "10.77.0.2", 24
GUEST_MAC = "52:54:00:12:34:56"
UP_PORT, DOWN_PORT = 7001, 7002
PAYLOAD = 1 << 20
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    """setns(2) for the calling thread (os.setns is Python 3.12's)."""
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def why_not():
    """None when the tap tests can run here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "not root: cannot make a network namespace and a tap"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    if not shutil.which("ip"):
        return "no iproute2 `ip`"
    return netns_broken()


def run_netns_mounted():
    """Is /run/netns a mount point? (os.path.ismount misses a bind mount of a directory onto
    itself, which is what ip makes: same device on both sides.)"""
    try:
        with open("/proc/self/mounts") as f:
            return any(line.split()[1] == "/run/netns" for line in f)
    except OSError:
        return False


def netns_del(name, was_mounted):
    """Deletes namespace name; `ip netns add` also bind-mounts /run/netns onto itself: undo
    that too when it was not a mount point before and no namespace is left (in a chroot the
    mount outlives the test and keeps the chroot's directory busy)."""
    sh("ip", "netns", "del", name, check=False)
    if not was_mounted and run_netns_mounted() and not os.listdir("/run/netns"):
        sh("umount", "/run/netns", check=False)


def netns_broken():
    """None when `ip netns exec` works here (it does not in a plain chroot: it remounts /sys
    in a new mount namespace), else what it said."""
    name = f"keel-probe{os.getpid()}"
    was_mounted = run_netns_mounted()
    try:
        made = sh("ip", "netns", "add", name, check=False)
        if made.returncode:
            return f"ip netns add fails: {made.stderr.strip()[:120]}"
        r = sh("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up", check=False)
        return None if r.returncode == 0 else \
            f"ip netns exec fails here: {r.stderr.strip()[:120]}"
    finally:
        netns_del(name, was_mounted)


def busybox():
    """Debian's busybox-static (the guest's and, without iputils, the host's ping)."""
    return shutil.which("busybox") or "/bin/busybox"


def sh(*args, check=True, timeout=20):
    return subprocess.run(list(args), check=check, timeout=timeout, capture_output=True,
                          text=True)


class Netns:
    """A namespace with one tap; `with Netns() as ns:` ... ns.exec(cmd)."""

    def __init__(self, tag=""):
        self.name = f"keel-t{os.getpid()}{tag}"
        self.tap = f"kt{os.getpid() % 100000}{tag}"[:15]

    def __enter__(self):
        self.was_mounted = run_netns_mounted()
        sh("ip", "netns", "add", self.name)
        try:
            for cmd in (["ip", "link", "set", "lo", "up"],
                        ["ip", "tuntap", "add", "dev", self.tap, "mode", "tap"],
                        ["ip", "addr", "add", f"{HOST_IP}/{PREFIX}", "dev", self.tap],
                        ["ip", "link", "set", self.tap, "up"]):
                sh(*self.exec(cmd))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        netns_del(self.name, self.was_mounted)
        return False

    def exec(self, cmd):
        return ["ip", "netns", "exec", self.name] + list(cmd)

    def enter(self):
        """Moves the calling thread into the namespace (for host-side sockets); returns a
        function that moves it back."""
        own = os.open("/proc/self/ns/net", os.O_RDONLY)
        ns = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
        try:
            setns(ns)
        finally:
            os.close(ns)

        def leave():
            setns(own)
            os.close(own)
        return leave


GUEST_SCRIPT = f"""
b=/bin/busybox
$b dd if=/dev/urandom of=/tmp/up bs=4096 count={PAYLOAD // 4096} 2>/dev/null
echo "tap: up sha256 $($b sha256sum /tmp/up)"
$b ping -c 3 -W 5 {HOST_IP} && echo "tap: guest ping ok"
echo "tap: listening on {DOWN_PORT}"
$b nc -l -p {DOWN_PORT} > /tmp/down
echo "tap: down sha256 $($b sha256sum /tmp/down)"
$b nc {HOST_IP} {UP_PORT} < /tmp/up && echo "tap: up sent"
echo "tap: guest done"
"""


def send_to_guest(ns, port, data, seconds, results):
    """Connects from the namespace to the guest's port (it may not listen yet: retries for
    `seconds` in all) and sends data; results gets "down sent" and "connect s", or "down
    error"."""
    leave = ns.enter()
    t0 = time.monotonic()
    end = t0 + seconds
    try:
        while True:
            try:
                with socket.create_connection((GUEST_IP, port),
                                              timeout=max(1, end - time.monotonic())) as c:
                    results["connect s"] = time.monotonic() - t0
                    c.sendall(data)
                results["down sent"] = True
                return
            except OSError as e:
                if time.monotonic() > end:
                    results["down error"] = str(e)
                    return
                time.sleep(0.3)
    finally:
        leave()


class Host:
    """The namespace side, run in a thread once keel says it listens: ping the guest, check
    ARP, send DOWN to the guest's nc -l; and (already listening) take UP from the guest."""

    def __init__(self, ns, timeout=60):
        self.ns, self.timeout = ns, timeout
        self.down = os.urandom(PAYLOAD)
        self.up_sha, self.results = None, {}
        leave = ns.enter()         # the listener lives in the namespace
        try:
            self.srv = socket.create_server((HOST_IP, UP_PORT))
        finally:
            leave()
        self.srv.settimeout(timeout)
        self.up_thread = threading.Thread(target=self._take_up, daemon=True)
        self.up_thread.start()

    def _take_up(self):
        try:
            c, _ = self.srv.accept()
            with c:
                c.settimeout(self.timeout)
                got = bytearray()
                while len(got) < PAYLOAD:
                    chunk = c.recv(1 << 16)
                    if not chunk:
                        break
                    got += chunk
            self.up_sha = hashlib.sha256(got).hexdigest()
            self.results["up bytes"] = len(got)
        except OSError as e:
            self.results["up error"] = str(e)

    def on_listening(self):
        threading.Thread(target=self._to_guest, daemon=True).start()

    def _to_guest(self):
        ping = [shutil.which("ping")] if shutil.which("ping") else [busybox(), "ping"]
        r = sh(*self.ns.exec(ping + ["-c", "3", "-W", "5", GUEST_IP]), check=False, timeout=30)
        self.results["host ping"] = r.returncode == 0 and " 0% packet loss" in r.stdout
        self.results["ping out"] = (r.stdout + r.stderr).strip()[-300:]
        r = sh(*self.ns.exec(["ip", "neigh", "show", GUEST_IP]), check=False)
        self.results["arp"] = GUEST_MAC in r.stdout.lower()
        self.results["arp line"] = r.stdout.strip()
        send_to_guest(self.ns, DOWN_PORT, self.down, 20, self.results)

    def close(self):
        self.srv.close()


def guest_sums(out):
    return dict(re.findall(r"tap: (up|down) sha256 ([0-9a-f]{64})", out))


def checks(out, host):
    """(name, ok, detail) for every property of the run."""
    sums = guest_sums(out)
    down_sha = hashlib.sha256(host.down).hexdigest()
    return [
        ("guest pings host (busybox ping -c 3)", "tap: guest ping ok" in out and
         "3 packets transmitted, 3 packets received" in out, ""),
        ("host pings guest", host.results.get("host ping") is True,
         host.results.get("ping out", "")),
        ("host learned the guest's MAC by ARP", host.results.get("arp") is True,
         host.results.get("arp line", "")),
        ("TCP host -> guest nc -l, 1 MiB, SHA-256", sums.get("down") == down_sha,
         f"guest {sums.get('down')} host {down_sha} {host.results.get('down error', '')}"),
        ("TCP guest nc -> host, 1 MiB, SHA-256", host.up_sha is not None and
         sums.get("up") == host.up_sha and host.results.get("up bytes") == PAYLOAD,
         f"guest {sums.get('up')} host {host.up_sha} {host.results.get('up error', '')}"),
        ("guest script finished", "tap: guest done" in out and
         "init exited with status 0" in out, ""),
    ]
