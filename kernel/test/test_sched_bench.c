/*
 * test/test_sched_bench.c — what scheduling and locking cost, measured in the kernel: yield
 * hand-off between two threads on one CPU, thread create+join, uncontended spinlock and mutex
 * lock+unlock, and (with two CPUs) the latency of waking a thread on another CPU by IPI.
 * Printed for the log and the closing notes; the test asserts only that everything worked.
 */
#include <keel/ktest.h>
#include <keel/arch.h>
#include <keel/printf.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <keel/sync.h>
#include <keel/time.h>

#define HANDOFFS	5000
#define CREATES		200
#define LOCKS		100000
#define WAKEUPS		200

static cpumask_t only(unsigned cpu)
{
	cpumask_t m;

	cpumask_clear(&m);
	cpumask_set(&m, cpu);
	return m;
}

static int yield_loop(void *arg)
{
	for (int i = 0; i < HANDOFFS; i++)
		sched_yield();
	return 0;
}

static int nothing(void *arg)
{
	return 0;
}

/* Cross-CPU wakeup: the sleeper records how long after `sent` it ran. */
struct ping {
	struct completion go, back;
	volatile uint64_t sent;
	uint64_t total_ns;
	int rounds;
};

static int wake_receiver(void *arg)
{
	struct ping *p = arg;

	for (int i = 0; i < WAKEUPS; i++) {
		completion_wait(&p->go);
		p->total_ns += time_ns() - p->sent;
		p->rounds++;
		complete(&p->back);
	}
	return 0;
}

/* Average ns from complete() on this CPU to the woken thread running on `cpu`. */
static uint64_t cross_cpu_wakeup_ns(unsigned cpu)
{
	struct ping p = { .total_ns = 0 };
	cpumask_t m = only(cpu);
	struct thread *t;

	completion_init(&p.go, "ping");
	completion_init(&p.back, "pong");
	t = thread_create_on("ipi receiver", wake_receiver, &p, &m);
	if (!t)
		return 0;
	for (int i = 0; i < WAKEUPS; i++) {
		sched_sleep_ns(200 * 1000);	/* let it block and its CPU park */
		p.sent = time_ns();
		complete(&p.go);
		completion_wait(&p.back);
	}
	thread_join(t);
	return p.rounds ? p.total_ns / (uint64_t)p.rounds : 0;
}

KTEST(sched_bench_reports_switch_and_lock_costs)
{
	cpumask_t here = only(arch_cpu_id());
	struct spinlock sl = SPINLOCK_INIT("bench");
	struct mutex m = MUTEX_INIT(m, "bench");
	struct thread *a, *b;
	uint64_t t0, yield_ns, create_ns, spin_ns, mutex_ns, ipi_ns = 0;
	unsigned other = CPU_MAX;

	t0 = time_ns();
	a = thread_create_on("yield a", yield_loop, NULL, &here);
	b = thread_create_on("yield b", yield_loop, NULL, &here);
	KT_ASSERT(a && b, "thread_create failed");
	thread_join(a);
	thread_join(b);
	yield_ns = (time_ns() - t0) / (2 * HANDOFFS);

	t0 = time_ns();
	for (int i = 0; i < CREATES; i++) {
		struct thread *t1 = thread_create_on("bench", nothing, NULL, &here);

		KT_ASSERT(t1, "thread_create %d failed", i);
		KT_EQ(thread_join(t1), 0);
	}
	create_ns = (time_ns() - t0) / CREATES;

	t0 = time_ns();
	for (int i = 0; i < LOCKS; i++) {
		spin_lock(&sl);
		spin_unlock(&sl);
	}
	spin_ns = (time_ns() - t0) * 1000 / LOCKS;
	t0 = time_ns();
	for (int i = 0; i < LOCKS; i++) {
		mutex_lock(&m);
		mutex_unlock(&m);
	}
	mutex_ns = (time_ns() - t0) * 1000 / LOCKS;
	KT_ASSERT(!spin_is_locked(&sl) && !m.owner, "a lock was left held");

	for_each_cpu(c, &cpu_online_mask)
		if (c != arch_cpu_id())
			other = c;
	if (other != CPU_MAX) {
		ipi_ns = cross_cpu_wakeup_ns(other);
		KT_ASSERT(ipi_ns, "the cross-CPU wakeups did not run");
	}
	kprintf("bench: yield handoff %lu ns; thread create+join %lu.%03lu us; "
		"spinlock lock+unlock %lu.%03lu ns; mutex lock+unlock %lu.%03lu ns; ",
		yield_ns, create_ns / 1000, create_ns % 1000, spin_ns / 1000, spin_ns % 1000,
		mutex_ns / 1000, mutex_ns % 1000);
	if (other != CPU_MAX)
		kprintf("cross-CPU wakeup (CPU %u) %lu ns\n", other, ipi_ns);
	else
		kprintf("cross-CPU wakeup n/a (1 CPU)\n");
}
