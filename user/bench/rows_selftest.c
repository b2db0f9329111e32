/*
 * user/bench/rows_selftest.c — rows that go wrong on purpose, to prove the harness reports a
 * crashing row and kills a hanging one and then goes on (tests/run_tests.py runs them). They
 * run only when named: `bench -t 2 selftest`.
 */
#include "bench.h"

#include <signal.h>
#include <unistd.h>

static const char *row_crash(long *n, uint64_t *ticks)
{
	raise(SIGSEGV);
	return fail("still alive after SIGSEGV");
}

static const char *__attribute__((noreturn)) row_hang(long *n, uint64_t *ticks)
{
	for (;;)
		pause();
}

static const char *row_fails(long *n, uint64_t *ticks)
{
	return fail("on purpose");
}

const struct bench_row bench_rows_selftest[] = {
	{ "selftest_crash", "harness self-test: the row's process dies of SIGSEGV", 1, 1,
	  row_crash },
	{ "selftest_hang", "harness self-test: the row never ends (killed at -t)", 1, 1,
	  row_hang },
	{ "selftest_fail", "harness self-test: the row reports a failure", 1, 1, row_fails },
	{ 0 }
};
