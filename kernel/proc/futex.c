/*
 * proc/futex.c — futex(2): sleeping on a user word until another thread says it changed.
 *
 * Waiters are records on the sleeping thread's stack, queued on the bucket their key hashes to
 * (a table sized at boot, 256 buckets per CPU). A bucket's lock guards its queue and, for each
 * queued waiter, w->key, w->bucket and w->woken. A waker unlinks a waiter and sets woken under
 * the bucket lock; the waiter decides its outcome (woken, signal, timeout) under the same
 * lock, so a wakeup is never lost to a racing timeout or signal, and the waker is done with
 * the record before the waiter can return and pop it.
 *
 * The FUTEX_WAIT value check without holding a lock across the user read: get_user_u32 may
 * fault and sleep, so it cannot run under a bucket spinlock (Linux reads with page faults
 * disabled and retries; keel has no such mode). Instead the waiter queues itself first and
 * reads the word second. A waker stores the new value and then scans the bucket under its
 * lock. If that scan saw the waiter, the waiter is woken; if it did not, the scan finished
 * before the waiter's enqueue took the lock, so the waker's store is visible to the read that
 * follows the enqueue, which then fails the compare (-EAGAIN). Either way nothing sleeps
 * through a change. A waiter that was woken while still checking returns 0, not -EAGAIN: it
 * consumed that wakeup and must not make it vanish.
 *
 * Sleeping: a user thread blocks holding its sighand lock (see syscall/sleep.c), so a waker
 * that wakes it takes that lock too (bucket lock, then sighand lock). A kernel thread (tests)
 * gets no signals and blocks with its bucket lock.
 *
 * CMP_REQUEUE must compare the word with both queues locked: it reads it through the kernel's
 * direct map of the page, resolved (and made private to this mm, breaking copy-on-write)
 * before locking, so a later write by another thread lands on the page being read.
 */
#include <keel/futex.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/list.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uvm.h>
#include <keel/vm.h>

#define BUCKETS_PER_CPU	256

struct futex_bucket {
	struct spinlock lock;
	struct list_node waiters;	/* struct futex_waiter.node, FIFO */
};

struct futex_waiter {
	struct list_node node;
	struct futex_key key;		/* bucket lock: requeue changes it */
	uint32_t bitset;
	struct thread *thread;
	struct spinlock *wake_lock;	/* its sighand lock, NULL for a kernel thread */
	struct futex_bucket *bucket;	/* changes only with both buckets' locks held */
	bool woken;			/* set (and node unlinked) by a waker */
};

static struct futex_bucket *buckets;
static unsigned hash_bits;

void futex_init(void)
{
	unsigned want = BUCKETS_PER_CPU * MAX(smp_cpu_count(), 1u), n;

	for (hash_bits = 0; (1u << hash_bits) < want; hash_bits++)
		;
	n = 1u << hash_bits;
	buckets = kzalloc(n * sizeof(*buckets));
	if (!buckets)
		panic("futex_init: no memory for %u hash buckets", n);
	for (unsigned i = 0; i < n; i++) {
		spin_init(&buckets[i].lock, "futex");
		list_init(&buckets[i].waiters);
	}
}

static struct futex_bucket *bucket_of(const struct futex_key *k)
{
	return &buckets[futex_hash(k, hash_bits)];
}

/* Locks the bucket w is queued on now (a requeue may move it meanwhile). Interrupts off. */
static struct futex_bucket *lock_waiter_bucket(struct futex_waiter *w)
{
	for (;;) {
		struct futex_bucket *b = READ_ONCE(w->bucket);

		spin_lock(&b->lock);
		if (b == w->bucket)
			return b;
		spin_unlock(&b->lock);
	}
}

/* With w's bucket locked: unlinks w and wakes its thread. */
static void wake_waiter_locked(struct futex_waiter *w)
{
	struct thread *t = w->thread;
	struct spinlock *wl = w->wake_lock;

	list_remove(&w->node);
	if (wl)
		spin_lock(wl);
	WRITE_ONCE(w->woken, true);
	sched_wake(t);
	if (wl)
		spin_unlock(wl);
}

/* Takes w off its queue unless a waker already did; true if it was still queued. */
static bool dequeue(struct futex_waiter *w)
{
	bool f = arch_irq_save(), queued;
	struct futex_bucket *b = lock_waiter_bucket(w);

	queued = !w->woken;
	if (queued)
		list_remove(&w->node);
	spin_unlock(&b->lock);
	arch_irq_restore(f);
	return queued;
}

static bool expired(uint64_t deadline)
{
	return deadline && time_ns() >= deadline;
}

/* Under w's bucket lock: 0 woken, -ERESTARTSYS signal, -ETIMEDOUT, or 1 to sleep again. A
 * wakeup wins over a signal or timeout that arrived at the same time. */
static long wait_outcome_locked(struct futex_waiter *w, uint64_t deadline)
{
	bool sig = false;

	if (w->woken)
		return 0;
	if (w->wake_lock) {
		spin_lock(w->wake_lock);
		sig = sleep_signal_pending_locked();
		spin_unlock(w->wake_lock);
	}
	if (sig || expired(deadline)) {
		list_remove(&w->node);
		return sig ? -ERESTARTSYS : -ETIMEDOUT;
	}
	return 1;
}

