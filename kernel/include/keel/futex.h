/*
 * keel/futex.h — fast user-space mutexes (kernel/proc/futex.c).
 *
 * futex(2) with FUTEX_WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE and CMP_REQUEUE, the
 * PRIVATE_FLAG and CLOCK_REALTIME modifiers; other operations are -ENOSYS. A futex is named by
 * a key: (the caller's mm, the user address) for private futexes and for shared requests on
 * private memory, (physical address) for shared requests on MAP_SHARED memory, so that
 * different processes mapping the same page meet. Waiters sleep on a hash table of buckets
 * sized at boot from the CPU count.
 */
#ifndef KEEL_FUTEX_H
#define KEEL_FUTEX_H

#include <keel/types.h>
#include <keel/uaccess.h>

#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_CMD_MASK		(~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY	0xffffffffu

/* What a futex is: space is an mm pointer (private), FUTEX_SPACE_PHYS (addr is physical) or,
 * for in-kernel users and tests, FUTEX_SPACE_KERNEL (addr is a kernel address). */
struct futex_key {
	uintptr_t space;
	uintptr_t addr;
};
#define FUTEX_SPACE_PHYS	((uintptr_t)1)
#define FUTEX_SPACE_KERNEL	((uintptr_t)2)

static inline bool futex_key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* The bucket of a key in a table of 2^bits buckets (a 64-bit multiplicative hash of both
 * words; pure, host-tested). */
static inline unsigned futex_hash(const struct futex_key *k, unsigned bits)
{
	uint64_t h = (k->addr >> 2) * 0x9e3779b97f4a7c15ULL;

	h ^= (k->space >> 4) * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return bits ? (unsigned)(h >> (64 - bits)) : 0;
}

/* Allocates the bucket table; once at boot, after the heap and smp_init. */
void futex_init(void);
/* Wakes up to n waiters of the futex at uaddr in the calling process (private_: the private
 * key; otherwise the shared key). For the exit path's CLONE_CHILD_CLEARTID wake. Returns the
 * number woken, or -EFAULT/-EINVAL for a bad or unaligned address. */
int futex_wake(uint32_t __user *uaddr, bool private_, int n);

/* The core on resolved keys (the syscall uses these; so do the ktests, with kernel words).
 * word is a user pointer unless key->space == FUTEX_SPACE_KERNEL. deadline is a time_ns()
 * value, 0 for none. */
long futex_wait_key(const struct futex_key *key, const uint32_t *word, uint32_t val,
		    uint32_t bitset, uint64_t deadline);
long futex_wake_key(const struct futex_key *key, int n, uint32_t bitset);
/* Wakes up to nr_wake waiters of key and moves up to nr_requeue more to key2; returns how
 * many were woken or moved. With kword (a kernel mapping of the futex word: the direct map of
 * its page for a user futex) first checks *kword == cmpval with both queues locked, so no
 * waker can change it unseen (-EAGAIN if it differs). */
long futex_requeue_key(const struct futex_key *key, const struct futex_key *key2, int nr_wake,
		       int nr_requeue, const uint32_t *kword, uint32_t cmpval);

#endif
