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
