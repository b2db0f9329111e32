"""tests/net_storm.py — a malformed-frame storm at keel over a tap (suite tap, issue 12).

In a namespace of its own (net_tap.Netns), keel boots on a tap with a static address, runs a
`nc -l` on FUZZ_PORT as a target for the storm, and waits for the real transfer on DATA_PORT.
The host writes STORM_FRAMES seeded, mostly-malformed Ethernet frames into the tap through an
AF_PACKET socket: ARP junk, IPv4 with bad versions, header lengths, total lengths, checksums
(right and wrong), options, TTL 0, overlapping fragments, TCP with random flags, offsets,
windows and options, UDP and ICMP with lying lengths, random ethertypes, runts and oversized
frames. Then a clean 1 MiB TCP transfer to the guest must arrive intact (SHA-256) and a ping
must be answered: keel stays up and keeps its stack working. The storm never sends to
DATA_PORT; after it, SYN_BURST (10000) well-formed SYNs from spoofed, unanswering addresses go
to DATA_PORT, and the real client must still be accepted within CONNECT_WITHIN_S (lwIP alone
would refuse it for 20 s: kernel/net/lwip/synflood.c).
"""
import os
import random
import socket
import struct
import time

STORM_FRAMES = int(os.environ.get("STORM_FRAMES", "100000"))
STORM_SEED = int(os.environ.get("STORM_SEED", "1"))
SYN_BURST = int(os.environ.get("SYN_BURST", "10000"))
CONNECT_WITHIN_S = 10     # a full backlog would hold a real client off for 20 s
FUZZ_PORT, DATA_PORT = 7003, 7002
PACE_EVERY, PACE_S = 64, 0.002
OVERSIZE_MTU = 16000     # a short pause so the tap's queue is not simply overrun


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


