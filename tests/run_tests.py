#!/usr/bin/env python3
"""run_tests.py — everything `make test` runs, and the one summary line at the end.

Suites (each counts its own tests into the total):
  unit          host unit tests (tests/unit, cmocka)             counted per test function
  ktest         in-kernel tests on QEMU TCG at 1, 2 and 4 CPUs,      counted per PASS/FAIL line
                on Bochs (corei7_haswell_4770, 2 CPUs) booted from the GRUB ISO, and
                the release build (DEBUG=0, no poison/redzones) on QEMU
  user          usertests (user/usertests, static musl) as init's   counted per test
                child on QEMU TCG at 1 and 2 CPUs and on Bochs haswell at 2;
                sigtest (signal frames) on QEMU at 2; fputest (vector state) at 2 and 4
                CPUs with fpu=eager and fpu=lazy, and on Bochs corei7_skylake_x (AVX-512)
                with fpu=lazy;
                tlbtest (TLB shootdown) on QEMU at 2 and 4 CPUs and on
                Bochs with PCID+INVPCID and with PCID alone (2 CPUs)
                the benchmark binary (user/bench) once as init with tiny counts
                at 4 CPUs (every row must give numbers; speed is never judged)
  nic           PCI and the NIC drivers on QEMU user networking:     counted per run
                net_*, pci_* and the /proc/bus/pci ktests with
                virtio-net (transitional on pc, modern-only on q35 with ECAM), e1000,
                rtl8139, three cards sharing INTx lines (each with QEMU's edu device
                for the MSI test), and e1000 on Bochs
  crypto        lib/crypto (SHA-256 engines, MD5, HMAC; sha256sum,  counted per check
                md5sum) natively on the host and on keel under both
                fpu= policies, against hashlib and coreutils
                (tests/crypto_test.py, docs/crypto.md)
  inet          the TCP/IP stack (lwIP, AF_INET) per NIC (virtio,     counted per PASS/FAIL line,
                e1000, rtl8139) under QEMU user networking: DHCP lease, the     plus one for the exchange
                network ktests, and 64 MiB each way over TCP with a
                CRC-32 plus UDP echo against tests/net_server.py on
                the host's loopback (the guest reaches it at 10.0.2.2);
                100 concurrent host clients to a guest echo server
                through --hostfwd; busybox-static ifconfig -a and
                ping -c 1 (127.0.0.1, 10.0.2.2)
  uefi          keel on a PC's firmware (tests/uefi_test.py): the     counted per run and check
                hybrid GRUB ISO under OVMF: ktests at 1 CPU (pc) and
                4 CPUs (q35 without PIT, 8259s and HPET), usertests
                at 4; the shell typed on the PS/2 keyboard (sendkey:
                shift, backspace, Escape) and read back pixel-exact
                from the framebuffer (screendump vs. the PSF font
                rendered in Python) under OVMF at 1 and 4 CPUs and
                under SeaBIOS with a GRUB VBE mode (gfxpayload); a
                SeaBIOS ISO boot keeps VGA text
  busybox       busybox's own testsuite (Debian's busybox source        counted per group
                package, fetched at test time) against the same
                busybox-static on keel (ext2 root, 2 CPUs) and on
                Linux (a chroot of the same tree in new namespaces):
                a test passing on Linux must pass on keel unless
                busybox_test.KNOWN names its cause; a bounded subset
                of groups (tests/busybox_test.py QUICK);
                `conformance` (opt-in, make conformance) runs all
  httpd         /bin/httpd (user/httpd, docs/httpd.md) on the host's  counted per check
                Linux and on keel (2 CPUs, virtio-net, --hostfwd):
                static files, path escapes, malformed and oversized
                requests, pipelining, chunked bodies, Digest auth
                with curl and python-requests (SHA-256, MD5, replay,
                stale nonces, userhash, rspauth, the page's hack
                header), the REST resources and the signal endpoint,
                the connection cap and 408s, then HTTPD_FUZZ (100000,
                host) / HTTPD_FUZZ_KEEL (2000) mutated requests
                (tests/httpd_test.py)
  netlab        tools/netlab test (docs/netlab.md): two keel VMs on   counted per PASS/FAIL line
                two namespace "hosts", each with its own Open vSwitch
                (userspace datapath), one subnet across a GRE tunnel:
                ping/HTTP both ways, GRE on the underlay, a patch
                port pair, NAT to a wan server, the drop-http and
                rewrite-80-25 OpenFlow rules, ovs-testcontroller and
                keel's os-ken controller with fail-mode secure, NAT by
                ct(nat) flows alone, remote ovsdb over ptcp:6640, a
                malformed-frame storm (~1 min); skipped unless root
                with openvswitch-switch, openvswitch-testcontroller,
                tcpdump, ethtool, iptables (os-ken: python3-os-ken)
  fuzz          sysfuzz (user/fuzz) at 4 CPUs: FUZZ_CALLS calls      counted per run
                (default 900000: what fits ~90 s of TCG), host watchdog
                on its progress lines, no PANIC / hung mutex / unkillable
                process (tests/fuzz_test.py, docs/reliability.md); opt-in
                (--only fuzz) until the vfs_ns_lock hang it finds is fixed
  integration   boots that check whole-system behaviour          counted per check
                (tests/integration/checks.py)
Options: --quick (skip Bochs), --only SUITE[,SUITE]. Exit status 0 only if nothing failed.
Every guest run has a timeout; a hung guest is a failed test, never a hung suite.
"""
import argparse
import fnmatch
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import checks  # noqa: E402
import crypto_test  # noqa: E402
import storage_test  # noqa: E402
import busybox_test  # noqa: E402
import fuzz_test  # noqa: E402
import httpd_test  # noqa: E402
import net_busybox  # noqa: E402
import net_server  # noqa: E402
import net_tap  # noqa: E402
import net_storm  # noqa: E402
import uefi_test  # noqa: E402

