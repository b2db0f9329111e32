/*
 * keel/ktest.h — in-kernel tests.
 *
 * A test is a function registered with KTEST(name) into the .ktests section. The boot word
 * `ktest` (all) or `ktest=GLOB[,GLOB...]` runs the tests matching any glob after boot, prints
 * `PASS name` or `FAIL name: why` (or `SKIP name: why`) for each and `ktest: N passed, N
 * failed` (with `, N skipped` when a test could not run here), then powers off with the verdict.
 * A test fails at its first failed check; it also fails if it leaks heap objects or frames.
 *
 *	KTEST(frame_alloc_merges_buddies) {
 *		KT_ASSERT(p != NULL, "order-0 allocation failed");
 *		KT_EQ(st.free_pages, before);
 *	}
 */
#ifndef KEEL_KTEST_H
#define KEEL_KTEST_H

#include <keel/types.h>

struct ktest_ctx {
	const char *name;
	bool failed;
	bool skipped;			/* KT_SKIP: this machine lacks what the test needs */
	char why[200];
};

struct ktest {
	const char *name;
	void (*fn)(struct ktest_ctx *t);
};

#define KTEST(tname) \
	static void ktest_##tname(struct ktest_ctx *t); \
	static const struct ktest ktest_desc_##tname __section(".ktests") __used __aligned(8) = \
		{ #tname, ktest_##tname }; \
	static void ktest_##tname(struct ktest_ctx *t)

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
	__printf(4, 5);
void ktest_skip(struct ktest_ctx *t, const char *fmt, ...) __printf(2, 3);

#define KT_ASSERT(cond, ...) \
	do { \
		if (!(cond)) { \
			ktest_fail(t, __FILE__, __LINE__, __VA_ARGS__); \
			return; \
		} \
	} while (0)

/* The test cannot run on this machine (a device or CPU feature is absent): reported as SKIP,
 * never as a pass. */
#define KT_SKIP(...) \
	do { \
		ktest_skip(t, __VA_ARGS__); \
		return; \
	} while (0)

/* Integer equality with both values in the failure message. */
#define KT_EQ(got, want) \
	do { \
		uint64_t __g = (uint64_t)(got), __w = (uint64_t)(want); \
		if (__g != __w) { \
			ktest_fail(t, __FILE__, __LINE__, "%s: expected %#lx, got %#lx", #got, \
				   __w, __g); \
			return; \
		} \
	} while (0)

#define KT_STREQ(got, want) \
	do { \
		const char *__g = (got), *__w = (want); \
		if (strcmp(__g, __w) != 0) { \
			ktest_fail(t, __FILE__, __LINE__, "%s: expected \"%s\", got \"%s\"", #got, \
				   __w, __g); \
			return; \
		} \
	} while (0)

bool ktest_requested(void);
__noreturn void ktest_run_and_poweroff(void);
/* The `crash=KIND` boot word (test/crash.c): a deliberate fatal error after boot. */
bool crash_requested(void);
void crash_now(void);
/* Runs the tests matching glob; returns the number that failed. */
int ktest_run(const char *glob, int *passed, int *skipped);
/* The `ktest: N passed, N failed[, N skipped]` line. */
void ktest_print_summary(int passed, int failed, int skipped);

#endif