class Storm:
    """Seeded frames toward the guest (dst MAC and IP), from addresses of the tap's subnet."""

    def __init__(self, seed, guest_mac, guest_ip, host_ip):
        self.r = random.Random(seed)
        self.gmac, self.gip = mac(guest_mac), socket.inet_aton(guest_ip)
        self.net = host_ip.rsplit(".", 1)[0]

    def src_ip(self):
        return socket.inet_aton(f"{self.net}.{self.r.randint(3, 250)}")

    def l4(self, proto, src, dst):
        r = self.r
        if proto == 6:           # TCP: random flags, data offset, window, options
            port = FUZZ_PORT if r.random() < 0.5 else r.choice([0, 1, 80, 65535, r.randrange(65536)])
            off = r.choice([5, 5, 6, 8, 15, r.randrange(16)])
            opts = bytes(r.randrange(256) for _ in range(max(0, off - 5) * 4))
            hdr = struct.pack("!HHIIBBHHH", r.randrange(65536), port, r.getrandbits(32),
                              r.getrandbits(32), off << 4, r.randrange(256),
                              r.choice([0, 1, 65535, r.randrange(65536)]), 0, r.randrange(65536))
            body = hdr + opts + r.randbytes(r.choice([0, 0, 1, 100, 1400]))
        elif proto == 17:        # UDP with a length that may lie
            body = r.randbytes(r.choice([0, 4, 8, 64, 1400]))
            ln = r.choice([len(body) + 8, 0, 7, 9, 65535, r.randrange(65536)])
            body = struct.pack("!HHHH", r.randrange(65536), r.choice([7, 53, 67, 68, FUZZ_PORT]),
                               ln, 0) + body
        elif proto == 1:         # ICMP: echo requests, errors quoting junk, random types
            body = struct.pack("!BBHI", r.choice([0, 3, 5, 8, 11, r.randrange(256)]),
                               r.randrange(16), 0, r.getrandbits(32)) + r.randbytes(r.randrange(64))
        else:
            body = r.randbytes(r.randrange(128))
        if proto in (6, 17) and len(body) >= 8 and r.random() < 0.5:   # a right checksum
            pseudo = src + dst + struct.pack("!BBH", 0, proto, len(body))
            at = 16 if proto == 6 else 6
            if len(body) >= at + 2:
                body = body[:at] + b"\0\0" + body[at + 2:]
                body = body[:at] + struct.pack("!H", csum(pseudo + body)) + body[at + 2:]
        elif proto == 1 and len(body) >= 4 and self.r.random() < 0.5:
            body = body[:2] + struct.pack("!H", csum(body[:2] + b"\0\0" + body[4:])) + body[4:]
        return body

    def ipv4(self):
        r = self.r
        src, proto = self.src_ip(), r.choice([1, 6, 6, 17, r.randrange(256)])
        payload = self.l4(proto, src, self.gip)
        ihl = r.choice([5, 5, 5, 6, 15, r.randrange(16)])
        opts = bytes(r.randrange(256) for _ in range(max(0, ihl - 5) * 4))
        total = r.choice([20 + len(opts) + len(payload)] * 3 + [0, 19, 65535, r.randrange(65536)])
        frag = r.choice([0, 0, 0x4000, 0x2000 | r.randrange(64), r.randrange(65536)])
        ver = 4 if r.random() < 0.95 else r.randrange(16)
        hdr = struct.pack("!BBHHHBBH4s4s", ver << 4 | ihl, r.randrange(256), total,
                          r.randrange(8), frag, r.choice([0, 1, 64, 255]), proto, 0, src, self.gip)
        hdr += opts
        if r.random() < 0.7:
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return 0x0800, hdr + payload

    def arp(self):
        r = self.r
        body = struct.pack("!HHBBH6s4s6s4s", r.choice([1, 1, 6, r.randrange(65536)]),
                           r.choice([0x0800, 0x0800, r.randrange(65536)]), r.choice([6, 6, 0, 255]),
                           r.choice([4, 4, 0, 255]), r.choice([1, 2, 2, r.randrange(65536)]),
                           r.randbytes(6), self.src_ip(), r.randbytes(6), self.gip)
        return 0x0806, body[:r.choice([len(body)] * 3 + [r.randrange(len(body))])]

    def frame(self):
        r = self.r
        kind = r.random()
        etype, body = self.ipv4() if kind < 0.75 else self.arp() if kind < 0.9 else \
            (r.randrange(65536), r.randbytes(r.randrange(200)))
        if r.random() < 0.15:                 # truncated anywhere, down to a runt
            body = body[:r.randrange(len(body) + 1)]
        if r.random() < 0.02:                 # oversized: past any MTU
            body += r.randbytes(r.choice([1600, 4000, 9000]))
        dst = self.gmac if r.random() < 0.9 else b"\xff" * 6
        src = bytes([0x02]) + r.randbytes(5)  # locally administered, never the host's
        return dst + src + struct.pack("!H", etype) + body


    def syn(self, port):
        """A well-formed SYN (checksums right, MSS option) to port from a spoofed address of
        the subnet that will never answer the SYN-ACK's ARP."""
        r, src = self.r, self.src_ip()
        tcp = struct.pack("!HHIIBBHHHBBH", r.randrange(1024, 65536), port, r.getrandbits(32), 0,
                          6 << 4, 0x02, 65535, 0, 0, 2, 4, 1460)
        pseudo = src + self.gip + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), r.randrange(65536), 0x4000,
                         64, 6, 0, src, self.gip)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return self.gmac + bytes([0x02]) + r.randbytes(5) + b"\x08\x00" + ip + tcp


