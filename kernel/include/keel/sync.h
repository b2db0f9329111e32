/*
 * keel/sync.h — sleeping synchronization: wait queues, mutexes, semaphores, completions and
 * condition variables (kernel/sync/).
 *
 * Everything here is built on one wait queue: a spinlock and a FIFO of waiters, each a small
 * record on the sleeping thread's stack. A waker unlinks a waiter and marks it woken under the
 * queue's lock, so a waiter learns under that same lock whether it was woken or timed out —
 * a wakeup (a semaphore unit, a mutex handed over) is never lost to a racing timeout. No
 * primitive spins or yields in a loop: a waiter is off every run queue until it is woken.
 *
 * Timeouts are relative nanoseconds; a timed wait never returns "timed out" before that much
 * time has passed (see sched_sleep_ns for how much later it may be). Every call that may sleep
 * panics when sleeping is not allowed (spinlock held, preemption or interrupts off; see
 * keel/sched.h). The queue locks are irq-saving, so the wake side (complete, sem_up,
 * wq_wake_*) may be called from interrupt handlers; the sleeping side may not.
 */
#ifndef KEEL_SYNC_H
#define KEEL_SYNC_H

#include <keel/types.h>
#include <keel/list.h>
#include <keel/spinlock.h>

struct thread;

/* ---- wait queues (sync/wait.c) ---- */

/* The absolute time_ns() deadline ns from now, saturating (sched/timer.c). */
uint64_t sched_deadline(uint64_t ns);

struct wait_queue {
	struct spinlock lock;
	struct list_node waiters;	/* struct waiter, oldest first */
};

struct waiter {
	struct list_node node;
	struct thread *thread;
	bool woken;			/* set by the waker (under the lock) as it unlinks us */
};

#define WAIT_QUEUE_INIT(wq, n)	{ SPINLOCK_INIT(n), LIST_HEAD_INIT((wq).waiters) }

void wq_init(struct wait_queue *wq, const char *name);
/* Checks that the caller may sleep (what names it in the panic), then takes wq->lock with
 * interrupts saved; the flag goes to spin_unlock_irqrestore(&wq->lock, f). */
bool wq_lock_to_wait(struct wait_queue *wq, const char *what);
/* With wq->lock held: appends w for the caller. */
void wq_enqueue_locked(struct wait_queue *wq, struct waiter *w);
/* With wq->lock held and w enqueued: sleeps until a waker takes w (true) or the absolute
 * deadline passes (false, w unlinked; deadline 0 = none). Returns with wq->lock held. */
bool wq_block_locked(struct wait_queue *wq, struct waiter *w, uint64_t deadline);
/* Both of the above. */
bool wq_wait_locked(struct wait_queue *wq, struct waiter *w, uint64_t deadline);
/* With wq->lock held: wakes the oldest waiter and returns its thread (NULL if none). */
struct thread *wq_wake_one_locked(struct wait_queue *wq);
/* With wq->lock held: wakes every waiter; returns how many. */
unsigned wq_wake_all_locked(struct wait_queue *wq);
/* The same, taking the lock. */
bool wq_wake_one(struct wait_queue *wq);
unsigned wq_wake_all(struct wait_queue *wq);
/* wq_wake_all from a thread that is about to block on the answer (a pipe's writer that will read
 * the reply): the woken may be placed on the caller's CPU (sched_wake_sync). Not in interrupts. */
unsigned wq_wake_all_sync(struct wait_queue *wq);

/*
 * wait_event(wq, cond): sleeps until cond is true. cond is evaluated with wq->lock held, so
 * whoever makes it true and then calls wq_wake_*(wq) cannot slip between the test and the
 * sleep. wait_event_timeout returns cond's final value (false: timed out).
 */
#define wait_event(wq, cond) \
	do { \
		struct waiter __w; \
		bool __f = wq_lock_to_wait((wq), "wait_event"); \
		while (!(cond)) \
			wq_wait_locked((wq), &__w, 0); \
		spin_unlock_irqrestore(&(wq)->lock, __f); \
	} while (0)

#define wait_event_timeout(wq, cond, ns) \
	({ \
		struct waiter __w; \
		uint64_t __dl = sched_deadline(ns); \
		bool __f = wq_lock_to_wait((wq), "wait_event_timeout"), __ok; \
		while (!(__ok = !!(cond)) && wq_wait_locked((wq), &__w, __dl)) \
			; \
		if (!__ok) \
			__ok = !!(cond); \
		spin_unlock_irqrestore(&(wq)->lock, __f); \
		__ok; \
	})

/*
 * Interruptible waits, for system calls that may block for long (pipes, the tty, poll):
 * they also end when the calling user thread has a signal pending (signal_pending(), checked
 * under wq->lock before every sleep and after every wakeup). A signal's wakeup comes through
 * sched_interrupt() without wq->lock: to the queue it is a spurious wakeup, and the waiter
 * unlinks itself. One that lands between the check and the sleep is not lost: the sleep
 * returns at once (keel/sched.h).
 *
 * wq_wait_interruptible_locked: with wq->lock held, enqueues w and sleeps. Returns 1 when
 * woken through the queue, 0 when the absolute deadline passed (0 = none), -ERESTARTSYS on a
 * signal; w is off the queue in every case, wq->lock held again.
 */