# A guest's line naming a failed test (ktest, ulib, usertests), quoted in the failure list
# so a CI log that keeps only the end still says which test failed.
FAILED_LINE = re.compile(r"^(?:FAIL \S+.*|test \S+: FAILED.*)$", re.M)
SUMMARY = re.compile(r"^(?:unit|ktest|usertests|sigtest|fputest|tlbtest|netlab): (\d+) passed, (\d+) failed"
                     r"(?:, (\d+) skipped)?",
                     re.M)


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, name, passed, failed, detail="", skipped=0):
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        if failed:
            self.failures.append(f"{name}: {failed} failed {detail}".rstrip())
        print(f"== {name}: {passed} passed, {failed} failed"
              f"{f', {skipped} skipped' if skipped else ''}", flush=True)

    def line(self):
        return f"{self.passed} passed, {self.failed} failed" + \
            (f", {self.skipped} skipped" if self.skipped else "")


def run(cmd, timeout):
    """Runs cmd, echoing its output; returns (exit status, output)."""
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                           errors="replace")
        out, rc = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc = 124
    sys.stdout.write(out)
    print(f"   ({' '.join(cmd)}: exit {rc}, {time.time() - t0:.1f} s)", flush=True)
    return rc, out


def summary_counts(name, rc, out, tally):
    """Adds the last `N passed, N failed` line of out; a missing line or a crash is a failure."""
    found = SUMMARY.findall(out)
    if not found:
        tally.add(name, 0, 1, f"(no summary line; exit {rc})")
        return
    passed, failed, skipped = (int(x or 0) for x in found[-1])
    if rc != 0 and failed == 0:
        failed = 1
    if passed == 0 and failed == 0:
        failed = 1          # a suite that ran nothing is broken
    which = FAILED_LINE.findall(out)[:3]
    tally.add(name, passed, failed, f"(exit {rc})" + "".join(f"\n    {w.rstrip()}" for w in which), skipped)


@functools.lru_cache(maxsize=None)
def kernel_ktests(kernel):
    """Every ktest compiled into kernel (its symbol table), read once per kernel."""
    syms = subprocess.run(["nm", kernel], capture_output=True, text=True).stdout
    return tuple(sorted(re.findall(r"\bktest_desc_(\w+)$", syms, re.M)))


def ktest_names(kernel, glob):
    """The ktests compiled into kernel whose names match glob."""
    return [n for n in kernel_ktests(kernel) if fnmatch.fnmatchcase(n, glob)]


@functools.lru_cache(maxsize=None)
def usertests_list():
    """The usertests the binary has (its --list), asked once."""
    return tuple(subprocess.run([os.path.join(ROOT, "build/user/bin/usertests"), "--list"],
                                capture_output=True, text=True).stdout.split())


def usertest_names(patterns):
    """The usertests the binary has, filtered like its own argument matching."""
    return [n for n in usertests_list()
            if not patterns or any(fnmatch.fnmatchcase(n, p) for p in patterns)]


