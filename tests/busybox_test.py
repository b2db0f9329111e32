"""tests/busybox_test.py — busybox's own testsuite on keel and on Linux (suites busybox and
conformance; docs/testing.md "Busybox's own testsuite").

The testsuite comes from Debian's busybox source package (the version the host's
busybox-static was built from), fetched at test time by tools/fetch-debsrc, never committed.
One test root is made: the host's /bin/busybox with a link per applet (`busybox --list-full`),
keel's /etc/passwd and group, the package's testsuite/ and shell/ash_test/ under /bb with
Debian's static build config as /bb/.config (so applets not built SKIP on both sides), the
ash_test helpers (printenv, recho, zecho) built with musl-gcc -static, and
tests/busybox/run.sh, the driver. The same tree runs
  keel:  as an ext2 disk (mke2fs -d), root=/dev/vda, init=/bin/sh -- /run.sh GROUPS (no NIC)
  Linux: as a chroot in new mount, UTS, PID and network namespaces (this host's kernel)
and the per-test PASS/FAIL/SKIP sets are compared. A test that passes on Linux and not on keel
fails the suite unless KNOWN names it with its cause; keel-only passes are reported.

runtest is used as shipped but for one line: its directory of applet links is made once
instead of at every call (400 fork+exec per group would dominate a TCG run).
"""
import os
import re
import shutil
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEEL_RUN = os.path.join(ROOT, "tools", "keel-run")
SRC_VERSION = "1:1.35.0-4+deb12u1"
SRC_FILES = [
    "9c01fe128b0eeded371c70e37d474fdb5055f71b5d0a778db44c6b0c62d3a7fa:busybox_1.35.0-4+deb12u1.dsc",
    "faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694:busybox_1.35.0.orig.tar.bz2",
    "1cacbe095ef4880ea7879933c8e3c5075d1527cd6fbcb626a9b41e5daefd1a46:"
    "busybox_1.35.0-4+deb12u1.debian.tar.xz",
]
RESULT = re.compile(r"^(PASS|FAIL|SKIPPED|UNTESTED): (.*?)\s*$")
ASH_RESULT = re.compile(r"^(ash-[\w-]+/\S+):\s*(ok|fail)\s*$")
GROUP = re.compile(r"^bbtest: group (\S+)\s*$")
END = re.compile(r"^bbtest: end (\S+) status (\d+)")

# The bounded subset make test runs (suite busybox): applets whose tests exercise the kernel
# (files, pipes, processes, signals, time) and a few ash_test directories.
QUICK = ["cat", "cp", "mv", "rm", "ln", "ls", "mkdir", "touch", "tail", "head", "tee", "xargs",
         "find", "du", "tar", "cpio", "dd", "pidof", "readlink", "realpath", "start-stop-daemon",
         "sed", "sort", "grep", "ash:ash-redir", "ash:ash-signals", "ash:ash-heredoc"]

# Groups neither kernel runs: all_sourcecode greps busybox's C sources (not shipped), wget
# fetches from the Internet, mount sets up loop devices on the host's /dev.
SKIP_GROUPS = {"all_sourcecode", "wget", "mount"}

# Tests that pass on Linux and not on keel, each with its cause (docs/testing.md lists them).
KNOWN = {}


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)


def fetch(build):
    src = os.path.join(build, "third_party", "busybox-src")
    r = sh([os.path.join(ROOT, "tools", "fetch-debsrc"), "busybox", SRC_VERSION, src] + SRC_FILES)
    if r.returncode:
        raise RuntimeError(f"fetch-debsrc busybox: {r.stderr.strip()[-400:]}")
    return src


def all_groups(src):
    """Every applet with tests (APPLET.tests or testsuite/APPLET/) and every ash_test dir."""
    ts = os.path.join(src, "testsuite")
    names = {f[:-6] for f in os.listdir(ts) if f.endswith(".tests")}
    names |= {d for d in os.listdir(ts) if os.path.isdir(os.path.join(ts, d))}
    names -= SKIP_GROUPS
    ash = sorted(d for d in os.listdir(os.path.join(src, "shell", "ash_test"))
                 if d.startswith("ash-"))
    return sorted(names) + [f"ash:{d}" for d in ash]