int wq_wait_interruptible_locked(struct wait_queue *wq, struct waiter *w, uint64_t deadline);

/* 0 once cond is true (tested under wq->lock), or -ERESTARTSYS. */
#define wait_event_interruptible(wq, cond) \
	({ \
		struct waiter __w; \
		int __r = 0; \
		bool __f = wq_lock_to_wait((wq), "wait_event_interruptible"); \
		while (!(cond)) { \
			__r = wq_wait_interruptible_locked((wq), &__w, 0); \
			if (__r < 0) \
				break; \
			__r = 0; \
		} \
		spin_unlock_irqrestore(&(wq)->lock, __f); \
		__r; \
	})

/* 1 once cond is true, 0 when ns passed without it, or -ERESTARTSYS. */
#define wait_event_interruptible_timeout(wq, cond, ns) \
	({ \
		struct waiter __w; \
		uint64_t __dl = sched_deadline(ns); \
		int __r; \
		bool __f = wq_lock_to_wait((wq), "wait_event_interruptible_timeout"); \
		for (;;) { \
			if ((cond)) { \
				__r = 1; \
				break; \
			} \
			__r = wq_wait_interruptible_locked((wq), &__w, __dl); \
			if (__r <= 0) { \
				if (__r == 0 && (cond)) \
					__r = 1; \
				break; \
			} \
		} \
		spin_unlock_irqrestore(&(wq)->lock, __f); \
		__r; \
	})

/* ---- mutexes (sync/mutex.c) ---- */

/*
 * A sleeping lock with an owner. Unlocking hands the mutex straight to the oldest waiter
 * (FIFO, no barging, no starvation). Locking a mutex one already holds, or unlocking one held
 * by another thread (or by no one), panics naming the mutex and both threads.
 */
struct mutex {
	struct wait_queue wq;		/* wq.lock guards owner */
	struct thread *owner;
	const char *name;
	uintptr_t owner_ip;		/* where the owner took it (for the hung report) */
};

#define MUTEX_INIT(m, n)	{ WAIT_QUEUE_INIT((m).wq, n), NULL, (n), 0 }

void mutex_init(struct mutex *m, const char *name);
/* Debug builds: a mutex_lock waiting longer than mutex_hung_ns (5 s) logs "mutex: NAME hung"
 * with both sides' backtraces and counts it in mutex_hung_reports (for the ktest). */
extern uint64_t mutex_hung_ns;
extern unsigned long mutex_hung_reports;
void mutex_lock(struct mutex *m);
/* Takes m if it is free; never sleeps. */
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
/* True when the calling thread holds m. */
bool mutex_held(struct mutex *m);
/* Debug builds report (as a BUG) a calling thread that still holds a mutex; where names the
 * exit from the kernel: returning to user mode, thread exit. */
void mutex_check_none_held(const char *where);

/* ---- counting semaphores (sync/semaphore.c) ---- */

/* sem_up hands its unit straight to the oldest waiter if there is one. */
struct semaphore {
	struct wait_queue wq;		/* wq.lock guards count */
	long count;
};

void sem_init(struct semaphore *s, long count, const char *name);
void sem_down(struct semaphore *s);
/* false when ns passed without a unit. */
bool sem_down_timeout(struct semaphore *s, uint64_t ns);
bool sem_trydown(struct semaphore *s);
void sem_up(struct semaphore *s);

/* ---- completions (sync/completion.c) ---- */

/* A count of "done" events: each complete() lets one wait through, complete_all() every
 * present and future wait until completion_reinit(). */
struct completion {
	struct wait_queue wq;		/* wq.lock guards done */
	unsigned done;
};

#define COMPLETION_INIT(c, n)	{ WAIT_QUEUE_INIT((c).wq, n), 0 }

void completion_init(struct completion *c, const char *name);
void completion_reinit(struct completion *c);
void complete(struct completion *c);
void complete_all(struct completion *c);
void completion_wait(struct completion *c);
/* false when ns passed without a completion. */
bool completion_wait_timeout(struct completion *c, uint64_t ns);
/* Consumes a completion if one is there; never sleeps. */
bool completion_try_wait(struct completion *c);
bool completion_done(struct completion *c);

/* ---- condition variables (sync/condvar.c) ---- */

/* Used with a mutex that guards the condition: cond_wait releases m while asleep and holds it
 * again on return. Wakeups may be spurious: wait in a loop that re-tests the condition. */
struct condvar {
	struct wait_queue wq;
};

void cond_init(struct condvar *cv, const char *name);
void cond_wait(struct condvar *cv, struct mutex *m);
/* false when ns passed without a signal (m is held again either way). */
bool cond_wait_timeout(struct condvar *cv, struct mutex *m, uint64_t ns);
void cond_signal(struct condvar *cv);
void cond_broadcast(struct condvar *cv);

#endif
