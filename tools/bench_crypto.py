"""tools/bench_crypto.py — the SHA-256 section of `make bench` (issue 14, docs/crypto.md).

Host, natively, in one run: keel's engines (build/user/bin/sha256bench, the same static binary
keel runs) beside `openssl speed -evp sha256`, and beside OpenSSL with SHA-NI masked through
OPENSSL_ia32cap=":~0x20000000" (CPUID.7.EBX bit 29 off: OpenSSL takes its AVX2+BMI2 path).
The host is shared and noisy, so each side runs ROUNDS times, alternating, and the best
figure of each cell counts. Ratios: keel SHA-NI / OpenSSL best, keel AVX2 / OpenSSL AVX2.

keel (QEMU TCG): sha256bench's C and AVX2 engines under fpu=lazy and fpu=eager, and from
fpubench's yield handoffs (none vs avx2: what carrying ymm state across one switch costs) the
switch rate above which AVX2 no longer pays: AVX2 saves (R_avx2/R_c - 1) seconds per second
of hashing, each switch costs S, so the break-even is (R_avx2/R_c - 1) / S switches/s.
"""
import os
import re
import subprocess

SIZES = (16, 64, 256, 1024, 8192, 16384)
ROUNDS = 3
MASK_SHA = ":~0x20000000"


def keel_rates(out):
    """{engine: {size: MB/s}} from sha256bench's lines."""
    res = {}
    for eng, size, mbs in re.findall(r"^sha256bench: (\w+) (\d+) B: ([\d.]+) MB/s", out, re.M):
        res.setdefault(eng, {})[int(size)] = float(mbs)
    return res


def openssl_rates(env_extra):
    """{size: MB/s} from `openssl speed -evp sha256` (its k = 1000 bytes/s), or {}."""
    env = dict(os.environ, **env_extra)
    try:
        p = subprocess.run(["openssl", "speed", "-evp", "sha256", "-seconds", "1"],
                           capture_output=True, text=True, env=env, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    m = re.search(r"^sha256\s+(.*)$", p.stdout, re.M)
    if not m:
        return {}
    vals = [float(v.rstrip("k")) * 1e3 / 1e6 for v in m.group(1).split()]
    return dict(zip(SIZES, vals))


def best(into, new):
    for k, v in new.items():
        into[k] = max(into.get(k, 0.0), v)


def host_rows(bindir):
    keel, ossl, ossl_nosha = {}, {}, {}
    for _ in range(ROUNDS):
        p = subprocess.run([os.path.join(bindir, "sha256bench"), "-t", "300"],
                           capture_output=True, text=True, timeout=300)
        for eng, cells in keel_rates(p.stdout).items():
            best(keel.setdefault(eng, {}), cells)
        best(ossl, openssl_rates({}))
        best(ossl_nosha, openssl_rates({"OPENSSL_ia32cap": MASK_SHA}))

    def cell(d, s):
        return f"{d[s]:.0f}" if s in d else "n/a"

    def ratio(a, b, s):
        return f"{a[s] / b[s]:.2f}" if s in a and s in b and b[s] else "n/a"

    sha, avx2, c = keel.get("shani", {}), keel.get("avx2", {}), keel.get("c", {})
    rows = ["", f"## SHA-256 on the host, natively (MB/s, best of {ROUNDS} alternating runs; "
            "docs/crypto.md)", "",
            "| size | keel c | keel avx2 | keel shani | openssl | openssl, SHA-NI masked | "
            "keel shani / openssl | keel avx2 / openssl masked |",
            "|---|---|---|---|---|---|---|---|"]
    for s in SIZES:
        rows.append(f"| {s} B | {cell(c, s)} | {cell(avx2, s)} | {cell(sha, s)} | "
                    f"{cell(ossl, s)} | {cell(ossl_nosha, s)} | {ratio(sha, ossl, s)} | "
                    f"{ratio(avx2, ossl_nosha, s)} |")
    return rows


def keel_rows(keel_run, fpu_out):
    """AVX2 vs C on keel per policy; fpu_out: {policy: fpubench output} (may be empty)."""
    rates = {}
    for policy in ("lazy", "eager"):
        p = subprocess.run([keel_run, "--timeout", "300", "--append",
                            f"fpu={policy} init=/bin/sha256bench -- -t 150"],
                           capture_output=True, text=True)
        rates[policy] = keel_rates(p.stdout)
    rows = ["", "SHA-256 on keel (QEMU TCG; user/bin/sha256bench, MB/s of the emulator: TCG "
            "runs AVX2 through helpers, so only the ratios mean anything):", "",
            "| size | fpu=lazy: c / avx2 | fpu=eager: c / avx2 |", "|---|---|---|"]
    for s in SIZES:
        cells = []
        for policy in ("lazy", "eager"):
            r = rates[policy]
            cells.append(f"{r['c'][s]:.1f} / {r['avx2'][s]:.1f}"
                         if s in r.get("c", {}) and s in r.get("avx2", {}) else "failed")
        rows.append(f"| {s} B | {cells[0]} | {cells[1]} |")
    for policy in ("lazy", "eager"):
        out = fpu_out.get(policy, "")
        none = re.search(r"yield handoff none: (\d+) ns/switch", out)
        avx = re.search(r"yield handoff avx2: (\d+) ns/switch", out)
        r = rates[policy]
        if not (none and avx and 1024 in r.get("c", {}) and 1024 in r.get("avx2", {})):
            rows.append(f"| fpu={policy}: break-even switch rate | not measured |")
            continue
        cost = int(avx.group(1)) - int(none.group(1))
        gain = r["avx2"][1024] / r["c"][1024] - 1
        if gain <= 0:
            what = "never pays (AVX2 slower than C here)"
        elif cost <= 0:
            what = "no switch cost measurable (noise), so at any rate"
        else:
            what = f"{gain / (cost * 1e-9):,.0f} switches/s"
        rows.append(f"| fpu={policy}: ymm state per switch {cost} ns (yield avx2 - none); "
                    f"AVX2 at 1 KiB stops paying above | {what} |")
    return rows
