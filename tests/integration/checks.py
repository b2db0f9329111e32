"""checks.py — whole-system checks: each boots keel (or inspects the build) and proves one
behaviour. A check gets `run(cmd, timeout) -> (status, output)` and returns (ok, why).
"""
import hashlib
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEEL_RUN = os.path.join(ROOT, "tools", "keel-run")
KERNEL = os.path.join(ROOT, "build", "keel.elf")
INITRD = os.path.join(ROOT, "build", "initrd.cpio")


def boot(run, *args, timeout=60):
    return run([KEEL_RUN, "--timeout", str(timeout)] + list(args), timeout + 30)


def expect(out, *patterns):
    """(ok, why): every regex in patterns must occur in out."""
    for p in patterns:
        if not re.search(p, out, re.M):
            return False, f"output lacks /{p}/"
    return True, ""


def kernel_page_fault_prints_full_report(run):
    rc, out = boot(run, "--append", "crash=pf")
    if rc != 2:
        return False, f"keel-run exit {rc}, want 2 (panic)"
    return expect(out, r"PANIC: kernel-mode exception: #PF page fault \(vector 14\)",
                  r"error code 0x2: not-present page, write, supervisor",
                  r"cr2 ffffd0000dead000", r"rip ffffffff8[0-9a-f]+ <crash_page_fault\+0x",
                  r"r15 [0-9a-f]{16}", r"^backtrace:", r"\[ 1\] [0-9a-f]+ crash_now\+0x",
                  r"kmain\+0x", r"stopped after a fatal error; powering off")


def stack_overflow_double_faults_on_its_ist_stack(run):
    rc, out = boot(run, "--append", "crash=stack")
    return expect(out, r"#DF double fault \(vector 8\)", r"crash_stack_overflow\+0x",
                  r"powering off") if rc == 2 else (False, f"keel-run exit {rc}, want 2")


def invalid_opcode_and_gp_are_reported(run):
    for kind, pat in (("ud", r"#UD invalid opcode \(vector 6\)"),
                      ("gp", r"#GP general protection \(vector 13\)")):
        rc, out = boot(run, "--append", f"crash={kind}")
        ok, why = expect(out, pat, r"^backtrace:")
        if rc != 2 or not ok:
            return False, f"crash={kind}: exit {rc} {why}"
    return True, ""


def explicit_panic_is_reported_and_powers_off(run):
    rc, out = boot(run, "--append", "crash=panic")
    return expect(out, r"PANIC: crash test: explicit panic requested", r"crash_now\+0x",
                  r"powering off") if rc == 2 else (False, f"exit {rc}, want 2")


def panic_on_smp_stops_every_other_cpu(run):
    rc, out = boot(run, "--smp", "4", "--append", "crash=panic")
    if rc != 2:
        return False, f"exit {rc}, want 2"
    return expect(out, r"smp: 4 CPUs online", r"PANIC: crash test",
                  r"^CPU 1 stopped: rip [0-9a-f]{16} <", r"^CPU 2 stopped", r"^CPU 3 stopped",
                  r"powering off")


def smp_word_limits_and_reports_cpus(run):
    rc, out = boot(run, "--smp", "4", "--append", "smp=2 ktest=smp_every*")
    ok, why = expect(out, r"smp=2: 2 of 4 CPUs left offline", r"smp: 2 CPUs online")
    if rc != 0 or not ok:
        return False, f"smp=2 on 4: exit {rc} {why}"
    rc, out = boot(run, "--smp", "2", "--append", "smp=8 ktest=smp_every*")
    ok, why = expect(out, r"smp=8, but only 2 CPUs are present", r"smp: 2 CPUs online")
    return (rc == 0 and ok), f"smp=8 on 2: exit {rc} {why}"


def bad_cmdline_words_warn_and_keep_defaults(run):
    rc, out = boot(run, "--append", 'bogus loglevel=99 crash=nope ktest=printf_*')
    if rc != 0:
        return False, f"exit {rc}: a bad word must not stop the boot"
    return expect(out, r'cmdline: unknown word "bogus" ignored',
                  r'cmdline: bad value "99" for loglevel \(expected loglevel=0\.\.7\)',
                  r'cmdline: bad value "nope" for crash', r"ktest: [1-9]\d* passed, 0 failed")


