/*
 * test/test_sched_preempt.c — what the tick drives and preemption: the tick ends a slice, the
 * periodic balancer evens out CPUs, a wakeup preempts a thread that has run longer,
 * preempt_disable defers it, sleeping where it is forbidden panics, and a bounded stress of
 * threads creating, sleeping and exiting.
 *
 * With the timer running, the tick test is a test of involuntary preemption: a thread that
 * spins without any preemption point must still give way. Without a timer it drives the same
 * path itself, calling sched_tick() and sched_irq_exit(true) with interrupts off as the
 * interrupt would. The log says which kind of tick it saw.
 */
#include <keel/ktest.h>
#include <keel/cmdline.h>
#include <keel/arch.h>
#include <keel/fault.h>
#include <keel/printf.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <keel/time.h>

#define MS	(1000 * 1000ULL)

static uint64_t ticks_of(unsigned cpu)
{
	struct sched_stats st;

	return sched_stats(cpu, &st) ? st.ticks : 0;
}

/* ---- the tick ---- */

struct spin_pair {
	volatile bool flag;
	bool timer;		/* a timer interrupt ticks here: spin without a preemption point */
};

/* What the timer interrupt does, from thread context: interrupts off, tick, irq exit. */
static void simulated_tick(void)
{
	bool f = arch_irq_save();

	sched_tick(false);
	sched_irq_exit(true);
	arch_irq_restore(f);
}

static bool tick_is_running(void)
{
	unsigned cpu = arch_cpu_id();	/* the sleep may end on another CPU */
	uint64_t t0 = ticks_of(cpu);

	sched_sleep_ns(3 * SCHED_TICK_NS);
	return ticks_of(cpu) > t0 + 1;
}

/* Spins until the flag is set. With a timer it takes no lock and calls nothing that could
 * switch: only the interrupt's sched_irq_exit can let the setter in. Without one it is the
 * tick itself, every 3 tick periods. */
static int spin_until_flag(void *arg)
{
	struct spin_pair *p = arg;
	uint64_t start = time_ns(), last = start;

	while (!p->flag && time_ns() - start < 15000 * MS) {
		if (!p->timer && time_ns() - last > 3 * SCHED_TICK_NS) {
			simulated_tick();
			last = time_ns();
		}
		arch_relax();
	}
	return p->flag ? 0 : 1;
}

static int set_flag(void *arg)
{
	((struct spin_pair *)arg)->flag = true;
	return 0;
}

KTEST(tick_preempts_a_thread_after_its_slice)
{
	struct spin_pair p = { false, tick_is_running() };
	unsigned cpu = arch_cpu_id();
	cpumask_t here = cpumask_of(cpu);
	struct sched_stats s0, s1;
	struct thread *spinner, *setter;

	/* The counts are the pair's CPU's: this thread may wake from the join on another one. */
	sched_stats(cpu, &s0);
	spinner = thread_create_on("spinner", spin_until_flag, &p, &here);
	setter = thread_create_on("setter", set_flag, &p, &here);
	KT_ASSERT(spinner && setter, "thread_create failed");
	/* The spinner runs first and never blocks: only a tick can let the setter in. */
	KT_EQ(thread_join(spinner), 0);
	thread_join(setter);
	sched_stats(cpu, &s1);
	KT_ASSERT(s1.tick_preemptions > s0.tick_preemptions, "no tick preemption counted");
	kprintf("  %s ticks, %lu slice preemptions\n", p.timer ? "timer" : "simulated",
		s1.tick_preemptions - s0.tick_preemptions);
}

/* ---- the periodic balancer ---- */

struct hogs {
	volatile bool stop;
	int spinning;
};

/* Burns CPU (preemptible) until told to stop, or 3 s. */
static int hog(void *arg)
{
	struct hogs *h = arg;
	uint64_t end = time_ns() + 3000 * MS;

	__atomic_fetch_add(&h->spinning, 1, __ATOMIC_RELAXED);
	while (!h->stop && time_ns() < end)
		arch_relax();
	return h->stop ? 0 : 1;
}

static uint64_t pulls_of(unsigned cpu)
{
	struct sched_stats st;

	return sched_stats(cpu, &st) ? st.balance_pulls : 0;
}