def make_root(src, root, busybox="/bin/busybox"):
    """The test root both kernels run (see the module comment)."""
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "dev", "proc", "root", "bb"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    shutil.copy2(busybox, os.path.join(root, "bin", "busybox"))
    for p in sh([busybox, "--list-full"]).stdout.split():
        if p != "bin/busybox" and not os.path.lexists(os.path.join(root, p)):
            os.symlink("/bin/busybox", os.path.join(root, p))
    for f in ("passwd", "group", "hostname"):
        shutil.copy(os.path.join(ROOT, "user", "etc", f), os.path.join(root, "etc", f))
    bb = os.path.join(root, "bb")
    shutil.copy2(busybox, os.path.join(bb, "busybox"))
    shutil.copy(os.path.join(src, "debian", "config", "pkg", "static"), os.path.join(bb, ".config"))
    shutil.copytree(os.path.join(src, "testsuite"), os.path.join(bb, "testsuite"), symlinks=True)
    rt = os.path.join(bb, "testsuite", "runtest")
    text = open(rt).read().replace('rm -rf "$LINKSDIR" 2>/dev/null', ": made once by the harness")
    text = text.replace("for i in $implemented; do", 'test -e "$LINKSDIR/busybox" ||\nfor i in $implemented; do')
    open(rt, "w").write(text)
    at = os.path.join(bb, "ash_test")
    shutil.copytree(os.path.join(src, "shell", "ash_test"), at, symlinks=True)
    os.symlink("/bb/busybox", os.path.join(at, "ash"))
    shutil.copy(os.path.join(src, "debian", "config", "pkg", "static"), os.path.join(at, ".config"))
    for prog in ("printenv", "recho", "zecho"):
        r = sh(["musl-gcc", "-static", "-O2", "-o", os.path.join(at, prog), os.path.join(at, prog + ".c")])
        if r.returncode:
            raise RuntimeError(f"musl-gcc {prog}.c: {r.stderr[-300:]}")
    shutil.copy2(os.path.join(ROOT, "tests", "busybox", "run.sh"), os.path.join(root, "run.sh"))


def parse(out):
    """{(group, test): PASS|FAIL|SKIP} and {group: end status} from a run's output."""
    res, ends, group, seen = {}, {}, None, {}
    for line in out.replace("\r", "").splitlines():
        m = GROUP.match(line)
        if m:
            group = m.group(1)
            continue
        m = END.match(line)
        if m:
            ends[m.group(1)] = int(m.group(2))
            continue
        if group is None:
            continue
        m = RESULT.match(line)
        if m:
            verdict, name = m.group(1), m.group(2)
            verdict = {"SKIPPED": "SKIP", "UNTESTED": "SKIP"}.get(verdict, verdict)
        else:
            m = ASH_RESULT.match(line)
            if not m:
                continue
            name, verdict = m.group(1), "PASS" if m.group(2) == "ok" else "FAIL"
        n = seen.get((group, name), 0) + 1
        seen[(group, name)] = n
        res[(group, name if n == 1 else f"{name} #{n}")] = verdict
    return res, ends


def run_linux(root, groups, timeout):
    """The driver in a chroot of root, in new mount/UTS/PID/network namespaces of this host."""
    inner = (f"mount --rbind /dev {root}/dev && hostname keel && "
             f"exec chroot {root} /bin/sh /run.sh {' '.join(groups)}")
    try:
        r = subprocess.run(["unshare", "-m", "-u", "-p", "-n", "-f", f"--mount-proc={root}/proc",
                            "sh", "-c", inner], capture_output=True, text=True, errors="replace",
                           timeout=timeout)
        return r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b"").decode(errors="replace")


