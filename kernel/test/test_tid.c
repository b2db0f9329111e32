/*
 * test/test_tid.c — thread IDs (sched/tid.c): ascending hand-out, exhaustion with -EAGAIN,
 * reuse after the wrap, and the panic on a double free.
 *
 * The tests hold every free ID for a moment, so nothing else may create a thread meanwhile:
 * ktests run one at a time, and the kernel's own threads are all started before them.
 */
#include <keel/ktest.h>
#include <keel/errno.h>
#include <keel/fault.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/string.h>

KTEST(tid_ids_ascend_and_are_freed)
{
	int before = tid_count(), a = tid_alloc(), b = tid_alloc();

	KT_ASSERT(a > INIT_PID && b > INIT_PID, "got %d and %d", a, b);
	KT_ASSERT(b > a || b >= TID_WRAP_MIN, "%d after %d: not ascending", b, a);
	KT_ASSERT(tid_is_held(a) && tid_is_held(b), "allocated IDs not held");
	KT_EQ(tid_count(), before + 2);
	tid_free(a);
	tid_free(b);
	KT_ASSERT(!tid_is_held(a) && !tid_is_held(b), "freed IDs still held");
	KT_EQ(tid_count(), before);
}

/* Takes every free ID: the next call says -EAGAIN and every ID from TID_WRAP_MIN up is held;
 * an ID given back is the one handed out next (the cursor wraps to it), and no ID is ever
 * out of range. Everything is given back before the checks, so a failure leaks nothing. */
KTEST(tid_exhaustion_and_reuse_after_wrap)
{
	int before = tid_count(), n = 0, *ids = kmalloc(sizeof(int) * TID_MAX);
	int id, again = 0, reused = 0, victim = 0, bad = 0, unheld = 0;

	KT_ASSERT(ids, "kmalloc failed");
	while (n < TID_MAX && (id = tid_alloc()) >= 0)
		ids[n++] = id;
	for (int i = TID_WRAP_MIN; i < TID_MAX; i++)
		unheld += !tid_is_held(i);
	for (int i = 0; i < n; i++)
		bad += ids[i] <= INIT_PID || ids[i] >= TID_MAX;
	if (n) {
		victim = ids[n / 2] >= TID_WRAP_MIN ? ids[n / 2] : ids[n - 1];
		tid_free(victim);
		reused = tid_alloc();
		again = tid_alloc();
	}
	for (int i = 0; i < n; i++)
		if (ids[i] != victim || reused == victim)
			tid_free(ids[i]);
	if (again > 0)
		tid_free(again);
	kfree(ids);
	KT_EQ(id, -EAGAIN);
	KT_EQ(unheld, 0);
	KT_EQ(bad, 0);
	KT_ASSERT(n > 1000, "only %d IDs were free", n);
	KT_EQ(reused, victim);
	KT_EQ(again, -EAGAIN);
	KT_EQ(tid_count(), before);
}

KTEST(tid_double_free_panics)
{
	struct fault_catch fc;
	int id = tid_alloc();

	KT_ASSERT(id > 0, "tid_alloc: %d", id);
	tid_free(id);
	if (fault_catch_begin(&fc)) {
		tid_free(id);
		fault_catch_end();
		KT_ASSERT(false, "a double free of TID %d went unnoticed", id);
	}
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "not held"), "panic said: %s", fc.msg);
}