/* Three CPU-bound threads on one CPU and one on another, all allowed on both: no CPU is idle,
 * so only the periodic balancer can even them out (2 and 2). */
KTEST(periodic_balancer_evens_out_long_term_load)
{
	unsigned x = CPU_MAX, y = CPU_MAX;
	struct hogs h = { false, 0 };
	struct thread *th[4];
	cpumask_t both, mx, my;
	uint64_t before;
	bool pulled = false;

	for_each_cpu(c, &cpu_online_mask) {
		x = y;
		y = c;
	}
	if (x == CPU_MAX || !tick_is_running()) {
		/* One CPU, or no timer yet: a balancer run must find nothing to pull. */
		unsigned me = arch_cpu_id();
		bool f;

		before = pulls_of(me);
		f = arch_irq_save();
		for (int i = 0; i < 60; i++)
			sched_tick(false);
		arch_irq_restore(f);
		KT_EQ(pulls_of(me), before);
		kprintf("  %s: the balancer ran and pulled nothing\n",
			x == CPU_MAX ? "one CPU" : "no timer");
		return;
	}
	mx = cpumask_of(x);
	my = cpumask_of(y);
	both = mx;
	cpumask_set(&both, y);
	for (int i = 0; i < 4; i++) {
		th[i] = thread_create_on("hog", hog, &h, i < 3 ? &mx : &my);
		KT_ASSERT(th[i], "thread_create failed");
	}
	while (__atomic_load_n(&h.spinning, __ATOMIC_RELAXED) < 4)
		sched_sleep_ns(1 * MS);
	before = pulls_of(y);
	for (int i = 0; i < 4; i++)
		thread_set_affinity(th[i], &both);
	for (int i = 0; i < 200 && !pulled; i++) {
		sched_sleep_ns(10 * MS);
		pulled = pulls_of(y) > before;
	}
	h.stop = true;
	for (int i = 0; i < 4; i++)
		KT_EQ(thread_join(th[i]), 0);
	KT_ASSERT(pulled, "CPU %u (1 thread) never pulled from CPU %u (3 threads)", y, x);
}

/* ---- wakeup preemption ---- */

struct wake_order {
	struct completion c;
	volatile int seq;
	int waiter_at, before_at, after_at;
	bool hold_preemption;
};

static int wait_then_mark(void *arg)
{
	struct wake_order *w = arg;

	completion_wait(&w->c);
	w->waiter_at = __atomic_fetch_add(&w->seq, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Runs 3 ms (well past the wakeup granularity), then wakes the waiter. */
static int run_then_wake(void *arg)
{
	struct wake_order *w = arg;
	uint64_t end = time_ns() + 3 * MS;

	while (time_ns() < end)
		arch_relax();
	if (w->hold_preemption)
		preempt_disable();
	complete(&w->c);
	w->before_at = __atomic_fetch_add(&w->seq, 1, __ATOMIC_RELAXED);
	if (w->hold_preemption)
		preempt_enable();
	w->after_at = __atomic_fetch_add(&w->seq, 1, __ATOMIC_RELAXED);
	return 0;
}

static void run_wake_order(struct wake_order *w, bool hold)
{
	cpumask_t here = cpumask_of(arch_cpu_id());
	struct thread *a, *b;

	memset(w, 0, sizeof(*w));
	completion_init(&w->c, "wake order");
	w->hold_preemption = hold;
	a = thread_create_on("waiter", wait_then_mark, w, &here);
	b = thread_create_on("waker", run_then_wake, w, &here);
	if (a)
		thread_join(a);
	if (b)
		thread_join(b);
}

KTEST(wakeup_preempts_a_thread_that_ran_longer)
{
	struct wake_order w;

	run_wake_order(&w, false);
	/* The waiter ran at complete()'s unlock, before the waker's next statement. */
	KT_EQ(w.waiter_at, 0);
	KT_EQ(w.before_at, 1);
}

KTEST(preempt_disable_defers_a_wakeup_preemption_until_enable)
{
	struct wake_order w;

	run_wake_order(&w, true);
	KT_EQ(w.before_at, 0);		/* no switch while preemption was off */
	KT_EQ(w.waiter_at, 1);		/* ... but at preempt_enable, before anything else */
	KT_EQ(w.after_at, 2);
}

/* ---- sleeping where it is not allowed ---- */

KTEST(sleeping_with_a_spinlock_held_panics)
{
	struct spinlock l = SPINLOCK_INIT("test lock");
	struct mutex m = MUTEX_INIT(m, "test mutex");
	struct fault_catch fc;
	int pc = preempt_count();

	spin_lock(&l);
	if (fault_catch_begin(&fc)) {
		mutex_lock(&m);
		fault_catch_end();
	}
	spin_unlock(&l);
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "mutex_lock: sleeping with preempt_count 1"), "message: %s",
		  fc.msg);

	preempt_disable();
	if (fault_catch_begin(&fc)) {
		sched_sleep_ns(1000);
		fault_catch_end();
	}
	preempt_enable();
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "sched_sleep_ns: sleeping with preempt_count 1"), "message: %s",
		  fc.msg);

	{
		bool f = arch_irq_save();

		if (fault_catch_begin(&fc)) {
			sched_yield();
			fault_catch_end();
		}
		arch_irq_restore(f);
	}
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "sched_yield: sleeping with interrupts disabled"), "message: %s",
		  fc.msg);
	KT_EQ(preempt_count(), pc);
	KT_ASSERT(m.owner == NULL, "the mutex was taken");
}

