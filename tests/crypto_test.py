"""crypto_test.py — the host side of lib/crypto's tests (docs/crypto.md), run by run_tests.py.

Every check returns (passed, failed, detail) and is counted in the summary:
  - cryptotest natively on the host (every engine this CPU has: here C, AVX2 and SHA-NI)
    against digests python's hashlib/hmac computed, with 4 threads hashing concurrently;
  - the same binary on keel (QEMU TCG: C and AVX2) at -smp 4 under fpu=lazy and fpu=eager, 6
    threads hopping between CPUs (under lazy they must have taken #NM traps: their vector
    state was switched out and restored on demand during the run);
  - a 1 GiB stream through keel's sha256sum (SHA-NI and AVX2) equal to coreutils' sha256sum,
    and 64 MiB through md5sum against coreutils' md5sum (data made on the fly, never stored);
  - sha256sum and md5sum output, escaping and -c against coreutils: stdout, stderr and exit
    status each identical;
  - sha256sum and md5sum on keel itself against hashlib; sha256bench gives every number (speed is never
    judged).
"""
import hashlib
import hmac
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "user", "bin")
KEEL_RUN = os.path.join(ROOT, "tools", "keel-run")
MAXLEN = 4096


def msg_byte(i):            # the patterns user/tests/cryptotest.c has
    return (i * 131 + (i >> 8) * 7 + 1) & 0xff


def key_byte(i):
    return (i * 29 + 3) & 0xff


def write_expected(path):
    """Digests of every length 0..4096, and HMACs over key/message length pairs."""
    msg = bytes(msg_byte(i) for i in range(MAXLEN))
    key = bytes(key_byte(i) for i in range(256))
    with open(path, "w") as f:
        for n in range(MAXLEN + 1):
            f.write(f"{n} {hashlib.sha256(msg[:n]).hexdigest()} {hashlib.md5(msg[:n]).hexdigest()}\n")
        pairs = [(k, m) for k in (0, 1, 32, 63, 64, 65, 200) for m in (0, 1, 55, 56, 64, 65, 4096)]
        for k, m in pairs:
            f.write(f"hmac {k} {m} {hmac.new(key[:k], msg[:m], hashlib.sha256).hexdigest()}\n")


def summary(out):
    """(passed, failed) from the last 'cryptotest: N passed, M failed', or None."""
    lines = [l for l in out.splitlines() if l.startswith("cryptotest: ") and " passed, " in l]
    if not lines:
        return None
    words = lines[-1].split()
    return int(words[1]), int(words[3])


def counted(run, cmd, timeout, need=(), need_re=()):
    rc, out = run(cmd, timeout)
    s = summary(out)
    missing = [n for n in need if n not in out] + [r for r in need_re if not re.search(r, out)]
    if s is None:
        return 0, 1, f"(no summary; exit {rc})"
    passed, failed = s
    if rc != 0 and failed == 0 or missing:
        failed += 1
    return passed, failed, f"(exit {rc}{'; missing ' + repr(missing) if missing else ''})"