def all_ran(name, out, names, line_re, tally):
    """Fails the run when a test it should have run left no result line (a suite that silently
    runs fewer tests is broken even when its own summary says 0 failed)."""
    missing = [n for n in names if not re.search(line_re.format(re.escape(n)), out, re.M)]
    if missing:
        tally.add(f"{name}: every expected test reported", 0, 1,
                  f"({len(missing)} of {len(names)} left no result: {missing[:5]})")


def suite_unit(tally):
    rc, out = run(["make", "--no-print-directory", "-C", "tests/unit",
                   f"BUILD={ROOT}/build/unit", "run"], 600)
    summary_counts("unit", rc, out, tally)


def suite_ktest(tally, quick):
    runs = [("ktest qemu tcg smp=1", ["--smp", "1"]),
            ("ktest qemu tcg smp=2", ["--smp", "2"]),
            ("ktest qemu tcg smp=4", ["--smp", "4"]),
            ("ktest qemu tcg smp=4, 10 s scheduler stress",
             ["--smp", "4", "--append", "ktest=sched_stress* stress=10"])]
    if not quick:
        runs.append(("ktest bochs haswell smp=2",
                     ["--emu", "bochs", "--cpu", "corei7_haswell_4770", "--smp", "2",
                      "--timeout", "300"]))
        runs.append(("ktest bochs sandy bridge smp=2 (pcid, invpcid emulated): tlb_*",
                     ["--emu", "bochs", "--cpu", "corei7_sandy_bridge_2600k", "--smp", "2",
                      "--timeout", "300", "--append", "ktest=tlb_*"]))
    rc, out = run(["make", "--no-print-directory", "-j2", "DEBUG=0", "BUILD=build/release",
                   "kernel"], 600)
    if rc != 0:
        tally.add("release build (DEBUG=0)", 0, 1, "(make failed)")
    else:
        runs.append(("ktest release build qemu tcg smp=2",
                     ["--smp", "2", "--kernel", os.path.join(ROOT, "build/release/keel.elf")]))
    for name, args in runs:
        rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--append", "ktest"] + args, 400)
        summary_counts(name, rc, out, tally)
        kernel = args[args.index("--kernel") + 1] if "--kernel" in args else \
            os.path.join(ROOT, "build/keel.elf")
        words = " ".join(a for i, a in enumerate(args) if i and args[i - 1] == "--append")
        glob = ([w[6:] for w in words.split() if w.startswith("ktest=")] or ["*"])[-1]
        all_ran(name, out, ktest_names(kernel, glob), r"(?:PASS|FAIL|SKIP) {}\b", tally)


def suite_fpu(tally, quick):
    """fputest under both switching policies; Bochs adds AVX-512 (and raises #XM)."""
    for cpus in ("2", "4"):
        for policy in ("eager", "lazy"):
            rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--smp", cpus, "--timeout",
                           "300", "--append", f"fpu={policy} -- /bin/fputest"], 360)
            summary_counts(f"fputest qemu tcg smp={cpus} fpu={policy}", rc, out, tally)
    if not quick:
        rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--emu", "bochs", "--cpu",
                       "corei7_skylake_x", "--smp", "2", "--timeout", "400", "--append",
                       "fpu=lazy -- /bin/fputest --iters 300"], 460)
        summary_counts("fputest bochs skylake_x smp=2 fpu=lazy", rc, out, tally)
        # Bochs raises real SIMD exceptions: nothing may be skipped there.
        skips = re.findall(r"^skip .*$", out, re.M)
        tally.add("fputest bochs skylake_x: no test skipped", int(not skips), int(bool(skips)),
                  f"({skips})")


def suite_user(tally, quick):
    runs = [("usertests qemu tcg smp=1", ["--smp", "1"]),
            ("usertests qemu tcg smp=2", ["--smp", "2"])]
    if not quick:       # Bochs: x2APIC, TSC-deadline, and the #AC that TCG does not raise
        runs.append(("usertests bochs haswell smp=2",
                     ["--emu", "bochs", "--cpu", "corei7_haswell_4770", "--smp", "2"]))
    for name, args in runs:
        rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--timeout", "600"] + args +
                      ["--append", "-- /bin/usertests"], 660)
        summary_counts(name, rc, out, tally)
        all_ran(name, out, usertest_names([]), r"test {}: ", tally)
    # epoll's stress test at full size: 1000 pipes, 4 consumer threads on 4 CPUs.
    rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--smp", "4", "--timeout", "300",
                   "--append", "-- /bin/usertests epoll_stress"], 360)
    summary_counts("usertests epoll_stress qemu tcg smp=4", rc, out, tally)
    rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--smp", "2", "--timeout", "300",
                   "--append", "-- /bin/sigtest"], 360)
    summary_counts("sigtest qemu tcg smp=2", rc, out, tally)
    suite_fpu(tally, quick)
    suite_tlb(tally, quick)
    suite_bench_quick(tally)