/* ---- stress ---- */

struct stress {
	uint64_t end;
	int created, exited;
	int failures;
};

static int stress_child(void *arg)
{
	struct stress *s = arg;
	uint64_t ns = (time_ns() / 1000 % 7) * 150 * 1000, t0 = time_ns();

	sched_sleep_ns(ns);
	if (time_ns() - t0 < ns)
		__atomic_fetch_add(&s->failures, 1, __ATOMIC_RELAXED);
	if (ns % 2)
		sched_yield();
	__atomic_fetch_add(&s->exited, 1, __ATOMIC_RELAXED);
	return 3;
}

static int stress_spawner(void *arg)
{
	struct stress *s = arg;
	struct thread *kids[6];
	int rounds = 0;

	while (time_ns() < s->end && rounds < 200) {
		int n = 0;

		for (int i = 0; i < 6; i++) {
			kids[n] = thread_create("stress kid", stress_child, s);
			if (kids[n]) {
				n++;
				__atomic_fetch_add(&s->created, 1, __ATOMIC_RELAXED);
			}
		}
		for (int i = 0; i < n; i++)
			if (thread_join(kids[i]) != 3)
				__atomic_fetch_add(&s->failures, 1, __ATOMIC_RELAXED);
		rounds++;
	}
	return 0;
}

/* Length of the stress below: 2 s by default; `stress=S` (1..600) for the long run that
 * make test does once (10 s, 4 CPUs). */
static uint64_t stress_seconds = 2;

static int set_stress(const char *v)
{
	uint64_t n;

	if (!v || !parse_u64(v, &n) || n < 1 || n > 600)
		return -1;
	stress_seconds = n;
	return 0;
}
CMDLINE_PARAM("stress", set_stress, "stress=1..600 (seconds)");

/* Threads creating, sleeping and exiting on every CPU, bounded by stress_seconds and the
 * spawners' round limit. */
KTEST(sched_stress_create_sleep_exit_stays_consistent)
{
	unsigned n = 2 * smp_cpu_count();
	struct stress s = { .end = time_ns() + stress_seconds * 1000 * MS };
	struct thread *sp[2 * 8];

	if (n > ARRAY_SIZE(sp))
		n = ARRAY_SIZE(sp);
	for (unsigned i = 0; i < n; i++) {
		sp[i] = thread_create("spawner", stress_spawner, &s);
		KT_ASSERT(sp[i], "thread_create failed");
	}
	for (unsigned i = 0; i < n; i++)
		thread_join(sp[i]);
	KT_EQ(s.failures, 0);
	KT_EQ(s.exited, s.created);
	KT_ASSERT(s.created > 0, "nothing was created");
	kprintf("  %d threads created and joined by %u spawners on %u CPUs in %lu s\n", s.created,
		n, smp_cpu_count(), stress_seconds);
}
