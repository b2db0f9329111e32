/*
 * test/test_fault.c — expected faults and panics come back to the test with their facts;
 * nested catches re-arm the outer one.
 */
#include <keel/ktest.h>
#include <keel/fault.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/string.h>

KTEST(fault_catch_recovers_from_a_page_fault)
{
	struct fault_catch fc;
	volatile uint64_t *bad = (volatile uint64_t *)(SCRATCH_BASE + SCRATCH_SIZE - PAGE_SIZE);

	if (fault_catch_begin(&fc)) {
		(void)*bad;
		fault_catch_end();
		KT_ASSERT(false, "read of an unmapped address did not fault");
	}
	KT_EQ(fc.vector, 14);
	KT_EQ(fc.addr, (uintptr_t)bad);
	KT_EQ(fc.error & 0x7, 0);		/* not-present, read, supervisor */
}

KTEST(fault_catch_recovers_from_invalid_opcode_and_gp)
{
	struct fault_catch fc;
	int ud = -1, gp = -1;

	if (fault_catch_begin(&fc)) {
		__asm__ __volatile__("ud2");
		fault_catch_end();
	} else {
		ud = fc.vector;
	}
	if (fault_catch_begin(&fc)) {
		/* A non-canonical address raises #GP, not #PF. */
		(void)*(volatile uint64_t *)0x8000000000000000UL;
		fault_catch_end();
	} else {
		gp = fc.vector;
	}
	KT_EQ(ud, 6);
	KT_EQ(gp, 13);
}

KTEST(fault_catch_nests_and_catches_panics)
{
	struct fault_catch outer, inner;
	bool inner_done = false;

	if (fault_catch_begin(&outer)) {
		if (fault_catch_begin(&inner)) {
			panic("expected panic %d", 42);
		}
		inner_done = true;
		panic("second %s", "panic");
	}
	KT_ASSERT(inner_done, "inner catch did not return");
	KT_EQ(inner.vector, FAULT_PANIC);
	KT_STREQ(inner.msg, "expected panic 42");
	KT_EQ(outer.vector, FAULT_PANIC);
	KT_STREQ(outer.msg, "second panic");
}

KTEST(assert_failure_is_a_panic_naming_the_condition)
{
	struct fault_catch fc;
	volatile int x = 1;

	if (fault_catch_begin(&fc)) {
		assert(x == 2);
		fault_catch_end();
	}
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "x == 2"), "message: %s", fc.msg);
}