def run_keel(run, root, img, groups, timeout, smp=2):
    r = sh(["mke2fs", "-q", "-F", "-t", "ext2", "-d", root, img, "256M"])
    if r.returncode:
        raise RuntimeError(f"mke2fs: {r.stderr}")
    _, out = run([KEEL_RUN, "--smp", str(smp), "--mem", "512", "--net", "none",
                  "--timeout", str(timeout), "--disk", img, "--append",
                  "loglevel=3 root=/dev/vda init=/bin/sh -- /run.sh " + " ".join(groups)],
                 timeout + 60)
    return out


def compare(linux, keel):
    """(regressions, known, keel_only, same-verdict counts) over the union of tests. A
    regression passes on Linux and not on keel (failed, skipped or never reported)."""
    regress, known, keel_only = [], [], []
    counts = {}
    for k in sorted(set(linux) | set(keel)):
        lv, kv = linux.get(k, "MISSING"), keel.get(k, "MISSING")
        if lv == kv:
            counts[lv] = counts.get(lv, 0) + 1
        elif lv == "PASS":
            (known if k in KNOWN else regress).append((k, kv))
        elif kv == "PASS":
            keel_only.append((k, lv))
    return regress, known, keel_only, counts


def checks(run, build, full=False, timeout=None):
    """Yields (name, passed, failed, detail) for run_tests.py."""
    src = fetch(build)
    groups = all_groups(src) if full else QUICK
    timeout = timeout or (3000 if full else 900)
    work = os.path.join(build, "busytest")
    os.makedirs(work, exist_ok=True)
    root = os.path.join(work, "root")
    make_root(src, root)
    hroot = os.path.join(work, "root-linux")
    shutil.rmtree(hroot, ignore_errors=True)
    shutil.copytree(root, hroot, symlinks=True)
    t0 = time.time()
    lout = run_linux(hroot, groups, timeout)
    open(os.path.join(work, "linux.log"), "w").write(lout)
    lt = time.time() - t0
    t0 = time.time()
    kout = run_keel(run, root, os.path.join(work, "keel.img"), groups, timeout)
    open(os.path.join(work, "keel.log"), "w").write(kout)
    kt = time.time() - t0
    linux, lends = parse(lout)
    keel, kends = parse(kout)
    summarize(linux, keel, lends, kends, lt, kt, work)
    yield from verdicts(linux, keel, lends, kends, groups)


def summarize(linux, keel, lends, kends, lt, kt, work):
    def tally(res):
        return {v: sum(1 for x in res.values() if x == v) for v in ("PASS", "FAIL", "SKIP")}
    lines = [f"busybox testsuite: Linux {tally(linux)} in {lt:.0f} s, keel {tally(keel)} in {kt:.0f} s"]
    regress, known, keel_only, counts = compare(linux, keel)
    lines.append(f"  same verdict: {counts}; keel fails what Linux passes: {len(regress)} "
                 f"(+{len(known)} known); keel-only passes: {len(keel_only)}")
    for (g, n), kv in regress:
        lines.append(f"  DIFF {g}: {n}: Linux PASS/{linux.get((g, n), 'MISSING')}, keel {kv}")
    for (g, n), lv in keel_only:
        lines.append(f"  KEEL-ONLY {g}: {n}: keel PASS, Linux {lv}")
    for g in sorted(set(lends) | set(kends)):
        if lends.get(g) in (124, 137) or kends.get(g) in (124, 137) or g not in kends:
            lines.append(f"  TIME {g}: Linux status {lends.get(g)}, keel status {kends.get(g)}")
    text = "\n".join(lines)
    print(text, flush=True)
    open(os.path.join(work, "summary.txt"), "w").write(text + "\n")


def verdicts(linux, keel, lends, kends, groups):
    regress, known, keel_only, counts = compare(linux, keel)
    bad = {g for (g, _), _ in regress}
    for g in groups:
        if g not in lends:
            yield (f"busybox {g}: Linux run reported", 0, 1, "(no end line on Linux)")
            continue
        if g not in kends:
            yield (f"busybox {g}", 0, 1, "(keel's run never finished the group)")
            continue
        diffs = [n for (gg, n), _ in regress if gg == g]
        yield (f"busybox {g}", int(g not in bad), int(g in bad),
               "" if not diffs else f"(passes on Linux, not on keel: {diffs[:4]})")