BENCH_DONE = re.compile(r"^bench: done rows=(\d+) failed=(\d+)", re.M)


def suite_bench_quick(tally):
    """/bin/bench -q as init on keel: each row that ran counts as passed, a failed row (or a
    crash, hang or missing summary) as failed. `make bench` is where the numbers matter."""
    rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--smp", "4", "--mem", "256",
                   "--timeout", "300", "--append", "init=/bin/bench -- -q -t 60"], 360)
    m = BENCH_DONE.findall(out)
    if not m:
        tally.add("bench -q qemu tcg smp=4", 0, 1, f"(no 'bench: done' line; exit {rc})")
        return
    rows, failed = map(int, m[-1])
    for line in re.findall(r"^bench: row \S+ failed: .*$", out, re.M):
        print(f"FAIL {line}")
    if rc != 0 and failed == 0:
        failed = 1
    tally.add("bench -q qemu tcg smp=4", max(rows - failed, 0), int(failed or rows == 0),
              f"(exit {rc})")
    # The harness itself: a crashing, a hanging and a failing row are reported, and it goes on.
    rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--timeout", "120", "--append",
                   "init=/bin/bench -- -r 1 -t 2 selftest getpid"], 180)
    want = [r"row selftest_crash failed: the row's process was killed by signal 11",
            r"row selftest_hang failed: timed out after 2 s",
            r"row selftest_fail failed: on purpose",
            r"row getpid median=", r"bench: done rows=4 failed=3"]
    missing = [w for w in want if not re.search(w, out)]
    tally.add("bench harness self-test (crash, hang, failure)", int(not missing),
              int(bool(missing)), f"(missing: {missing})" if missing else "")


def suite_tlb(tally, quick):
    """tlbtest (docs/tlb.md) on every TLB feature path: no PCID (QEMU TCG, 2 and 4 CPUs),
    PCID + INVPCID (Bochs Haswell), PCID without INVPCID (Bochs Sandy Bridge: CPUID shows pcid
    and no invpcid, and the boot log must say "invpcid emulated"). Bochs runs do 5 race rounds
    (-quick) but all 4200 processes (~36 s each)."""
    runs = [("tlbtest qemu tcg smp=2", ["--smp", "2"], "", "mmu: pcid off"),
            ("tlbtest qemu tcg smp=4", ["--smp", "4"], "", "mmu: pcid off")]
    if not quick:
        runs += [("tlbtest bochs haswell smp=2 (pcid, invpcid)",
                  ["--emu", "bochs", "--cpu", "corei7_haswell_4770", "--smp", "2"],
                  " -quick -procs=4200",
                  "mmu: pcid on, invpcid on"),
                 ("tlbtest bochs sandy bridge smp=2 (pcid, no invpcid)",
                  ["--emu", "bochs", "--cpu", "corei7_sandy_bridge_2600k", "--smp", "2"],
                  " -quick -procs=4200", "mmu: pcid on, invpcid emulated")]
    for name, args, extra, mode in runs:
        rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--timeout", "400"] + args +
                      ["--append", "-- /bin/tlbtest" + extra], 460)
        if mode not in out:
            tally.add(name + ": boot log mode line", 0, 1, f"(expected '{mode}')")
        summary_counts(name, rc, out, tally)


NIC_KTESTS = "ip=off ktest=net_arp*,pci_*,fs_proc_bus*"
INTX_LINE = re.compile(r"net: (eth\d+) is pci \S+, interrupts by INTx \(line (\d+)\)")


def shared_intx(out):
    """None when at least two interfaces share one INTx line, else why not."""
    lines = {}
    for eth, line in INTX_LINE.findall(out):
        lines.setdefault(line, []).append(eth)
    return None if any(len(v) > 1 for v in lines.values()) else f"no shared line: {lines}"