/* Sleeps with w queued until it is woken, a signal is pending or the deadline passes. */
static long wait_queued(struct futex_waiter *w, uint64_t deadline)
{
	for (;;) {
		bool f = arch_irq_save();
		struct futex_bucket *b;
		struct spinlock *lk;
		long ret;

		lk = w->wake_lock ? w->wake_lock : &lock_waiter_bucket(w)->lock;
		if (w->wake_lock)
			spin_lock(lk);
		if (READ_ONCE(w->woken) || sleep_signal_pending_locked() || expired(deadline))
			spin_unlock(lk);
		else
			sched_block(lk, deadline);	/* releases lk */
		b = lock_waiter_bucket(w);
		ret = wait_outcome_locked(w, deadline);
		spin_unlock(&b->lock);
		arch_irq_restore(f);
		if (ret != 1)
			return ret;
	}
}

static int read_word(const struct futex_key *key, const uint32_t *word, uint32_t *val)
{
	if (key->space == FUTEX_SPACE_KERNEL) {
		*val = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		return 0;
	}
	return get_user_u32(val, word);
}

long futex_wait_key(const struct futex_key *key, const uint32_t *word, uint32_t val,
		    uint32_t bitset, uint64_t deadline)
{
	struct futex_waiter w = {
		.key = *key, .bitset = bitset, .thread = thread_current(),
		.wake_lock = sleep_signal_lock(), .bucket = bucket_of(key),
	};
	uint32_t cur;
	int err;
	bool f;

	if (!bitset)
		return -EINVAL;
	sched_might_sleep("futex_wait");
	f = spin_lock_irqsave(&w.bucket->lock);
	list_append(&w.bucket->waiters, &w.node);
	spin_unlock_irqrestore(&w.bucket->lock, f);
	/* Queued first, read second: see the top of the file. */
	err = read_word(key, word, &cur);
	if (err || cur != val)
		return dequeue(&w) ? (err ? err : -EAGAIN) : 0;
	return wait_queued(&w, deadline);
}

static struct futex_waiter *next_waiter(struct list_node *n)
{
	return list_entry(n, struct futex_waiter, node);
}

long futex_wake_key(const struct futex_key *key, int n, uint32_t bitset)
{
	struct futex_bucket *b = bucket_of(key);
	struct list_node *it, *next;
	bool f;
	int woken = 0;

	if (!bitset)
		return -EINVAL;
	f = spin_lock_irqsave(&b->lock);
	for (it = b->waiters.next; it != &b->waiters; it = next) {
		struct futex_waiter *w = next_waiter(it);

		next = it->next;
		if (!futex_key_eq(&w->key, key) || !(w->bitset & bitset))
			continue;
		wake_waiter_locked(w);
		if (++woken >= n)	/* as Linux: n <= 0 still wakes one */
			break;
	}
	spin_unlock_irqrestore(&b->lock, f);
	return woken;
}

/* Locks two buckets in address order (once if they are the same). Interrupts off. */
static void lock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (a > b) {
		struct futex_bucket *t = a;

		a = b;
		b = t;
	}
	spin_lock(&a->lock);
	if (b != a)
		spin_lock(&b->lock);
}

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (b != a)
		spin_unlock(&b->lock);
	spin_unlock(&a->lock);
}

long futex_requeue_key(const struct futex_key *key, const struct futex_key *key2, int nr_wake,
		       int nr_requeue, const uint32_t *kword, uint32_t cmpval)
{
	struct futex_bucket *b1 = bucket_of(key), *b2 = bucket_of(key2);
	struct list_node *it, *next, moved;
	int woken = 0, nmoved = 0;
	bool f;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	list_init(&moved);
	f = arch_irq_save();
	lock_two(b1, b2);
	if (kword && __atomic_load_n(kword, __ATOMIC_SEQ_CST) != cmpval) {
		unlock_two(b1, b2);
		arch_irq_restore(f);
		return -EAGAIN;
	}
	for (it = b1->waiters.next; it != &b1->waiters; it = next) {
		struct futex_waiter *w = next_waiter(it);

		next = it->next;
		if (!futex_key_eq(&w->key, key))
			continue;
		if (woken < nr_wake) {
			wake_waiter_locked(w);
			woken++;
		} else if (nmoved < nr_requeue) {
			/* Collected aside first: when b1 == b2 the loop must not meet them again. */
			list_remove(&w->node);
			list_append(&moved, &w->node);
			w->key = *key2;
			WRITE_ONCE(w->bucket, b2);
			nmoved++;
		} else {
			break;
		}
	}
	while (!list_empty(&moved)) {
		struct futex_waiter *w = list_first(&moved, struct futex_waiter, node);

		list_remove(&w->node);
		list_append(&b2->waiters, &w->node);
	}
	unlock_two(b1, b2);
	arch_irq_restore(f);
	return woken + nmoved;
}

/* ---- user keys and the syscall ---- */