def blast(ns, guest_mac, guest_ip, host_ip, count=STORM_FRAMES, seed=STORM_SEED, syn_to=None):
    """Writes count frames into the namespace's tap (malformed ones, or with syn_to=PORT
    spoofed SYNs to that port); returns (sent, refused, seconds)."""
    storm = Storm(seed, guest_mac, guest_ip, host_ip)
    make = storm.frame if syn_to is None else lambda: storm.syn(syn_to)
    leave = ns.enter()
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ns.tap, 0))
    finally:
        leave()
    sent = refused = 0
    t0 = time.monotonic()
    with s:
        for i in range(count):
            try:
                s.send(make())
                sent += 1
            except OSError:               # oversized for the tap, or its queue full
                refused += 1
            if i % PACE_EVERY == PACE_EVERY - 1:
                time.sleep(PACE_S)
    return sent, refused, time.monotonic() - t0


GUEST_SCRIPT = f"""
b=/bin/busybox
$b nc -l -p {FUZZ_PORT} > /dev/null &
echo "storm: ready"
$b nc -l -p {DATA_PORT} > /tmp/down
echo "storm: down sha256 $($b sha256sum /tmp/down)"
$b grep eth0 /proc/net/dev | $b sed 's/^/storm: netdev /'
$b sleep 3
echo "storm: guest done"
"""


class Host:
    """The namespace side, started when the guest says it is ready: the storm, then a clean
    1 MiB transfer to DATA_PORT and a ping."""

    def __init__(self, ns, tap_mod, timeout=60):
        self.ns, self.tap, self.timeout = ns, tap_mod, timeout
        self.down = os.urandom(tap_mod.PAYLOAD)
        self.results = {}
        self.thread = None

    def on_ready(self):
        import threading
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        t = self.tap
        # a large MTU lets the oversized frames through the tap to QEMU and keel's driver
        t.sh(*self.ns.exec(["ip", "link", "set", self.ns.tap, "mtu", str(OVERSIZE_MTU)]),
             check=False)
        try:
            self.results["storm"] = blast(self.ns, t.GUEST_MAC, t.GUEST_IP, t.HOST_IP)
            self.results["syn"] = blast(self.ns, t.GUEST_MAC, t.GUEST_IP, t.HOST_IP,
                                        SYN_BURST, STORM_SEED + 1, syn_to=DATA_PORT)
        except OSError as e:
            self.results["storm error"] = str(e)
            return
        t.send_to_guest(self.ns, DATA_PORT, self.down, CONNECT_WITHIN_S, self.results)
        ping = [t.busybox(), "ping"]
        r = t.sh(*self.ns.exec(ping + ["-c", "2", "-W", "5", t.GUEST_IP]), check=False,
                 timeout=30)
        self.results["ping"] = r.returncode == 0

    def join(self, seconds):
        if self.thread:
            self.thread.join(seconds)


def checks(out, host):
    import hashlib
    import re
    storm = host.results.get("storm")
    m = re.search(r"storm: down sha256 ([0-9a-f]{64})", out)
    rx = re.search(r"storm: netdev\s+eth0:\s*(\d+)\s+(\d+)", out)
    want = hashlib.sha256(host.down).hexdigest()
    return [
        (f"{STORM_FRAMES} malformed frames written into the tap (seed {STORM_SEED})",
         storm is not None and storm[0] >= STORM_FRAMES * 0.9,
         f"{storm} {host.results.get('storm error', '')}; keel's eth0 rx packets "
         f"{rx.group(2) if rx else '?'}"),
        (f"then {SYN_BURST} spoofed SYNs to the listening port",
         host.results.get("syn") is not None and host.results["syn"][0] == SYN_BURST,
         f"sent, refused, seconds: {host.results.get('syn')}"),
        (f"after them a real client is accepted within {CONNECT_WITHIN_S} s and its 1 MiB "
         "arrives intact (SHA-256)", m is not None and m.group(1) == want,
         f"connected after {host.results.get('connect s')} s; "
         f"{host.results.get('down error', '')}"),
        ("after the storm: the guest answers ping", host.results.get("ping") is True, ""),
        ("after the storm: the guest script ends cleanly, no panic",
         "storm: guest done" in out and "init exited with status 0" in out and
         "PANIC" not in out and "panic" not in out, ""),
    ]
