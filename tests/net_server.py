#!/usr/bin/env python3
"""tests/net_server.py — the host side of keel's network exchange tests.

Listens on the host's loopback (QEMU's user networking shows it to the guest as 10.0.2.2): a
TCP server that reads an 8-byte big-endian length N and N bytes, answers with the CRC-32 of
what it read, then sends a length M (= N unless --down says otherwise), M random bytes and
their CRC-32; and a UDP server that echoes every datagram. Each server serves for at most
--timeout seconds. Used by tests/run_tests.py (suite net); standalone:
    python3 tests/net_server.py --bytes 4194304   (prints the two ports, serves until killed)
"""
import argparse
import os
import socket
import struct
import threading
import zlib


def recv_exact(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(min(1 << 20, n - len(buf)))
        if not chunk:
            raise EOFError(f"peer closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


class Servers:
    """A TCP exchange server and a UDP echo server on 127.0.0.1, each in its own thread."""

    def __init__(self, down=None, timeout=120):
        self.down, self.timeout = down, timeout
        self.errors, self.exchanges = [], 0
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(8)
        self.tcp.settimeout(timeout)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(timeout)
        self.tcp_port, self.udp_port = self.tcp.getsockname()[1], self.udp.getsockname()[1]
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self._serve_tcp, self._serve_udp)]
        for t in self.threads:
            t.start()

    def _exchange(self, conn):
        n = struct.unpack(">Q", recv_exact(conn, 8))[0]
        crc, left = 0, n
        while left:
            chunk = conn.recv(min(1 << 20, left))
            if not chunk:
                raise EOFError(f"guest closed after {n - left} of {n} bytes")
            crc = zlib.crc32(chunk, crc)
            left -= len(chunk)
        conn.sendall(struct.pack(">I", crc))
        m = n if self.down is None else self.down
        conn.sendall(struct.pack(">Q", m))
        crc, left = 0, m
        while left:
            chunk = os.urandom(min(1 << 16, left))
            crc = zlib.crc32(chunk, crc)
            conn.sendall(chunk)
            left -= len(chunk)
        conn.sendall(struct.pack(">I", crc))
        self.exchanges += 1

    def _serve_tcp(self):
        try:
            while True:
                conn, _ = self.tcp.accept()
                with conn:
                    conn.settimeout(self.timeout)
                    self._exchange(conn)
        except socket.timeout:
            pass
        except (OSError, EOFError) as e:
            if self.tcp.fileno() >= 0:
                self.errors.append(f"tcp: {e}")

    def _serve_udp(self):
        try:
            while True:
                data, addr = self.udp.recvfrom(65536)
                self.udp.sendto(data, addr)
        except (socket.timeout, OSError):
            pass

    def close(self):
        self.tcp.close()
        self.udp.close()


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on now (for --hostfwd)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Clients:
    """n concurrent clients of the guest's echo server through --hostfwd on host_port: each
    sends a 4-byte length and that many random bytes and must get them back unchanged. A
    client retries (every 0.2 s, until the deadline) while the guest is not listening yet:
    slirp then closes the host's connection at once.

    The clients run at once, but their connect() calls take turns, pace seconds apart: QEMU's
    hostfwd socket listens with a backlog of 1 (slirp's listen(s, 1); `ss -ltn` shows it) and
    slirp accepts one connection per main-loop pass, so 100 SYNs at the same instant overflow
    the host kernel's accept queue. The host then answers with SYN cookies and drops the
    handshake's last ACK (nstat: TcpExtListenOverflows), and the client, believing itself
    connected, retransmits with exponential backoff: such a client reached the guest minutes
    later, or never (the stall at 93 of 100 in docs/net.md). Once connected, every client
    waits for its echo concurrently with all the others."""

    def __init__(self, host_port, n=100, size=4096, timeout=120, pace=0.02):
        self.port, self.size, self.deadline, self.pace = host_port, size, timeout, pace
        self.ok, self.errors, self.lock = 0, [], threading.Lock()
        self.gate = threading.Lock()       # one connect() at a time, pace apart
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                        for i in range(n)]

    def start(self):
        """Starts every client at once (call it when the guest listens: a SYN slirp sends
        while the guest is still booting is lost and retried with seconds of backoff)."""
        for t in self.threads:
            t.start()

    def _once(self, payload):
        # The guest serves the burst slowly (docs/net.md): a client may wait most of the
        # deadline for its turn, and one that gave up early would leave the guest an orphan
        # connection it counts as served. So each attempt may take the whole deadline.
        import time
        with self.gate:
            c = socket.create_connection(("127.0.0.1", self.port), timeout=self.deadline)
            time.sleep(self.pace)
        with c:
            c.sendall(struct.pack(">I", len(payload)) + payload)
            return recv_exact(c, len(payload))

    def _client(self, i):
        import time
        end = time.monotonic() + self.deadline
        payload = os.urandom(self.size + i)
        last = None
        while time.monotonic() < end:
            try:
                got = self._once(payload)
            except (OSError, EOFError) as e:
                last = e
                time.sleep(0.2)
                continue
            with self.lock:
                if got == payload:
                    self.ok += 1
                else:
                    self.errors.append(f"client {i}: echo differs")
            return
        with self.lock:
            self.errors.append(f"client {i}: gave up ({last})")

    def join(self, timeout=None):
        for t in self.threads:
            if t.is_alive() or t.ident:
                t.join(timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bytes", type=int, default=4 << 20)
    ap.add_argument("--timeout", type=int, default=600)
    args = ap.parse_args()
    s = Servers(timeout=args.timeout)
    print(f"nethost={s.tcp_port},{s.udp_port},{args.bytes}", flush=True)
    for t in s.threads:
        t.join()


if __name__ == "__main__":
    main()