def too_little_memory_is_refused_with_a_message(run):
    rc, out = boot(run, "--mem", "24", "--append", "ktest", timeout=30)
    if rc != 2 or "ktest:" in out:
        return False, f"exit {rc}, want 2 (a halt on a fatal boot error, no tests run)"
    return expect(out, r"keel: only \d+ KiB of usable RAM; keel needs at least 32 MiB",
                  r"cannot continue; halting")


def cpu_without_long_mode_gets_a_clear_message(run):
    rc, out = boot(run, "--cpu", "qemu32", "--append", "ktest", timeout=20)
    if rc != 2:
        return False, f"exit {rc}, want 2 (halted with a message, not a timeout or a reset)"
    return expect(out, r"this CPU does not support 64-bit long mode",
                  r"keel needs an x86-64 processor; halting\.")


def boot_module_is_preserved_and_listed(run):
    with tempfile.NamedTemporaryFile("wb", suffix=".bin", delete=False) as f:
        f.write(os.urandom(10000))
        path = f.name
    try:
        rc, out = boot(run, "--add", f"{path}:payload.bin", "--append", "ktest=frame_states*")
    finally:
        os.unlink(path)
    if rc != 0:
        return False, f"exit {rc}"
    return expect(out, r"boot: module 0 0x[0-9a-f]+-0x[0-9a-f]+", r"module\s+\d+ KiB")


def boot_log_states_cpu_memory_and_boot_time(run):
    rc, out = boot(run, "--append", "ktest=glob_*")
    return expect(out, r"^\[\s*\d+\.\d{6}\] cpu: \S+, .*family \d+ model \d+",
                  r"cpu: features:.* nx", r"time: TSC at \d+\.\d+ MHz",
                  r"mm:\s+0000000000100000-[0-9a-f]+ kernel", r"mm: \d+ frames \(\d+ MiB\) free",
                  r"vm: direct map of \d+ MiB at 0xffff800000000000",
                  r"boot: done in \d+\.\d+ ms since kernel entry") \
        if rc == 0 else (False, f"exit {rc}")


def multiboot2_iso_boots_on_qemu_from_cd(run):
    iso = os.path.join(ROOT, "build", "test-cd.iso")
    rc, out = run([os.path.join(ROOT, "tools", "mkiso"), iso, KERNEL, "--cmdline",
                   "ktest=vm_*"], 120)
    if rc != 0:
        return False, f"mkiso failed ({rc})"
    rc, out = run(["timeout", "120", "qemu-system-x86_64", "-accel", "tcg", "-cpu", "max",
                   "-m", "128", "-cdrom", iso, "-boot", "d", "-display", "none",
                   "-serial", "stdio", "-no-reboot", "-device",
                   "isa-debug-exit,iobase=0xf4,iosize=4"], 150)
    if rc != 1:
        return False, f"exit {rc}: a passing ktest run powers off with debug-exit 0 (QEMU status 1)"
    return expect(out, r"boot: loaded by multiboot2 \(GRUB", r"ktest: [1-9]\d* passed, 0 failed")


def monitor_answers_commands_on_the_serial_console(run):
    """Types into the serial console the way `make run` users do; the monitor sleeps in hlt
    between keys, so this also proves the UART receive interrupt wakes it."""
    script = "sleep 3; printf 'help\\r'; sleep 1; printf 'mem\\r'; sleep 1; " \
             "printf 'nonsense\\r'; sleep 1; printf 'poweroff\\r'"
    cmd = f"({script}) | timeout 60 qemu-system-x86_64 -accel tcg -cpu max -m 128 " \
          f"-kernel {KERNEL} -append monitor -serial stdio -display none -no-reboot " \
          "-device isa-debug-exit,iobase=0xf4,iosize=4"
    rc, out = run(["bash", "-c", cmd], 90)
    if rc != 1:
        return False, f"exit {rc}: poweroff should end QEMU with status 1 (debug-exit 0)"
    return expect(out, r"keel> help", r"ktest \[GLOB\]", r"frames: \d+ total, \d+ free",
                  r"free blocks:", r'unknown command "nonsense"')