/* True when uaddr lies in a MAP_SHARED mapping of mm. */
static bool in_shared_vma(struct mm *mm, uintptr_t uaddr)
{
	bool shared = false;

	mutex_lock(&mm->lock);
	list_for_each(n, &mm->vmas) {
		struct vma *v = list_entry(n, struct vma, node);

		if (uaddr < v->start)
			break;
		if (uaddr < v->end) {
			shared = v->flags & VMA_SHARED;
			break;
		}
	}
	mutex_unlock(&mm->lock);
	return shared;
}

/*
 * The key of the futex word at uaddr. Private requests, and shared ones on private memory
 * (which no other process can see), are keyed by (mm, address); shared requests on MAP_SHARED
 * memory by physical address. Linux keeps private and shared keys of private memory apart;
 * keel lets them meet, which can only add wakeups (always allowed), never lose one.
 */
static int user_key(const uint32_t __user *uaddr, bool private_, struct futex_key *k)
{
	struct proc *p = proc_current();
	uintptr_t a = (uintptr_t)uaddr;
	phys_addr_t pa;
	int err;

	if (!IS_ALIGNED(a, sizeof(uint32_t)))
		return -EINVAL;
	if (!user_range_ok(uaddr, sizeof(uint32_t)) || !p || !p->mm)
		return -EFAULT;
	if (!private_ && in_shared_vma(p->mm, a)) {
		err = uvm_user_phys(a, false, &pa);
		if (err)
			return err;
		*k = (struct futex_key){ FUTEX_SPACE_PHYS, pa };
	} else {
		*k = (struct futex_key){ (uintptr_t)p->mm, a };
	}
	return 0;
}

int futex_wake(uint32_t __user *uaddr, bool private_, int n)
{
	struct futex_key k;
	int err = user_key(uaddr, private_, &k);

	return err ? err : (int)futex_wake_key(&k, n, FUTEX_BITSET_MATCH_ANY);
}

static long sys_futex_wait(uint32_t __user *uaddr, bool priv, uint32_t val,
			   const struct k_timespec __user *utime, uint32_t bitset, bool absolute,
			   bool realtime)
{
	struct futex_key k;
	uint64_t ns, deadline = 0;
	int err;

	if (!bitset)
		return -EINVAL;
	err = user_key(uaddr, priv, &k);
	if (err)
		return err;
	if (utime) {
		err = timespec_from_user(utime, &ns);
		if (err)
			return err;
		if (absolute)
			deadline = clock_abs_to_deadline(realtime ? CLOCK_REALTIME :
							 CLOCK_MONOTONIC, ns);
		else
			deadline = sched_deadline(ns);
		if (deadline == UINT64_MAX)
			deadline = 0;		/* beyond any uptime: no timeout */
	}
	return futex_wait_key(&k, uaddr, val, bitset, deadline);
}

/* A kernel pointer to the word at uaddr, for CMP_REQUEUE's locked compare. */
static int kernel_word(uint32_t __user *uaddr, const uint32_t **kword)
{
	phys_addr_t pa;
	int err = uvm_user_phys((uintptr_t)uaddr, true, &pa);

	if (err)	/* a read-only mapping: nobody in this mm can write it anyway */
		err = uvm_user_phys((uintptr_t)uaddr, false, &pa);
	if (err)
		return err;
	*kword = phys_to_virt(pa);
	return 0;
}

static long sys_futex_requeue(uint32_t __user *uaddr, bool priv, int nr_wake, int nr_requeue,
			      uint32_t __user *uaddr2, bool cmp, uint32_t cmpval)
{
	struct futex_key k1, k2;
	const uint32_t *kword = NULL;
	int err;

	err = user_key(uaddr, priv, &k1);
	if (!err)
		err = user_key(uaddr2, priv, &k2);
	if (!err && cmp)
		err = kernel_word(uaddr, &kword);
	if (err)
		return err;
	return futex_requeue_key(&k1, &k2, nr_wake, nr_requeue, kword, cmpval);
}

SYSCALL6(futex, uint32_t __user *, uaddr, int, op, uint32_t, val,
	 const struct k_timespec __user *, utime, uint32_t __user *, uaddr2, uint32_t, val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool priv = op & FUTEX_PRIVATE_FLAG, rt = op & FUTEX_CLOCK_REALTIME;
	struct futex_key k;
	int err;

	if (rt && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:		/* relative timeout, even with CLOCK_REALTIME */
		return sys_futex_wait(uaddr, priv, val, utime, FUTEX_BITSET_MATCH_ANY, false, rt);
	case FUTEX_WAIT_BITSET:		/* absolute timeout */
		return sys_futex_wait(uaddr, priv, val, utime, val3, true, rt);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE)
			val3 = FUTEX_BITSET_MATCH_ANY;
		if (!val3)
			return -EINVAL;
		err = user_key(uaddr, priv, &k);
		return err ? err : futex_wake_key(&k, (int)val, val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:	/* utime carries nr_requeue */
		return sys_futex_requeue(uaddr, priv, (int)val, (int)(uintptr_t)utime, uaddr2,
					 cmd == FUTEX_CMP_REQUEUE, val3);
	default:
		return -ENOSYS;		/* WAKE_OP, the PI operations, FD */
	}
}
