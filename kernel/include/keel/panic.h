/*
 * keel/panic.h — fatal kernel errors and assertions.
 *
 * panic() prints its message, the CPU state and a symbolized backtrace, then stops all work:
 * it halts, or powers off with a failure verdict when a test run asked for that. A test may
 * arm a catch (ktest_expect_panic) to prove that a check fires; then panic returns there.
 */
#ifndef KEEL_PANIC_H
#define KEEL_PANIC_H

#include <keel/types.h>

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* The two halves of every fatal path: take the console and stop other CPUs; then stop this one
 * (power off with PANIC_EXIT_STATUS when panic_poweroff is set, else halt). */
void panic_begin(void);
__noreturn void panic_stop(void);
extern bool panic_poweroff;
#define PANIC_EXIT_STATUS	3

#define assert(cond) \
	do { \
		if (unlikely(!(cond))) \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