# Saving and restoring the user's vector state is the one use of these instructions the kernel
# has, and only arch/x86_64/xstate.c's xstate_cpu_init and xstate_insn_* functions may do it.
def fpu_state_func(name):
    return name == "xstate_cpu_init" or name.startswith("xstate_insn_")


def kernel_text_has_no_simd_instructions(run):
    """No SSE/AVX instruction in the kernel's text; XSAVE/FXSAVE family only in xstate.c."""
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", KERNEL], capture_output=True,
                         text=True).stdout
    bad, func, state_ops = [], "", 0
    for line in dis.splitlines():
        m = re.match(r"[0-9a-f]+ <([^>]+)>:", line)
        if m:
            func = m.group(1)
        elif re.search(r"\bfx(save|rstor)|\bxsave|\bxrstor", line):
            state_ops += 1
            if not fpu_state_func(func):
                bad.append(f"{func}: {line.strip()}")
        elif re.search(r"%[xyz]mm\d|\bmovdq|\bvmov|\bpxor", line):
            bad.append(f"{func}: {line.strip()}")
    if not state_ops:
        return False, "no XSAVE/FXSAVE at all: is the user FPU state switched?"
    return (not bad, f"{len(bad)} SIMD instructions, e.g. {bad[:2]}")


def firmware_tables_are_found_and_summarized(run):
    """ACPI found by the BIOS scan on QEMU's i440fx (RSDT, HPET) and q35 (adds MCFG)."""
    rc, out = boot(run, "--smp", "2", "--append", "ktest=acpi_*")
    ok, why = expect(out, r"acpi: RSDP rev \d+ \(\S+\) at 0x[0-9a-f]+, [RX]SDT:.* APIC",
                     r"acpi: MADT: 2 CPUs \(2 enabled\), 1 IOAPIC",
                     r"hpet: at 0x[0-9a-f]+, \d+\.\d{3} MHz", r"ktest: [1-9]\d* passed, 0 failed")
    if rc != 0 or not ok:
        return False, f"pc: exit {rc} {why}"
    if re.search(r"^SKIP ", out, re.M):
        return False, "pc: an HPET test was skipped on a machine that has one"
    rc, out = run(["timeout", "60", "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
                   "-cpu", "max", "-m", "128", "-smp", "2", "-kernel", KERNEL, "-append",
                   "ktest=acpi_*", "-display", "none", "-serial", "stdio", "-no-reboot",
                   "-device", "isa-debug-exit,iobase=0xf4,iosize=4"], 90)
    if rc != 1:
        return False, f"q35: exit {rc}: a passing ktest run ends QEMU with status 1"
    ok, why = expect(out, r"acpi: MCFG segment 0 buses 0-255 at 0x[0-9a-f]+",
                     r"ktest: [1-9]\d* passed, 0 failed")
    return ok, why and f"q35: {why}"


def mp_tables_stand_in_when_acpi_is_off(run):
    rc, out = boot(run, "--smp", "2", "--append", "acpi=off ktest=acpi_*")
    return expect(out, r"acpi: off \(boot word acpi=off\)", r"mp: MP spec 1\.\d floating pointer",
                  r"mp: \d+ CPUs? \(\d+ enabled\), 1 IOAPIC", r"hpet: none",
                  r"ktest: [1-9]\d* passed, 0 failed") if rc == 0 else (False, f"exit {rc}")


def user_faults_kill_only_the_process_with_one_line(run):
    """The kill report and the stack-overflow line for faults in user mode; init lives on."""
    rc, out = boot(run, "--smp", "2", "--append", "-- /bin/usertests stack_overflow user_faults",
                   timeout=120)
    if rc != 0:
        return False, f"exit {rc}"
    return expect(out, r"pid \d+ \(usertests\): stack overflow at 0x7fff[0-9a-f]+$",
                  r"pid \d+ \(usertests\) killed: SIGSEGV at rip=0x[0-9a-f]+ addr=0x0$",
                  r"pid \d+ \(usertests\) killed: SIGILL at rip=0x[0-9a-f]+ addr=0x[0-9a-f]+$",
                  r"pid \d+ \(usertests\) killed: SIGFPE at rip=0x[0-9a-f]+",
                  r"usertests: 2 passed, 0 failed", r"init exited with status 0")


