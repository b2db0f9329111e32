/*
 * keel/hpet.h — the HPET main counter: a fixed-rate clock to calibrate the others against.
 *
 * hpet_init() maps the block the ACPI HPET table names, checks its period (0 < period <= 100 ns
 * as the specification allows), turns legacy replacement routing off and starts the main
 * counter. Only the counter is used; the comparators are left disabled. After init the
 * functions may be called from any CPU and any context.
 */
#ifndef KEEL_HPET_H
#define KEEL_HPET_H

#include <keel/types.h>

/* 0, or -ENOENT (no HPET table, or acpi_init has not run) / -EIO (absent or insane block). */
int hpet_init(void);
bool hpet_available(void);
/* Main counter ticks since it was started; monotonic, 64 bits even on a 32-bit counter
 * (extended in software, as long as it is read at least once per 2^31 ticks). 0 without HPET. */
uint64_t hpet_read_counter(void);
/* Counter frequency in Hz (10^15 / period in fs, rounded down); 0 without HPET. */
uint64_t hpet_counter_hz(void);
/* Counter period in femtoseconds; 0 without HPET. */
uint64_t hpet_period_fs(void);
/* How far read_cycles() advances in ns nanoseconds (1 <= ns <= 1 s) of HPET time: spins for
 * that long, from one counter edge, and scales the count to exactly ns. 0 without HPET, for
 * ns out of range, or when the counter stalls. */
uint64_t hpet_calibrate_cycles(uint64_t ns, uint64_t (*read_cycles)(void));

#endif