def pattern_stream(total, chunk=1 << 20):
    """total bytes, deterministic: a 1 MiB pattern whose first 8 bytes count the chunks."""
    base = bytes((i * 7 + (i >> 10)) & 0xff for i in range(chunk))
    for i in range(total // chunk):
        yield i.to_bytes(8, "little") + base[8:]


def stream_equal(prog, ref, total, env_engine=None):
    """Feeds the same stream to keel's prog and coreutils' ref; True if both print one hash."""
    env = dict(os.environ)
    if env_engine:
        env["KEEL_SHA256"] = env_engine
    procs = [subprocess.Popen([p], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=e)
             for p, e in ((os.path.join(BIN, prog), env), (ref, None))]
    try:
        for block in pattern_stream(total):
            for p in procs:
                p.stdin.write(block)
        outs = []
        for p in procs:
            p.stdin.close()
            outs.append(p.stdout.read().decode())
            p.wait(timeout=60)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    ok = all(p.returncode == 0 for p in procs) and outs[0] == outs[1] and outs[0].endswith("  -\n")
    return ok, f"keel {outs[0].strip()!r} coreutils {outs[1].strip()!r}"


def make_tree(d):
    """Files whose names need escaping, an empty one, a directory, and checksum lists."""
    files = {"a": b"hello\n", "b\\c": b"", "n\nl": b"x" * 1000, "sp ace": bytes(range(256)) * 9}
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    os.mkdir(os.path.join(d, "dir"))
    for tool, h in (("sha256sum", hashlib.sha256), ("md5sum", hashlib.md5)):
        good = subprocess.run([tool, "a", "b\\c", "n\nl", "sp ace"], cwd=d, capture_output=True).stdout
        zero = "0" * len(h().hexdigest())
        upper = h(files["a"]).hexdigest().upper()
        bad = good + (f"{zero}  a\n" "garbage line\n" f"{h(b'x').hexdigest()}  missing\n"
                      f"{upper} *a\n").encode()
        for suffix, text in (("good", good), ("bad", bad), ("none", b"nothing here\n")):
            with open(os.path.join(d, f"{tool}.{suffix}"), "wb") as f:
                f.write(text)


def tool_cases(tool):
    names = ["a", "b\\c", "n\nl", "sp ace"]
    return [names, ["-b"] + names, ["-t", "a"], ["a", "missing", "dir"], [],
            ["-c", f"{tool}.good"], ["-c", f"{tool}.bad"], ["-c", "--quiet", f"{tool}.bad"],
            ["-c", "--status", f"{tool}.bad"], ["-c", "--status", f"{tool}.good"],
            ["-c", "-w", f"{tool}.bad"], ["-c", "--strict", f"{tool}.good"],
            ["-c", f"{tool}.none"], ["-c", "nosuchlist"], ["--check", "-"]]


def compare_tools():
    """Each case: keel's tool and coreutils' on the same input; stdout, stderr, status equal."""
    passed, bad = 0, []
    d = tempfile.mkdtemp(prefix="keel-sum-")
    try:
        make_tree(d)
        for tool in ("sha256sum", "md5sum"):
            for args in tool_cases(tool):
                stdin = open(os.path.join(d, f"{tool}.bad"), "rb") if "-" in args else None
                if not args:
                    stdin = open(os.path.join(d, "sp ace"), "rb")
                res = []
                for exe in (os.path.join(BIN, tool), shutil.which(tool)):
                    if stdin:
                        stdin.seek(0)
                    p = subprocess.run([exe] + args, cwd=d, stdin=stdin, capture_output=True,
                                       timeout=30)
                    res.append((p.returncode, p.stdout,
                                p.stderr.replace(exe.encode(), tool.encode())))
                if stdin:
                    stdin.close()
                if res[0] == res[1]:
                    passed += 1
                else:
                    bad.append(f"{tool} {args}: keel {res[0]!r} coreutils {res[1]!r}")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return passed, bad


def bad_override():
    """KEEL_SHA256 naming no engine: a one-line error and exit 2, on the real tool."""
    p = subprocess.run([os.path.join(BIN, "sha256sum")], input=b"", capture_output=True,
                       env=dict(os.environ, KEEL_SHA256="sse9"), timeout=10)
    return p.returncode == 2 and b"KEEL_SHA256=sse9: unknown engine" in p.stderr, repr(p)


def host_cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def checks(run, build):
    """Yields (name, passed, failed, detail) for every check above."""
    exp = os.path.join(build, "crypto-expected.txt")
    write_expected(exp)
    yield ("cryptotest host (native: every engine the CPU has, 4 threads)",
           *counted(run, [os.path.join(BIN, "cryptotest"), "-f", exp, "-t", "4", "-n", "500"], 120))
    for policy in ("lazy", "eager"):
        yield (f"cryptotest keel qemu tcg smp=4 fpu={policy} (c, avx2; 6 threads migrating)",
               *counted(run, [KEEL_RUN, "--smp", "4", "--timeout", "120", "--add",
                              f"{exp}:/etc/crypto-expected.txt", "--append",
                              f"fpu={policy} -- /bin/cryptotest -f /etc/crypto-expected.txt "
                              "-t 6 -n 1000"], 180,
                        need=("ok   sha256_avx2_lengths_0_4096",
                              "ok   threads_preempted_and_migrated"),
                        # lazy: the threads' vector state really was switched out and restored
                        need_re=(r"took [1-9]\d* #NM traps",) if policy == "lazy" else ()))
    flags = host_cpu_flags()
    streams = [("shani", 1 << 30, "sha_ni"), ("avx2", 256 << 20, "avx2"), ("c", 64 << 20, "")]
    if "sha_ni" not in flags:          # the 1 GiB stream on the best engine there is
        streams = [("avx2", 1 << 30, "avx2"), ("c", 64 << 20, "")]
    for engine, size, flag in streams:
        if flag and flag not in flags:
            continue
        ok, why = stream_equal("sha256sum", "sha256sum", size, engine)
        yield (f"sha256sum KEEL_SHA256={engine} {size >> 20} MiB stream == coreutils",
               int(ok), int(not ok), "" if ok else why)
    ok, why = stream_equal("md5sum", "md5sum", 64 << 20)
    yield ("md5sum 64 MiB stream == coreutils", int(ok), int(not ok), "" if ok else why)
    passed, bad = compare_tools()
    yield ("sha256sum/md5sum output and -c == coreutils", passed, len(bad), "; ".join(bad))
    p = subprocess.run([os.path.join(BIN, "sha256bench"), "-t", "3"], capture_output=True,
                       text=True, timeout=60)
    cells = re.findall(r"^sha256bench: \w+ \d+ B: [\d.]+ MB/s$", p.stdout, re.M)
    engines = 3 - p.stdout.count(" not available on this CPU")
    ok = p.returncode == 0 and engines >= 1 and len(cells) == 6 * engines
    yield ("sha256bench gives MB/s for every engine and size (host)", int(ok), int(not ok),
           "" if ok else repr(p.stdout[-300:]))
    ok, why = bad_override()
    yield ("KEEL_SHA256=unknown exits 2 with a message", int(ok), int(not ok), "" if ok else why)
    with open(os.path.join(ROOT, "user", "etc", "motd"), "rb") as f:
        motd = f.read()
    for tool, h in (("sha256sum", hashlib.sha256), ("md5sum", hashlib.md5)):
        want = h(motd).hexdigest() + "  /etc/motd"
        rc, out = run([KEEL_RUN, "--smp", "2", "--timeout", "60", "--append",
                       f"init=/bin/{tool} -- /etc/motd"], 90)
        ok = rc == 0 and want in out
        yield (f"{tool} on keel == hashlib", int(ok), int(not ok), f"(exit {rc}; want {want!r})")