def shell_runs_pipelines_redirections_and_ctrl_c(run):
    """`make run` lands in the shell: type into the serial console as a user does."""
    keys = ["echo hello keel | cat > /tmp/x", "cat < /tmp/x", "ls /proc/1", "sleep 20",
            "\x03", "echo status $?", "cd /tmp; pwd", "uname -a", "nosuchprog",
            "echo after $?"]
    script = "sleep 4; " + "; ".join(f"printf '{k}\\r'; sleep 1.5" for k in keys)
    cmd = f"({script}) | timeout 40 qemu-system-x86_64 -accel tcg -cpu max -m 128 -smp 2 " \
          f"-kernel {KERNEL} -initrd {INITRD} -serial stdio -display none -no-reboot " \
          "-device isa-debug-exit,iobase=0xf4,iosize=4"
    rc, out = run(["bash", "-c", cmd], 90)
    # The shell never powers off: QEMU must still be running when timeout ends it (124).
    if rc != 124:
        return False, f"exit {rc}: keel stopped before the typing ended (want timeout's 124)"
    # `ls /proc/1` lists status and exe; the typed `echo status $?` line is not that listing.
    return expect(out, r"^hello keel\r?$", r"^(?!.*echo)(?:.*\s)?status(?:\s+(?!\d).*)?\r?$",
                  r"^(?!.*echo)(?:.*\s)?exe(?:\s.*)?\r?$",
                  r"\^C", r"status 130", r"^/tmp\r?$", r"keel keel \S+ .*x86_64",
                  r"nosuchprog: (command )?not found", r"after 127")


