/*
 * test/ktest.c — the in-kernel test runner (see keel/ktest.h).
 *
 * The runner is a kernel thread pinned to the boot CPU (kmain starts it). Each test runs with a
 * fault catch armed around it — catches belong to the thread, so only a fault or panic of the
 * test's own thread is caught: that test is reported FAIL with the reason, and the run goes
 * on. After each test the heap's live-object count and the frames outside slab caches must be
 * back where they were (kernel-stack slots kept for reuse are the allocator's reserve, not a
 * leak), and the test must not have left preemption disabled (a spinlock held).
 */
#include <keel/ktest.h>
#include <keel/arch.h>
#include <keel/cmdline.h>
#include <keel/fault.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/kstack.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/preempt.h>
#include <keel/printf.h>
#include <keel/string.h>

extern const struct ktest __ktests_start[], __ktests_end[];

static bool requested;
static char glob[64] = "*";

static int set_ktest(const char *v)
{
	if (v && (!*v || strlen(v) >= sizeof(glob)))
		return -1;
	requested = true;
	if (v)
		strlcpy(glob, v, sizeof(glob));
	return 0;
}
CMDLINE_PARAM("ktest", set_ktest, "ktest or ktest=GLOB[,GLOB...]");

bool ktest_requested(void)
{
	return requested;
}

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	t->failed = true;
	n = snprintf(t->why, sizeof(t->why), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(t->why + n, sizeof(t->why) - n, fmt, ap);
	va_end(ap);
}

void ktest_skip(struct ktest_ctx *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;
	t->skipped = true;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

/* Frames in use other than by slab caches (whose empty-slab reserve may legitimately grow). */
static size_t frames_in_use(void)
{
	struct frame_stats st;
	struct heap_stats hs;

	frame_stats(&st);
	heap_stats(&hs);
	return st.total_pages - st.free_pages - hs.slab_pages;
}

/* Live heap objects other than the kernel-stack allocator's records of free slots. */
static size_t heap_objects(void)
{
	struct heap_stats hs;

	heap_stats(&hs);
	return hs.live_objects - kstack_free_slots();
}

static void run_one(const struct ktest *kt, struct ktest_ctx *t)
{
	struct fault_catch fc;
	size_t h0 = heap_objects(), h1, f0 = frames_in_use(), f1;
	int pc;

	*t = (struct ktest_ctx){ .name = kt->name };
	if (fault_catch_begin(&fc)) {
		kt->fn(t);
		fault_catch_end();
	} else if (fc.vector == FAULT_PANIC) {
		ktest_fail(t, "ktest", 0, "unexpected panic: %s", fc.msg);
	} else {
		ktest_fail(t, "ktest", 0, "unexpected exception %d at rip %#lx (addr %#lx)",
			   fc.vector, fc.rip, fc.addr);
	}
	pc = preempt_count();
	if (pc) {
		ktest_fail(t, "ktest", 0, "left preempt_count at %d (a spinlock still held?)", pc);
		while (preempt_count())
			preempt_enable_no_resched();
	}
	h1 = heap_objects();
	f1 = frames_in_use();
	if (h1 != h0)
		ktest_fail(t, "ktest", 0, "leaked %ld heap objects", (long)(h1 - h0));
	else if (f1 != f0)
		ktest_fail(t, "ktest", 0, "leaked %ld frames", (long)(f1 - f0));
}

/* True when name matches one of the comma-separated globs in pattern. */
static bool matches(const char *pattern, const char *name)
{
	char one[64];

	while (*pattern) {
		const char *comma = strchr(pattern, ',');
		size_t len = comma ? (size_t)(comma - pattern) : strlen(pattern);

		if (len < sizeof(one)) {
			memcpy(one, pattern, len);
			one[len] = '\0';
			if (glob_match(one, name))
				return true;
		}
		pattern += len + (comma != NULL);
	}
	return false;
}

void ktest_print_summary(int passed, int failed, int skipped)
{
	if (skipped)
		kprintf("ktest: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		kprintf("ktest: %d passed, %d failed\n", passed, failed);
}

int ktest_run(const char *pattern, int *passed, int *skipped)
{
	struct ktest_ctx t;
	int failed = 0;

	*passed = *skipped = 0;
	for (const struct ktest *kt = __ktests_start; kt < __ktests_end; kt++) {
		if (!matches(pattern, kt->name))
			continue;
		run_one(kt, &t);
		if (t.failed) {
			kprintf("FAIL %s: %s\n", kt->name, t.why);
			failed++;
		} else if (t.skipped) {
			kprintf("SKIP %s: %s\n", kt->name, t.why);
			(*skipped)++;
		} else {
			kprintf("PASS %s\n", kt->name);
			(*passed)++;
		}
	}
	return failed;
}

__noreturn void ktest_run_and_poweroff(void)
{
	int passed, failed, skipped;

	panic_poweroff = true;
	pr_info("ktest: running tests matching \"%s\"\n", glob);
	failed = ktest_run(glob, &passed, &skipped);
	ktest_print_summary(passed, failed, skipped);
	arch_poweroff(failed ? 1 : 0);
}