def suite_nic(tally, quick):
    """Each NIC answers ARP and DHCP from slirp with the ktest's hand-built frames; the log
    must show the driver (and transport, interrupt mode) each run is about. Every QEMU run
    has the edu device, so the MSI test runs on both machines."""
    def needs(*words, edu=True):
        def check(out):
            missing = next((f"missing {w!r}" for w in words if w not in out), None)
            if not missing and edu and "\nSKIP " in out:
                missing = "a test skipped"
            return missing
        return check

    runs = [
        ("virtio-net transitional, qemu pc, MSI-X", ["--nic", "virtio"],
         needs("net: eth0: virtio-net", "eth0 is pci 00:03.0, interrupts by MSI-X")),
        ("virtio-net modern-only, qemu q35, ECAM", ["--machine", "q35", "--nic", "virtio-modern"],
         needs("config access by ECAM (MCFG)", "net: eth0: virtio-net", "by MSI-X")),
        ("e1000, qemu pc", ["--nic", "e1000"], needs("net: eth0: e1000")),
        ("rtl8139, qemu pc", ["--nic", "rtl8139"], needs("net: eth0: rtl8139")),
        ("e1000 + rtl8139 + virtio-net without MSI-X on shared INTx lines, qemu pc",
         ["--nic", "e1000", "--nic", "rtl8139", "--nic", "virtio-intx"],
         lambda out: needs("net: eth0: e1000", "net: eth1: rtl8139", "net: eth2: virtio-net",
                           "eth2 (virtio-net): ARP reply")(out) or shared_intx(out)),
    ]
    runs = [(name, args + ["--device", "edu"], check) for name, args, check in runs]
    if not quick:
        runs.append(("e1000, bochs haswell", ["--emu", "bochs", "--timeout", "300"],
                     needs("net: eth0: e1000", "eth0 (e1000): ARP reply", edu=False)))
    for name, args, check in runs:
        rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--smp", "2", "--net", "user",
                       "--append", NIC_KTESTS] + args, 360)
        why = check(out)
        if why:
            tally.add(f"nic {name}", 0, 1, f"({why})")
        else:
            summary_counts(f"nic {name}", rc, out, tally)


def suite_storage(tally):
    for name, passed, failed, detail in storage_test.checks(run, os.path.join(ROOT, "build")):
        tally.add(name, passed, failed, detail)