def debian_glibc_static_busybox_runs_unmodified(run):
    """A static binary keel did not build (Debian's busybox-static, glibc) runs as it is."""
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        return False, f"{busybox} missing: tools/setup installs busybox-static"
    with open(os.path.join(ROOT, "build", "initrd", "bin", "sh"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    script = ("busybox echo hello from busybox; busybox ls /; busybox sha256sum /bin/sh; "
              "busybox seq 1 50 | busybox wc -l; busybox head -1 /proc/meminfo")
    rc, out = boot(run, "--smp", "2", "--add", f"{busybox}:bin/busybox",
                   "--append", f'-- /bin/busybox sh -c "{script}"', timeout=120)
    if rc != 0:
        return False, f"exit {rc}"
    return expect(out, r"^hello from busybox\r?$", r"bin +dev +etc +proc +root +sbin +tmp",
                  rf"^{digest}  /bin/sh", r"^50\r?$", r"^MemTotal: +\d+ kB",
                  r"init exited with status 0")


def busybox_su_switches_users_from_passwd_and_shadow(run):
    """Debian's busybox su, as root, becomes nobody and www from /etc/passwd and /etc/shadow
    (docs/users.md); nobody cannot read /etc/shadow (0600, root's)."""
    script = """echo "su1: $(su -s /bin/ash -c id nobody)"
echo "su2: $(su -s /bin/ash -c 'cat /etc/shadow' nobody 2>&1)"
echo "su3: $(su -s /bin/ash -c 'grep ^Uid: /proc/self/status' www)"
echo "su4: $(ls -ln /etc/shadow)"
"""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "su.sh")
        with open(path, "w") as f:
            f.write(script)
        rc, out = boot(run, "--net", "none", "--add", f"{path}:/su.sh",
                       "--append", "init=/bin/busybox -- sh /su.sh", timeout=60)
    if rc != 0:
        return False, f"exit {rc}"
    return expect(out, r"^su1: uid=65534\(nobody\) gid=65534\(nogroup\)",
                  r"^su2: .*/etc/shadow.*Permission denied", r"^su3: Uid:\s+33\s+33\s+33\s+33",
                  r"^su4: -rw------- +1 0 +0 ")


def quiet_boot(*args, timeout):
    """Like boot, but keeps the (endless) guest output out of the log: (exit status, stderr)."""
    p = subprocess.run([KEEL_RUN, "--timeout", str(timeout)] + list(args), cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       timeout=timeout + 30)
    print(p.stderr, end="", flush=True)
    return p.returncode, p.stderr


def harness_judges_endless_output_after_a_pass_as_a_timeout(run):
    """keel-run: a pass verdict followed by output that never stops is a timeout (124), not a
    pass; so is a stream of pass lines that never ends. Guest: Debian's busybox sh."""
    if not os.path.exists("/bin/busybox"):
        return False, "/bin/busybox missing: tools/setup installs busybox-static"
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write("echo 'usertests: 1 passed, 0 failed'\nwhile true; do echo more; done\n")
        script = f.name
    try:
        rc, err = quiet_boot("--add", "/bin/busybox:/bin/busybox", "--add", f"{script}:/t.sh",
                             "--append", "init=/bin/busybox -- sh /t.sh", timeout=50)
        if rc != 124 or "did not stop" not in err:
            return False, f"pass then endless output: exit {rc}, want 124 with the reason"
        rc, err = quiet_boot("--add", "/bin/busybox:/bin/busybox", "--append",
                             "init=/bin/busybox -- yes usertests: 1 passed, 0 failed", timeout=20)
        if rc != 124:
            return False, f"endless pass lines: exit {rc}, want 124"
    finally:
        os.unlink(script)
    return True, ""


FAKE_QEMU = """#!/bin/sh
# Dies of SIGSEGV like QEMU 7.2 does, on the first run only unless told always.
if [ -n "$KEEL_TEST_ALWAYS" ] || [ ! -e "$KEEL_TEST_STATE" ]; then
    touch "$KEEL_TEST_STATE"; kill -SEGV $$
fi
exec qemu-system-x86_64 "$@"
"""


def harness_runs_the_guest_once_more_when_qemu_crashes(run):
    """keel-run: QEMU dying of SIGSEGV before a verdict (its own bug) runs the guest once more
    and then judges that run; a QEMU that crashes twice is no verdict (2), not a loop; with
    --no-retry the first crash is the answer. Guest: keel's /bin/true as init."""
    with tempfile.TemporaryDirectory() as d:
        fake, state = os.path.join(d, "qemu"), os.path.join(d, "crashed")
        with open(fake, "w") as f:
            f.write(FAKE_QEMU)
        os.chmod(fake, 0o755)
        env = dict(os.environ, KEEL_QEMU=fake, KEEL_TEST_STATE=state)
        cases = [({}, [], 0, "running the guest once more"),
                 ({"KEEL_TEST_ALWAYS": "1"}, [], 2, "running the guest once more"),
                 ({}, ["--no-retry"], 2, "status -11 and no verdict")]
        for extra, flags, want, says in cases:
            if os.path.exists(state):
                os.unlink(state)
            p = subprocess.run([KEEL_RUN, "--timeout", "30"] + flags + ["--append", "init=/bin/true"],
                               cwd=ROOT, env=dict(env, **extra), capture_output=True, text=True,
                               timeout=60)
            print(p.stderr, end="", flush=True)
            if p.returncode != want or says not in p.stderr:
                return False, f"{extra} {flags}: exit {p.returncode}, want {want} saying '{says}'"
    return True, ""


ALL = [
    kernel_page_fault_prints_full_report,
    stack_overflow_double_faults_on_its_ist_stack,
    invalid_opcode_and_gp_are_reported,
    explicit_panic_is_reported_and_powers_off,
    bad_cmdline_words_warn_and_keep_defaults,
    panic_on_smp_stops_every_other_cpu,
    smp_word_limits_and_reports_cpus,
    too_little_memory_is_refused_with_a_message,
    cpu_without_long_mode_gets_a_clear_message,
    boot_module_is_preserved_and_listed,
    boot_log_states_cpu_memory_and_boot_time,
    multiboot2_iso_boots_on_qemu_from_cd,
    monitor_answers_commands_on_the_serial_console,
    kernel_text_has_no_simd_instructions,
    firmware_tables_are_found_and_summarized,
    mp_tables_stand_in_when_acpi_is_off,
    user_faults_kill_only_the_process_with_one_line,
    shell_runs_pipelines_redirections_and_ctrl_c,
    debian_glibc_static_busybox_runs_unmodified,
    busybox_su_switches_users_from_passwd_and_shadow,
    harness_judges_endless_output_after_a_pass_as_a_timeout,
    harness_runs_the_guest_once_more_when_qemu_crashes,
]
