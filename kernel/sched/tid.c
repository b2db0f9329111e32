/*
 * sched/tid.c — thread IDs, the numbers gettid, getpid, kill and wait name (a PID is its
 * leader thread's TID).
 *
 * IDs run from 1 to TID_MAX - 1 (0 is the idle threads', 1 is init's, reserved at build
 * time). They are handed out in increasing order from a cursor; past the top the cursor wraps
 * to TID_WRAP_MIN, as Linux's does at pid_max to RESERVED_PIDS, and IDs still held are
 * skipped, so a number comes back only after a full turn and only once nothing names it. An
 * ID is held from tid_alloc until tid_free: a kernel thread's until it is joined, a user
 * thread's until the reaper frees it, a PID until its process is reaped and no process group
 * or session is named by it any more (proc/exit.c decides when).
 *
 * Locking: tid_lock guards the bitmap and the cursor; it nests inside proc_tree_lock.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/panic.h>
#include <keel/proc.h>

#define WORD_BITS	64

static uint64_t tid_bits[TID_MAX / WORD_BITS] = { 0x3 };	/* 0 and INIT_PID */
static int tid_cursor = INIT_PID + 1;
static int tid_held = 2;
static int tid_last_given = INIT_PID;
static struct spinlock tid_lock = SPINLOCK_INIT("tid");

static bool tid_test(int id)
{
	return tid_bits[id / WORD_BITS] & (1ULL << (id % WORD_BITS));
}

/* The first free ID in [from, to), or -1 (tid_lock held). Skips full words. */
static int tid_scan(int from, int to)
{
	for (int id = from; id < to;) {
		if (id % WORD_BITS == 0 && tid_bits[id / WORD_BITS] == ~0ULL) {
			id += WORD_BITS;
			continue;
		}
		if (!tid_test(id))
			return id;
		id++;
	}
	return -1;
}

int tid_alloc(void)
{
	bool f = spin_lock_irqsave(&tid_lock);
	int id = tid_scan(tid_cursor, TID_MAX);

	if (id < 0)
		id = tid_scan(TID_WRAP_MIN, tid_cursor);
	if (id >= 0) {
		tid_bits[id / WORD_BITS] |= 1ULL << (id % WORD_BITS);
		tid_held++;
		__atomic_store_n(&tid_last_given, id, __ATOMIC_RELAXED);
		tid_cursor = id + 1 < TID_MAX ? id + 1 : TID_WRAP_MIN;
	}
	spin_unlock_irqrestore(&tid_lock, f);
	return id < 0 ? -EAGAIN : id;
}

void tid_free(int id)
{
	bool f, held;

	if (id <= INIT_PID || id >= TID_MAX)
		panic("tid_free(%d): not an ID tid_alloc hands out", id);
	f = spin_lock_irqsave(&tid_lock);
	held = tid_test(id);
	if (held) {
		tid_bits[id / WORD_BITS] &= ~(1ULL << (id % WORD_BITS));
		tid_held--;
	}
	spin_unlock_irqrestore(&tid_lock, f);
	if (!held)
		panic("tid_free(%d): the ID is not held (freed twice?)", id);
}

bool tid_is_held(int id)
{
	bool f, held;

	if (id < 0 || id >= TID_MAX)
		return false;
	f = spin_lock_irqsave(&tid_lock);
	held = tid_test(id);
	spin_unlock_irqrestore(&tid_lock, f);
	return held;
}

int tid_count(void)
{
	return __atomic_load_n(&tid_held, __ATOMIC_RELAXED);
}

int tid_last(void)
{
	return __atomic_load_n(&tid_last_given, __ATOMIC_RELAXED);
}