def suite_busybox(tally, full=False):
    """busybox's own testsuite on keel and on Linux (tests/busybox_test.py): the bounded
    subset (suite busybox) or every group (suite conformance, `make conformance`)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        tally.add("busybox testsuite (skipped: the Linux side needs root for chroot)", 0, 0,
                  skipped=1)
        return
    try:
        for name, passed, failed, detail in busybox_test.checks(run, os.path.join(ROOT, "build"),
                                                                full=full):
            tally.add(name, passed, failed, detail)
    except RuntimeError as e:
        tally.add("busybox testsuite", 0, 1, f"({e})")


def suite_httpd(tally):
    for name, passed, failed, detail in httpd_test.checks():
        tally.add(name, passed, failed, detail)


def suite_crypto(tally):
    for name, passed, failed, detail in crypto_test.checks(run, os.path.join(ROOT, "build")):
        tally.add(name, passed, failed, detail)


INET_BYTES = 64 << 20     # each way; ~5 s on TCG (docs/net.md)
HOSTFWD_CLIENTS = 100
EXCHANGE = re.compile(r"host exchange: (\d+) bytes up, (\d+) down in (\d+) ms; udp echo ok")


BUSYBOX_RUNS = [   # Debian's busybox-static, unmodified: SIOCGIF* and a raw ICMP socket
    ("ifconfig -a", ["inet addr:10.0.2.15  Bcast:10.0.2.255  Mask:255.255.255.0",
                     "HWaddr 52:54:00:12:34:56", "inet addr:127.0.0.1"]),
    ("ping -c 1 127.0.0.1", ["64 bytes from 127.0.0.1: seq=0", "1 packets received"]),
    ("ping -c 3 10.0.2.2", ["64 bytes from 10.0.2.2: seq=2", "3 packets received"]),
]


def run_watching(cmd, timeout, marker, on_marker):
    """Like run(), reading the output as it comes: on_marker() is called once, when a line
    containing marker appears."""
    t0, out, seen = time.time(), [], False
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace")
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        for line in p.stdout:
            out.append(line)
            if not seen and marker in line:
                seen = True
                on_marker()
        rc = p.wait()
    finally:
        timer.cancel()
    if rc < 0:
        rc = 124
    sys.stdout.write("".join(out))
    print(f"   ({' '.join(cmd)}: exit {rc}, {time.time() - t0:.1f} s)", flush=True)
    return rc, "".join(out)


def suite_inet_busybox(tally):
    bb = shutil.which("busybox") or "/bin/busybox"
    for cmd, want in BUSYBOX_RUNS:
        rc, out = run([os.path.join(ROOT, "tools", "keel-run"), "--smp", "2", "--net", "user",
                       "--timeout", "60", "--add", f"{bb}:/bin/busybox", "--append",
                       f"init=/bin/busybox -- {cmd}"], 90)
        missing = [w for w in want if w not in out]
        ok = not missing and "init exited with status 0" in out
        tally.add(f"inet busybox {cmd}", int(ok), int(not ok),
                  "" if ok else f"(missing {missing or 'exit status 0'})")
    host = net_busybox.Host()
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".sh") as script:
            script.write(host.script())
            script.flush()
            rc, out = run_watching([os.path.join(ROOT, "tools", "keel-run"), "--smp", "2",
                                    "--net", "user", "--timeout", "90"] + host.hostfwd() +
                                   ["--add", f"{bb}:/bin/busybox", "--add",
                                    f"{script.name}:/bb.sh", "--append",
                                    "init=/bin/busybox -- sh /bb.sh"], 120, "bb: serving",
                                   host.on_serving)
        host.up_thread.join(10)
    finally:
        host.close()
    for name, ok, detail in net_busybox.checks(out, host):
        tally.add(f"inet busybox: {name}", int(ok), int(not ok), "" if ok else f"({detail})")


# The host -> guest burst: HOSTFWD_CLIENTS host clients, all connected to the guest's echo
# server at once (tests/net_server.py Clients: their connects take turns because QEMU's
# hostfwd socket has a listen backlog of 1; docs/net.md).
BURST_KTEST = "inet_hostfwd_serves_concurrent_clients"


def suite_inet(tally, burst_only=False):
    """Every network ktest with a NIC on slirp, the exchange with the host's servers, the
    host -> guest burst through --hostfwd, and busybox's ifconfig and ping; with burst_only
    (`--only inet-burst`, to repeat it cheaply) just the burst."""
    if not burst_only:
        suite_inet_busybox(tally)
    for nic in ("virtio", "e1000", "rtl8139"):
        srv = net_server.Servers(timeout=200)
        fwd = net_server.free_port()
        clients = net_server.Clients(fwd, n=HOSTFWD_CLIENTS, timeout=120)
        burst = f"netserve=8080,{HOSTFWD_CLIENTS}"
        words = (f"ktest={BURST_KTEST} {burst}" if burst_only else
                 f"ktest=*net* nethost={srv.tcp_port},{srv.udp_port},{INET_BYTES} {burst}")
        try:
            rc, out = run_watching([os.path.join(ROOT, "tools", "keel-run"), "--smp", "2",
                                    "--net", "user", "--nic", nic, "--timeout", "150",
                                    "--hostfwd", f"tcp:{fwd}:8080", "--append", words], 200,
                                   "ktest: serving ", clients.start)
        finally:
            srv.close()
        clients.join(10)
        name = f"inet{' burst' if burst_only else ''} ktests qemu tcg smp=2 --net user --nic {nic}"
        summary_counts(name, rc, out, tally)
        ok = clients.ok == HOSTFWD_CLIENTS and not clients.errors
        tally.add(f"{nic}: {HOSTFWD_CLIENTS} concurrent host clients through --hostfwd",
                  int(ok), int(not ok), "" if ok else
                  f"({clients.ok} ok; {clients.errors[:3]})")
        if burst_only:
            continue
        names = ktest_names(os.path.join(ROOT, "build/keel.elf"), "*net*")
        all_ran(name, out, names, r"PASS {}\b", tally)     # with a NIC and a host, none may skip
        m = EXCHANGE.search(out)
        ok = bool(m) and int(m.group(1)) == INET_BYTES and int(m.group(2)) == INET_BYTES \
            and srv.exchanges == 1 and not srv.errors
        tally.add(f"{nic}: {INET_BYTES >> 20} MiB each way with 10.0.2.2, UDP echo",
                  int(ok), int(not ok), "" if ok else f"(host saw {srv.exchanges} exchanges, "
                  f"errors {srv.errors})")


def suite_fuzz(tally):
    calls = int(os.environ.get("FUZZ_CALLS", "900000"))
    seed = int(os.environ.get("FUZZ_SEED", "0")) or int.from_bytes(os.urandom(6), "little")
    ok, why, text = fuzz_test.run(calls, 0, seed, 4, 240)
    print(fuzz_test.figures(text))
    tally.add(f"sysfuzz {calls} calls qemu tcg smp=4 seed {seed}", int(ok), int(not ok),
              f"({why})")


def suite_tap(tally):
    """keel on a tap in a network namespace the test makes (tests/net_tap.py): pings both
    ways, ARP, TCP both ways with busybox nc; then a 100k malformed-frame storm and a clean
    transfer after it (tests/net_storm.py). Skipped, with the reason, when not root."""
    why = net_tap.why_not()
    if why:
        print(f"SKIP tap: {why}", flush=True)
        tally.add(f"tap (skipped: {why})", 0, 0, skipped=1)
        return
    for nic in ("virtio", "e1000", "rtl8139"):
        tap_run(tally, nic)
    storm_run(tally)


def storm_run(tally):
    """A malformed-frame storm at keel (virtio) over the tap, then a clean transfer
    (tests/net_storm.py)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh") as script, net_tap.Netns("s") as ns:
        script.write(net_storm.GUEST_SCRIPT)
        script.flush()
        host = net_storm.Host(ns, net_tap)
        rc, out = run_watching(ns.exec([
            os.path.join(ROOT, "tools", "keel-run"), "--smp", "2", "--net", f"tap:{ns.tap}",
            "--nic", "virtio", "--timeout", "150", "--add", f"{net_tap.busybox()}:/bin/busybox",
            "--add", f"{script.name}:/storm.sh", "--append",
            f"ip={net_tap.GUEST_IP}/{net_tap.PREFIX},{net_tap.HOST_IP} "
            "init=/bin/busybox -- sh /storm.sh"]), 180, "storm: ready", host.on_ready)
        host.join(30)
    for name, ok, detail in net_storm.checks(out, host):
        tally.add(f"tap storm: {name}", int(ok), int(not ok), f"({detail})")


