/*
 * net/lwip/sys_arch.c — lwIP's operating-system layer on keel (lwIP's sys.h contract).
 *
 * Semaphores and mutexes are keel's (keel/sync.h). A mailbox is a ring of `size` message
 * pointers guarded by a spinlock, with two counting semaphores: `items` (messages in the ring)
 * and `space` (free slots). A poster takes a space unit first and a fetcher an item unit first,
 * so the ring index arithmetic under the lock never over- or underflows. Threads are keel
 * kernel threads; lwIP's only long-lived one is tcpip_thread. sys_now is the kernel clock in
 * milliseconds. SYS_ARCH_PROTECT is one irq-saving spinlock the holding CPU may re-enter.
 */
#include <lwip/sys.h>
#include <lwip/opt.h>
#include <keel/sched.h>
#include <keel/heap.h>
#include <keel/time.h>
#include <keel/random.h>
#include <keel/spinlock.h>
#include <keel/panic.h>

struct lwip_mbox {
	struct spinlock lock;		/* guards head, count */
	struct semaphore items, space;
	unsigned head, count, size;
	void *msgs[];
};

#define NS_PER_MS	1000000ULL

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(time_ns() / NS_PER_MS);
}

unsigned lwip_port_rand(void)
{
	return (unsigned)random_u64();
}

/* ---- semaphores ---- */

err_t sys_sem_new(sys_sem_t *s, u8_t count)
{
	sem_init(&s->sem, count, "lwip-sem");
	s->valid = true;
	return ERR_OK;
}

void sys_sem_free(sys_sem_t *s)
{
	s->valid = false;
}

void sys_sem_signal(sys_sem_t *s)
{
	sem_up(&s->sem);
}

/* ms 0 waits forever; returns the milliseconds waited, or SYS_ARCH_TIMEOUT. */
u32_t sys_arch_sem_wait(sys_sem_t *s, u32_t ms)
{
	uint64_t t0 = time_ns();

	if (ms == 0)
		sem_down(&s->sem);
	else if (!sem_down_timeout(&s->sem, ms * NS_PER_MS))
		return SYS_ARCH_TIMEOUT;
	return (u32_t)((time_ns() - t0) / NS_PER_MS);
}

/* ---- mutexes ---- */

err_t sys_mutex_new(sys_mutex_t *m)
{
	mutex_init(&m->mutex, "lwip-mutex");
	m->valid = true;
	return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *m)
{
	m->valid = false;
}

void sys_mutex_lock(sys_mutex_t *m)
{
	mutex_lock(&m->mutex);
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	mutex_unlock(&m->mutex);
}

/* ---- mailboxes ---- */

err_t sys_mbox_new(sys_mbox_t *mb, int size)
{
	struct lwip_mbox *b;

	if (size <= 0)
		size = 64;
	b = kzalloc(sizeof(*b) + (size_t)size * sizeof(void *));
	if (!b)
		return ERR_MEM;
	spin_init(&b->lock, "lwip-mbox");
	sem_init(&b->items, 0, "lwip-mbox-items");
	sem_init(&b->space, size, "lwip-mbox-space");
	b->size = (unsigned)size;
	*mb = b;
	return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mb)
{
	kfree(*mb);
	*mb = NULL;
}

/* The caller holds a space unit. */
static void mbox_put(struct lwip_mbox *b, void *msg)
{
	bool f = spin_lock_irqsave(&b->lock);

	b->msgs[(b->head + b->count++) % b->size] = msg;
	spin_unlock_irqrestore(&b->lock, f);
	sem_up(&b->items);
}

/* The caller holds an item unit. */
static void *mbox_take(struct lwip_mbox *b)
{
	bool f = spin_lock_irqsave(&b->lock);
	void *msg = b->msgs[b->head];

	b->head = (b->head + 1) % b->size;
	b->count--;
	spin_unlock_irqrestore(&b->lock, f);
	sem_up(&b->space);
	return msg;
}

void sys_mbox_post(sys_mbox_t *mb, void *msg)
{
	sem_down(&(*mb)->space);
	mbox_put(*mb, msg);
}

err_t sys_mbox_trypost(sys_mbox_t *mb, void *msg)
{
	if (!sem_trydown(&(*mb)->space))
		return ERR_MEM;
	mbox_put(*mb, msg);
	return ERR_OK;
}

/* Never sleeps (sem_trydown and sem_up take irq-saving locks only). */
err_t sys_mbox_trypost_fromisr(sys_mbox_t *mb, void *msg)
{
	return sys_mbox_trypost(mb, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mb, void **msg, u32_t ms)
{
	uint64_t t0 = time_ns();
	void *m;

	if (ms == 0)
		sem_down(&(*mb)->items);
	else if (!sem_down_timeout(&(*mb)->items, ms * NS_PER_MS))
		return SYS_ARCH_TIMEOUT;
	m = mbox_take(*mb);
	if (msg)
		*msg = m;
	return (u32_t)((time_ns() - t0) / NS_PER_MS);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mb, void **msg)
{
	void *m;

	if (!sem_trydown(&(*mb)->items))
		return SYS_MBOX_EMPTY;
	m = mbox_take(*mb);
	if (msg)
		*msg = m;
	return 0;
}

/* ---- threads ---- */

struct lwip_thread_start {
	lwip_thread_fn fn;
	void *arg;
};

static int lwip_thread_main(void *p)
{
	struct lwip_thread_start st = *(struct lwip_thread_start *)p;

	kfree(p);
	st.fn(st.arg);
	return 0;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize,
			    int prio)
{
	struct lwip_thread_start *st = kmalloc(sizeof(*st));
	struct thread *t;

	if (!st)
		panic("lwip: no memory for thread %s", name);
	st->fn = fn;
	st->arg = arg;
	t = thread_create(name, lwip_thread_main, st);
	if (!t)
		panic("lwip: cannot create thread %s", name);
	return t;
}

/* ---- SYS_ARCH_PROTECT ---- */

static struct spinlock protect_lock = SPINLOCK_INIT("lwip-protect");

sys_prot_t sys_arch_protect(void)
{
	bool f = arch_irq_save();

	if (spin_held(&protect_lock))
		return (f ? 1u : 0u) | 2u;
	spin_lock(&protect_lock);
	return f ? 1u : 0u;
}

void sys_arch_unprotect(sys_prot_t p)
{
	if (p & 2u)
		return;		/* nested: the outer level restores */
	spin_unlock_irqrestore(&protect_lock, p & 1u);
}
