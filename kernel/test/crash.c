/*
 * test/crash.c — the boot word `crash=KIND` makes the kernel fail on purpose after boot, so the
 * integration tests can check the whole fatal path end to end: the report, the backtrace, the
 * IST stack for #DF, and that the machine stops instead of rebooting.
 *
 * KIND: pf (write to an unmapped address), ud (invalid opcode), gp (non-canonical access),
 * stack (overflow into the boot stack's guard page: #PF cannot be delivered, so #DF on its
 * IST stack), panic (an explicit panic).
 */
#include <keel/cmdline.h>
#include <keel/ktest.h>
#include <keel/log.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/string.h>

extern char boot_stack_guard[];

static char kind[16];

static int set_crash(const char *v)
{
	static const char *const kinds[] = { "pf", "ud", "gp", "stack", "panic" };

	for (size_t i = 0; v && i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(v, kinds[i]) == 0) {
			strlcpy(kind, v, sizeof(kind));
			return 0;
		}
	}
	return -1;
}
CMDLINE_PARAM("crash", set_crash, "crash=pf|ud|gp|stack|panic");

/* noinline: each is a named frame in the expected backtrace. */
static __attribute__((noinline)) void crash_page_fault(void)
{
	*(volatile uint64_t *)(SCRATCH_BASE + 0xdead000) = 1;
}

static __attribute__((noinline)) void crash_stack_overflow(void)
{
	__asm__ __volatile__("movq %0, %%rsp\n\tpushq $0" ::
			     "r"(boot_stack_guard + PAGE_SIZE - 8) : "memory");
}

bool crash_requested(void)
{
	return kind[0] != '\0';
}

void crash_now(void)
{
	pr_info("crash: failing on purpose (crash=%s)\n", kind);
	panic_poweroff = true;
	if (strcmp(kind, "pf") == 0)
		crash_page_fault();
	else if (strcmp(kind, "ud") == 0)
		__asm__ __volatile__("ud2");
	else if (strcmp(kind, "gp") == 0)
		(void)*(volatile uint64_t *)0x8000000000000000UL;
	else if (strcmp(kind, "stack") == 0)
		crash_stack_overflow();
	else
		panic("crash test: explicit panic requested");
	panic("crash=%s did not crash", kind);
}