NETLAB_CMDS = ("ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl", "ovs-testcontroller",
               "tcpdump", "ethtool", "iptables", "ip")
NETLAB_TIMEOUT_S = 240      # up (~5 s), the checks (~40 s), down; a hang is a failure


def netlab_why_not():
    """None when tools/netlab can run here, else the reason it cannot."""
    if os.geteuid() != 0:
        return "not root: netlab makes namespaces and runs Open vSwitch"
    missing = [c for c in NETLAB_CMDS if not shutil.which(c)]
    if missing:
        return f"no {', '.join(missing)} (tools/setup installs them)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    return net_tap.netns_broken()


def suite_netlab(tally):
    """tools/netlab test: the Open vSwitch + GRE + OpenFlow lab with two keel VMs; it brings
    the lab up (unless it is up already) and takes it down again, failure included."""
    why = netlab_why_not()
    if why:
        print(f"SKIP netlab: {why}", flush=True)
        tally.add(f"netlab (skipped: {why})", 0, 0, skipped=1)
        return
    netlab = os.path.join(ROOT, "tools", "netlab")
    rc, out = run([netlab, "test"], NETLAB_TIMEOUT_S)
    if rc == 124:           # killed at the timeout, before its own trap could clean up
        run([netlab, "down"], NETLAB_TIMEOUT_S)
    summary_counts("netlab", rc, out, tally)


def tap_run(tally, nic):
    with tempfile.NamedTemporaryFile("w", suffix=".sh") as script, net_tap.Netns() as ns:
        script.write(net_tap.GUEST_SCRIPT)
        script.flush()
        host = net_tap.Host(ns)
        try:
            rc, out = run_watching(ns.exec([
                os.path.join(ROOT, "tools", "keel-run"), "--smp", "2", "--net", f"tap:{ns.tap}",
                "--nic", nic, "--timeout", "90", "--add", f"{net_tap.busybox()}:/bin/busybox",
                "--add", f"{script.name}:/tap.sh", "--append",
                f"ip={net_tap.GUEST_IP}/{net_tap.PREFIX},{net_tap.HOST_IP} "
                "init=/bin/busybox -- sh /tap.sh"]), 120, "tap: listening on",
                host.on_listening)
            host.up_thread.join(10)
        finally:
            host.close()
    for name, ok, detail in net_tap.checks(out, host):
        tally.add(f"tap {nic}: {name}", int(ok), int(not ok), "" if ok else f"({detail})")


# What the UEFI boot logs must say, per run: (run name part, [(check name, regex)]).
UEFI_LOG_CHECKS = [
    ("boot log says UEFI", r"boot: loaded by multiboot2 .* from UEFI"),
    ("framebuffer console (GOP)", r"fbcon: \d+x\d+ \d+ bpp at 0x[0-9a-f]+, \d+x\d+ cells of 8x16"),
    ("PS/2 keyboard found", r"i8042: PS/2 keyboard on IRQ 1"),
    ("RSDP from the Multiboot2 tag", r"acpi: RSDP rev \d+ \(\w+\) from the bootloader"),
]
UEFI_NOLEGACY_CHECKS = [
    ("TSC without PIT, against the ACPI PM timer", r"time: TSC at \d+\.\d+ MHz against the "
     r"ACPI PM timer"),
    ("PIT ktest skipped, not failed", r"SKIP ioapic_routes_the_pit_through_its_override"),
]


