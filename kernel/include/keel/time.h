/*
 * keel/time.h — monotonic time since boot.
 *
 * Until time_init() has calibrated the cycle counter, time_ns() returns 0. Afterwards it is a
 * monotonic nanosecond count from kernel entry (the first rdtsc in boot.S).
 */
#ifndef KEEL_TIME_H
#define KEEL_TIME_H

#include <keel/types.h>

#define NSEC_PER_SEC	1000000000UL

void time_init(void);
/* Switches to a better-measured cycle rate without a jump in time_ns(). */
void time_recalibrate(uint64_t hz);
uint64_t time_ns(void);
/* Nanoseconds represented by a cycle-count difference. */
uint64_t time_cycles_to_ns(uint64_t cycles);

#endif
