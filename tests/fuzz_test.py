#!/usr/bin/env python3
"""fuzz_test.py — sysfuzz on keel with a host-side watchdog (docs/reliability.md).

Boots keel at 4 CPUs with `/bin/sysfuzz -s SEED -n CALLS -T SECONDS` as init's child and
judges the run from the host:
  - keel-run's --timeout bounds the whole boot;
  - the watchdog kills the guest when no "sysfuzz: progress" line came for STALL seconds
    (a hung kernel stops printing them: a hang is a failed run, never a hung suite);
  - any line of a broken invariant fails the run: PANIC, a mutex hung for 5 s, a process
    that outlived SIGKILL, "sysfuzz: FAIL" (the system did not work afterwards);
  - the run must end with "sysfuzz: done, N calls, 0 failures" and N >= CALLS.
It prints the figures: calls/s, syscalls reached, (syscall, errno) pairs, and the seed.
Usage: fuzz_test.py [--calls N] [--seconds S] [--seed S] [--smp N]; exit 0 when it passed.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STALL = 30
BROKEN = re.compile(r"PANIC|mutex: .* hung|survives SIGKILL|sysfuzz: FAIL|BUG:|WARNING:|"
                    r"ubsan:|lockdep:|stack smashing")


def run(calls, seconds, seed, smp, timeout):
    """Returns (ok, why, output)."""
    cmd = [os.path.join(ROOT, "tools", "keel-run"), "--smp", str(smp), "--mem", "512",
           "--timeout", str(timeout), "--append",
           f"-- /bin/sysfuzz -s {seed} -n {calls} -T {seconds} -q"]
    t0 = time.time()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace")
    last = [time.time()]
    stalled = [False]
    done = threading.Event()

    def watchdog():
        while not done.wait(1):
            if time.time() - last[0] > STALL:
                stalled[0] = True
                p.kill()
                return

    threading.Thread(target=watchdog, daemon=True).start()
    out = []
    for line in p.stdout:
        out.append(line)
        if "sysfuzz:" in line:
            last[0] = time.time()
        if line.startswith("sysfuzz: progress") or BROKEN.search(line):
            sys.stdout.write(line)
            sys.stdout.flush()
    rc = p.wait()
    done.set()
    text = "".join(out)
    log = os.path.join(ROOT, "build", "fuzz-last.log")   # the whole console: backtraces
    with open(log, "w") as f:
        f.write(text)
    print(f"   ({' '.join(cmd)}: exit {rc}, {time.time() - t0:.1f} s; console in {log})",
          flush=True)
    if stalled[0]:
        return False, f"no progress line for {STALL} s: the guest hung", text
    bad = [line for line in text.splitlines() if BROKEN.search(line)]
    if bad:
        return False, f"broken invariant: {bad[0]}", text
    m = re.search(r"^sysfuzz: done, (\d+) calls, (\d+) failures", text, re.M)
    if not m:
        return False, f"no 'sysfuzz: done' line (exit {rc})", text
    if int(m.group(2)) or rc != 0:
        return False, f"{m.group(2)} failures, exit {rc}", text
    if int(m.group(1)) < calls and not seconds:
        return False, f"only {m.group(1)} of {calls} calls", text
    return True, "", text


def figures(text):
    keep = [line for line in text.splitlines() if re.match(
        r"sysfuzz: (seed=|syscalls reached|workers=|storms)", line)]
    return "\n".join(keep)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2000000)
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--smp", type=int, default=4)
    a = ap.parse_args()
    seed = a.seed or int.from_bytes(os.urandom(6), "little")
    timeout = (a.seconds or 600) + 120
    ok, why, text = run(a.calls, a.seconds, seed, a.smp, timeout)
    print(figures(text))
    print(f"fuzz: {'passed' if ok else 'FAILED: ' + why} (seed {seed}; replay a stream with "
          f"tools/keel-run --smp 1 --append \"-- /bin/sysfuzz -s {seed} -R SLOT.GEN.THREAD -v\")")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