def suite_uefi(tally):
    kr = os.path.join(ROOT, "tools", "keel-run")
    runs = [("ktest uefi (ovmf) smp=1 pc", ["--smp", "1", "--append", "ktest"], UEFI_LOG_CHECKS),
            ("ktest uefi (ovmf) smp=4 q35-nolegacy",
             ["--smp", "4", "--machine", "q35-nolegacy", "--append", "ktest"],
             UEFI_LOG_CHECKS + UEFI_NOLEGACY_CHECKS),
            ("usertests uefi (ovmf) smp=4 pc", ["--smp", "4", "--append", "-- /bin/usertests"],
             [])]
    for name, args, checks_ in runs:
        rc, out = run([kr, "--firmware", "uefi", "--timeout", "240"] + args, 300)
        summary_counts(name, rc, out, tally)
        if "ktest" in args:
            all_ran(name, out, ktest_names(os.path.join(ROOT, "build/keel.elf"), "*"),
                    r"(?:PASS|FAIL|SKIP) {}\b", tally)
        else:
            all_ran(name, out, usertest_names([]), r"test {}: ", tally)
        for what, regex in checks_:
            ok = bool(re.search(regex, out))
            tally.add(f"{name}: {what}", int(ok), int(not ok), "" if ok else f"(no /{regex}/)")
    # A BIOS boot of the ISO keeps VGA text unless asked for a VBE mode (--gfx).
    rc, out = run([kr, "--firmware", "bios-iso", "--timeout", "60", "--append", "-- /bin/true"],
                  90)
    ok = rc == 0 and "console: VGA text screen, 80x25 characters" in out and \
        re.search(r"from BIOS", out) is not None
    tally.add("bios-iso (GRUB, gfxpayload=text): VGA text console kept", int(ok), int(not ok),
              "" if ok else f"(exit {rc})")
    for args in (("uefi", 1, "pc"), ("uefi", 4, "q35-nolegacy"),
                 ("bios-iso", 2, "pc", "1024x768x32")):
        t0 = time.time()
        name, passed, failed, problems, out = uefi_test.interactive(*args)
        sys.stdout.write(out)
        print(f"   ({name}: {time.time() - t0:.1f} s)", flush=True)
        tally.add(name, passed, failed, f"({'; '.join(problems)})")


def suite_integration(tally):
    passed = failed = 0
    for check in checks.ALL:
        ok, why = check(run)
        print(f"{'PASS' if ok else 'FAIL'} {check.__name__}{'' if ok else ': ' + why}",
              flush=True)
        passed += ok
        failed += not ok
        if not ok:
            tally.failures.append(f"integration {check.__name__}: {why}")
    tally.passed += passed
    tally.failed += failed
    print(f"== integration: {passed} passed, {failed} failed", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the Bochs run")
    ap.add_argument("--only", default="unit,ktest,nic,inet,tap,netlab,user,crypto,storage,httpd,"
                    "uefi,integration")
    args = ap.parse_args()
    tally = Tally()
    suites = args.only.split(",")
    if "unit" in suites:
        suite_unit(tally)
    if "ktest" in suites:
        suite_ktest(tally, args.quick)
    if "nic" in suites:
        suite_nic(tally, args.quick)
    if "inet" in suites:
        suite_inet(tally)
    if "inet-burst" in suites:      # only the burst, to repeat it
        suite_inet(tally, burst_only=True)
    if "tap" in suites:
        suite_tap(tally)
    if "netlab" in suites:
        suite_netlab(tally)
    if "user" in suites:
        suite_user(tally, args.quick)
    if "crypto" in suites:
        suite_crypto(tally)
    if "storage" in suites:
        suite_storage(tally)
    if "busybox" in suites:
        suite_busybox(tally)
    if "conformance" in suites:  # opt-in: every group, ~25 min of TCG (`make conformance`)
        suite_busybox(tally, full=True)
    if "httpd" in suites:
        suite_httpd(tally)
    if "fuzz" in suites:         # opt-in for now: see suite_fuzz's line in the docstring
        suite_fuzz(tally)
    if "uefi" in suites:
        suite_uefi(tally)
    if "integration" in suites:
        suite_integration(tally)
    for f in tally.failures:
        print(f"failed: {f}")
    print(tally.line())
    sys.exit(1 if tally.failed else 0)


if __name__ == "__main__":
    main()
