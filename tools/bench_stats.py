"""tools/bench_stats.py — how `make bench` turns several boots into one table (issue 22).

keel and Linux boot alternately, ABAB..., `--boots` times each (default 3), so that a slow
patch of this shared host falls on both systems rather than on one. Each boot gives, per row,
the median of the binary's repetitions; across the boots a system's cell is the median of
those medians, and its spread is their min – max. A ratio keel/Linux is *resolved* only when
the two spreads do not overlap: the interval [keel min / Linux max, keel max / Linux min] lies
wholly below or wholly above 1.0. Otherwise the table prints the ratio as unresolved: one
boot cannot tell a regression from noise, and neither can overlapping boots.

`--load` runs the same boots while a host-side CPU hog (a busy loop in a child process, bounded
by a deadline and killed when the runs end) occupies one host core, for both systems alike.
"""
import os
import signal
import statistics
import subprocess
import sys


def combine(runs, make_run):
    """One Run-like result from several boots of one system: rows as median/min/max of the
    per-boot medians (with n, the boots that gave the row), boot times as medians."""
    agg = make_run(runs[0].name)
    agg.boots = runs
    agg.log = runs[-1].log
    agg.facts = dict(runs[0].facts)
    for r in runs:
        for key, what in r.whats.items():
            agg.whats.setdefault(key, what)
    for key in agg.whats:
        vals = [r.rows[key]["median"] for r in runs
                if isinstance(r.rows.get(key), dict) and "median" in r.rows[key]]
        fails = [r.rows[key] for r in runs if isinstance(r.rows.get(key), str)]
        if vals:
            agg.rows[key] = {"median": statistics.median(vals), "min": min(vals),
                             "max": max(vals), "n": len(vals)}
        elif fails:
            agg.rows[key] = fails[0]
    starts = [r.start_host_s for r in runs if r.start_host_s is not None]
    agg.start_host_s = statistics.median(starts) if starts else None
    tscs = [float(r.facts["boot_ns"]) for r in runs if "boot_ns" in r.facts]
    if tscs:
        agg.facts["boot_ns"] = str(statistics.median(tscs))
    failed = [r.error for r in runs if r.error]
    agg.done = any(r.done for r in runs)
    if len(failed) == len(runs):
        agg.error = failed[0]
    agg.partial = (f"{len(failed)} of {len(runs)} boots failed: {failed[0]}"
                   if failed and len(failed) < len(runs) else None)
    return agg


def verdict(k, l):
    """(ratio or None, text) for keel's and Linux's combined rows."""
    if not isinstance(k, dict) or not isinstance(l, dict) or l["median"] <= 0 or l["min"] <= 0:
        return None, "–"
    q = k["median"] / l["median"]
    lo, hi = k["min"] / l["max"], k["max"] / l["min"]
    if min(k.get("n", 1), l.get("n", 1)) < 2:
        return q, f"{q:.2f} (one boot: unresolved)"
    if lo <= 1.0 <= hi:
        return q, f"{q:.2f} (unresolved: {lo:.2f} – {hi:.2f})"
    return q, f"**{q:.2f}** ({lo:.2f} – {hi:.2f})"


class CpuHog:
    """A busy loop on the host for the length of a with-block (at most limit_s seconds)."""

    CODE = "import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"

    def __init__(self, limit_s):
        self.limit_s = limit_s
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", self.CODE.format(limit=self.limit_s)],
                                     start_new_session=True)
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def spread_note(boots, load):
    """The method line printed above the table."""
    return (f"Each system booted {boots} times, alternating (keel, Linux, keel, ...)"
            + (", while a host CPU hog kept one of the host's cores busy (`--load`)" if load
               else "") + ". A cell is the median over the boots of each boot's median, with "
            "the min – max of those boot medians; a ratio is **bold** only when the two "
            "spreads do not overlap (keel min / Linux max to keel max / Linux min all on one "
            "side of 1.0), and *unresolved* otherwise.")

