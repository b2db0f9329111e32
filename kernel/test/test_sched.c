/*
 * test/test_sched.c — kernel threads and the scheduler: create/exit/join, yield, sleep,
 * affinity, idle parking and polling, stealing, sync (wake-affine) wakeups, tick and wakeup
 * preemption, and a bounded stress run.
 *
 * Every test runs on any number of CPUs. Where a behaviour needs a second CPU (stealing, a
 * remote wakeup) and there is one CPU, the test checks what one CPU must do instead and says
 * so in the log. The runner is pinned to CPU 0; tests that need a CPU to stay busy use another.
 */
#include <keel/ktest.h>
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/fault.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>

#define MS	(1000 * 1000ULL)

static unsigned last_cpu(void)
{
	unsigned last = 0;

	for_each_cpu(c, &cpu_online_mask)
		last = c;
	return last;
}

/* ---- create, exit, join ---- */

struct counter {
	int count;
	uint64_t cpus_seen[CPU_MAX / 64];
};

static int count_and_return_index(void *arg)
{
	struct counter *c = arg;
	unsigned cpu = arch_cpu_id();

	__atomic_fetch_or(&c->cpus_seen[cpu / 64], 1ULL << (cpu % 64), __ATOMIC_RELAXED);
	return __atomic_fetch_add(&c->count, 1, __ATOMIC_RELAXED) >= 0 ? 7 : -1;
}

KTEST(sched_1000_threads_created_and_joined)
{
	enum { N = 1000 };
	struct thread **th = kzalloc(N * sizeof(*th));
	struct counter c = { 0 };
	unsigned used = 0, here = arch_cpu_id();
	int bad = 0, created = 0;

	KT_ASSERT(th, "no memory for the thread table");
	for (int i = 0; i < N; i++) {
		th[i] = thread_create("many", count_and_return_index, &c);
		if (!th[i])
			break;
		created++;
	}
	for (int i = 0; i < created; i++)
		bad += thread_join(th[i]) != 7;
	kfree(th);
	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		for (uint64_t b = c.cpus_seen[i]; b; b &= b - 1)
			used++;
	KT_EQ(created, N);
	KT_EQ(bad, 0);
	KT_EQ(c.count, N);
	kprintf("  1000 threads ran on %u of %u CPUs\n", used, smp_cpu_count());
	/* With more CPUs, some must have run elsewhere than on the busy creator's CPU (maybe
	 * all of them: an idle CPU steals whatever queues up behind the creator). */
	if (smp_cpu_count() > 1)
		KT_ASSERT(used > 1 || !(c.cpus_seen[here / 64] & (1ULL << (here % 64))),
			  "1000 threads on %u CPUs all ran on the creating CPU %u",
			  smp_cpu_count(), here);
	else
		KT_EQ(used, 1);
}

static int exit_early(void *arg)
{
	thread_exit((int)(intptr_t)arg);
	return 99;	/* not reached */
}

static int return_value(void *arg)
{
	return (int)(intptr_t)arg;
}

KTEST(thread_exit_status_reaches_joiner)
{
	struct thread *a = thread_create("exit", exit_early, (void *)(intptr_t)-12);
	struct thread *b = thread_create("return", return_value, (void *)(intptr_t)1234);

	KT_ASSERT(a && b, "thread_create failed");
	KT_EQ(thread_join(a), -12);
	KT_EQ(thread_join(b), 1234);
}

struct gate {
	struct completion go;
	int ran;
};

static int wait_at_gate(void *arg)
{
	struct gate *g = arg;

	completion_wait(&g->go);
	__atomic_fetch_add(&g->ran, 1, __ATOMIC_RELAXED);
	return 5;
}

/* Exit before join, exit during join, and (on SMP) exit on another CPU while join starts. */
KTEST(join_collects_threads_whether_they_exit_before_or_after)
{
	enum { N = 16 };
	struct thread *early[N], *late[N];
	struct gate g;

	completion_init(&g.go, "gate");
	g.ran = 0;
	for (int i = 0; i < N; i++) {
		early[i] = thread_create("early", return_value, (void *)(intptr_t)i);
		late[i] = thread_create("late", wait_at_gate, &g);
		KT_ASSERT(early[i] && late[i], "thread_create failed");
	}
	sched_sleep_ns(2 * MS);			/* the early ones have exited by now */
	complete_all(&g.go);
	for (int i = 0; i < N; i++) {
		KT_EQ(thread_join(late[i]), 5);
		KT_EQ(thread_join(early[i]), i);
	}
	KT_EQ(g.ran, N);
}

/* ---- yield ---- */

struct pingpong {
	char log[64];
	int pos;
	int rounds;
	struct completion go;	/* both start together, after both exist */
};

struct player {
	struct pingpong *p;
	char name;
};

static int play(void *arg)
{
	struct player *pl = arg;

	completion_wait(&pl->p->go);
	for (int i = 0; i < pl->p->rounds; i++) {
		int at = __atomic_fetch_add(&pl->p->pos, 1, __ATOMIC_RELAXED);

		if (at < (int)sizeof(pl->p->log) - 1)
			pl->p->log[at] = pl->name;
		sched_yield();
	}
	return 0;
}

KTEST(yield_alternates_two_threads_on_one_cpu)
{
	struct pingpong p = { .rounds = 20 };
	struct player a = { &p, 'A' }, b = { &p, 'B' };
	cpumask_t here = cpumask_of(arch_cpu_id());
	struct thread *ta, *tb;

	completion_init(&p.go, "go");
	ta = thread_create_on("ping", play, &a, &here);
	tb = thread_create_on("pong", play, &b, &here);
	KT_ASSERT(ta && tb, "thread_create failed");
	/* Start both at once; each turn is far shorter than a slice, so no tick cuts in. */
	while (READ_ONCE(ta->state) != THREAD_BLOCKED || READ_ONCE(tb->state) != THREAD_BLOCKED)
		sched_sleep_ns(100 * 1000);
	complete_all(&p.go);
	thread_join(ta);
	thread_join(tb);
	KT_EQ(p.pos, 40);
	for (int i = 1; i < 40; i++)
		KT_ASSERT(p.log[i] != p.log[i - 1], "yield order %.40s, expected ABAB... or BABA...",
			  p.log);
}

/* ---- sleep ---- */

static int sleep_and_check(void *arg)
{
	uint64_t ns = (uint64_t)(uintptr_t)arg, t0 = time_ns();

	sched_sleep_ns(ns);
	return time_ns() - t0 >= ns ? 0 : 1;
}

KTEST(sleep_never_wakes_early)
{
	static const uint64_t lengths[] = { 0, 1000, 100 * 1000, 1 * MS, 3 * MS, 10 * MS };
	struct thread *th[8];
	uint64_t worst = 0;

	for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
		uint64_t t0 = time_ns(), took;

		sched_sleep_ns(lengths[i]);
		took = time_ns() - t0;
		KT_ASSERT(took >= lengths[i], "sched_sleep_ns(%lu) returned after %lu ns",
			  lengths[i], took);
		worst = MAX(worst, took - lengths[i]);
	}
	/* Concurrent sleepers with different deadlines, on whatever CPUs they land. */
	for (int i = 0; i < 8; i++) {
		th[i] = thread_create("sleeper", sleep_and_check,
				      (void *)(uintptr_t)((8 - i) * 700 * 1000ULL));
		KT_ASSERT(th[i], "thread_create failed");
	}
	for (int i = 0; i < 8; i++)
		KT_EQ(thread_join(th[i]), 0);
	kprintf("  longest oversleep %lu us\n", worst / 1000);
}

/* ---- affinity ---- */

struct pinned {
	cpumask_t allowed;
	int rounds;
	int violations;
	unsigned last_bad_cpu;
};

static int stay_in_mask(void *arg)
{
	struct pinned *p = arg;

	for (int i = 0; i < p->rounds; i++) {
		unsigned cpu, booked;

		preempt_disable();		/* both facts from the same CPU */
		cpu = arch_cpu_id();
		booked = thread_cpu(thread_current());
		preempt_enable();
		if (!cpumask_test(&p->allowed, cpu) || booked != cpu) {
			p->violations++;
			p->last_bad_cpu = cpu;
		}
		if (i % 4 == 3)
			sched_sleep_ns(100 * 1000);
		else
			sched_yield();
	}
	return 0;
}

struct hopper {
	int hops;
	int wrong;
};

/* Moves itself over every online CPU: each thread_set_affinity returns on the new CPU. */
static int hop(void *arg)
{
	struct hopper *h = arg;

	for (int r = 0; r < 3; r++) {
		for_each_cpu(c, &cpu_online_mask) {
			cpumask_t m = cpumask_of(c);

			if (thread_set_affinity(thread_current(), &m) != 0 || arch_cpu_id() != c)
				h->wrong++;
			h->hops++;
		}
	}
	return 0;
}

KTEST(affinity_is_respected)
{
	unsigned n = smp_cpu_count(), k = 0;
	struct pinned *p = kzalloc((n + 1) * sizeof(*p));
	struct thread **th = kzalloc((n + 2) * sizeof(*th));
	struct hopper h = { 0 };
	cpumask_t empty, offline;

	KT_ASSERT(p && th, "no memory");
	for_each_cpu(c, &cpu_online_mask) {
		p[k].allowed = cpumask_of(c);
		p[k].rounds = 40;
		th[k] = thread_create_on("pinned", stay_in_mask, &p[k], &p[k].allowed);
		k++;
	}
	/* A two-CPU mask (one CPU on a uniprocessor). */
	p[k].allowed = cpumask_of(0);
	cpumask_set(&p[k].allowed, last_cpu());
	p[k].rounds = 40;
	th[k] = thread_create_on("pair", stay_in_mask, &p[k], &p[k].allowed);
	th[k + 1] = thread_create("hopper", hop, &h);
	for (unsigned i = 0; i < k + 2; i++)
		KT_ASSERT(th[i], "thread_create failed");
	for (unsigned i = 0; i < k + 2; i++)
		thread_join(th[i]);
	for (unsigned i = 0; i <= k; i++)
		KT_ASSERT(!p[i].violations, "thread %u ran %d times outside its mask (on CPU %u)", i,
			  p[i].violations, p[i].last_bad_cpu);
	KT_EQ(h.hops, 3 * n);
	KT_EQ(h.wrong, 0);
	kfree(p);
	kfree(th);
	cpumask_clear(&empty);
	offline = cpumask_of(CPU_MAX - 1);
	KT_EQ(thread_set_affinity(thread_current(), &empty), -EINVAL);
	KT_EQ(thread_set_affinity(thread_current(), &offline), -EINVAL);
}

/* ---- idle, wakeup IPIs, stealing ---- */

static int report_cpu(void *arg)
{
	*(volatile unsigned *)arg = arch_cpu_id();
	return 0;
}

/* Waits (sleeping) until cpu runs its idle thread; false after a second. */
static bool wait_until_idle(unsigned cpu)
{
	struct sched_stats st;

	for (int i = 0; i < 1000; i++) {
		if (sched_stats(cpu, &st) && st.running_tid == 0 && st.nr_queued == 0)
			return true;
		sched_sleep_ns(1 * MS);
	}
	return false;
}

KTEST(idle_cpu_parks_and_wakes_for_pinned_work)
{
	unsigned target = last_cpu(), ran_on = CPU_MAX;
	struct cpu_local *cl = cpu_local_of(target);
	uint64_t idle0, ipi0;
	cpumask_t m = cpumask_of(target);
	struct thread *kid;

	if (target == arch_cpu_id()) {
		/* One CPU: sleeping must hand the CPU to its idle thread, which parks. */
		idle0 = cl->idle_entries;
		sched_sleep_ns(2 * MS);
		KT_ASSERT(cl->idle_entries > idle0, "CPU %u slept 2 ms without entering idle",
			  target);
		kid = thread_create_on("pinned", report_cpu, &ran_on, &m);
		KT_ASSERT(kid, "thread_create failed");
		thread_join(kid);
		KT_EQ(ran_on, target);
		kprintf("  one CPU: idle entered %lu times\n", cl->idle_entries - idle0);
		return;
	}
	KT_ASSERT(wait_until_idle(target), "CPU %u never went idle", target);
	sched_sleep_ns(2 * MS);		/* past its idle poll: halted now */
	idle0 = cl->idle_entries;
	ipi0 = cl->ipi_received;
	KT_ASSERT(idle0 > 0, "idle CPU %u has no idle entries", target);
	kid = thread_create_on("pinned", report_cpu, &ran_on, &m);
	KT_ASSERT(kid, "thread_create failed");
	thread_join(kid);
	KT_EQ(ran_on, target);
	KT_ASSERT(cl->ipi_received > ipi0, "CPU %u ran new work without a wakeup IPI", target);
	KT_ASSERT(wait_until_idle(target), "CPU %u did not go idle again", target);
	/* Its idle thread runs before its idle loop counts the entry: give it a second. */
	for (int i = 0; i < 1000 && READ_ONCE(cl->idle_entries) == idle0; i++)
		sched_sleep_ns(1 * MS);
	KT_ASSERT(cl->idle_entries > idle0, "CPU %u did not park again", target);
}

/* ---- wake placement ---- */

struct sleeper {
	struct wait_queue wq;
	volatile bool go;
	volatile unsigned woke_on;
};

static int sleep_until_go(void *arg)
{
	struct sleeper *s = arg;

	wait_event(&s->wq, s->go);
	s->woke_on = arch_cpu_id();
	return 0;
}

static uint64_t wakeups_on(unsigned cpu)
{
	struct sched_stats st;

	return sched_stats(cpu, &st) ? st.wakeups : 0;
}

/* Wakes a thread asleep on CPU `from` (which then idles), allowed on from and on the
 * runner's CPU, with a sync or a plain wakeup, and blocks in the join. Returns its CPU;
 * *queued_on_from is the count of wakeups the wake call itself queued on `from` (read just
 * around it, so that other threads woken there before or after do not count). */
static unsigned wake_from_idle_cpu(unsigned from, bool sync, uint64_t *queued_on_from)
{
	struct sleeper s = { .woke_on = CPU_MAX };
	cpumask_t m = cpumask_of(from);
	struct thread *kid;
	uint64_t w0;

	wq_init(&s.wq, "sleeper");
	kid = thread_create_on("sleeper", sleep_until_go, &s, &m);
	if (!kid)
		return CPU_MAX;
	(void)wait_until_idle(from);	/* placement must not depend on it; it is the usual case */
	cpumask_set(&m, arch_cpu_id());
	thread_set_affinity(kid, &m);	/* blocked: takes effect when it wakes */
	s.go = true;
	w0 = wakeups_on(from);
	if (sync)
		wq_wake_all_sync(&s.wq);
	else
		wq_wake_all(&s.wq);
	*queued_on_from = wakeups_on(from) - w0;
	thread_join(kid);
	return s.woke_on;
}

KTEST(sync_wakeup_runs_the_wakee_on_the_wakers_cpu)
{
	unsigned here = arch_cpu_id(), other = last_cpu(), plain, ran = CPU_MAX;
	uint64_t queued = 0;

	if (other == here) {
		KT_EQ(wake_from_idle_cpu(here, true, &queued), here);
		kprintf("  one CPU: the wakee runs here either way\n");
		return;
	}
	/* The waker blocks right after (the join), with nothing else queued here: the wakee is
	 * queued here, not on its idle CPU (from which this CPU could also have stolen it). A
	 * thread of the system queued here at that moment rightly sends it elsewhere: up to three
	 * tries, while a broken wake-affine path fails every one. */
	for (int try = 0; try < 3; try++) {
		ran = wake_from_idle_cpu(other, true, &queued);
		if (ran == here && queued == 0)
			break;
	}
	KT_EQ(ran, here);
	KT_ASSERT(queued == 0, "a sync wakeup queued the wakee on idle CPU %u", other);
	/* A plain wakeup queues it on the CPU it last ran on and kicks that CPU; whether that CPU
	 * wakes before this one idles and steals it is up to the host: only logged. */
	plain = wake_from_idle_cpu(other, false, &queued);
	KT_ASSERT(queued >= 1, "a plain wakeup did not queue the wakee on CPU %u", other);
	kprintf("  plain wakeup from idle CPU %u ran on CPU %u\n", other, plain);
}

/* True once cpu's idle loop polls; false after about a second. */
static bool spin_until_polling(unsigned cpu)
{
	struct sched_stats st;

	for (long i = 0; i < 100 * 1000 * 1000; i++)
		if (sched_stats(cpu, &st) && st.idle_polling)
			return true;
	return false;
}

/* Records the reschedule IPIs its CPU had received when it started. */
static int report_ipis(void *arg)
{
	*(volatile uint64_t *)arg = cpu_local()->resched_ipis;
	return 0;
}

/* Runs `rounds` rounds on target: a thread runs there and exits, so target's idle loop polls;
 * then a second thread is queued there during the poll. Counts the rounds where the poll was
 * seen and those where the second thread started with no reschedule IPI received meanwhile. */
static void poll_rounds(unsigned target, int rounds, unsigned *polled, unsigned *quiet)
{
	struct cpu_local *cl = cpu_local_of(target);
	cpumask_t m = cpumask_of(target);
	uint64_t seen, ipi0;

	for (int round = 0; round < rounds; round++) {
		struct thread *kid = thread_create_on("poll", report_ipis, &seen, &m);

		if (!kid)
			return;
		thread_join(kid);
		if (!spin_until_polling(target))
			continue;
		++*polled;
		ipi0 = cl->resched_ipis;
		kid = thread_create_on("polled", report_ipis, &seen, &m);
		if (!kid)
			return;
		thread_join(kid);
		*quiet += seen == ipi0;
	}
}

KTEST(idle_poll_runs_new_work_without_an_ipi)
{
	unsigned target = last_cpu(), quiet = 0, polled = 0;
	uint64_t poll0 = sched_idle_poll_ns;

	if (target == arch_cpu_id()) {
		kprintf("  one CPU: no other CPU to poll\n");
		return;
	}
	/* The poll lasts a second here, far longer than making a thread takes even on a stalled
	 * host, so each kick finds target polling and needs no reschedule IPI. (The host may still
	 * stall the poller past a kick in a round; most rounds must be quiet.) */
	sched_idle_poll_ns = 1000 * MS;
	poll_rounds(target, 10, &polled, &quiet);
	sched_idle_poll_ns = poll0;
	KT_ASSERT(polled >= 5, "CPU %u polled after only %u of 10 threads", target, polled);
	KT_ASSERT(quiet * 2 > polled, "CPU %u needed an IPI for work queued during %u of %u idle "
		  "polls", target, polled - quiet, polled);
}

struct hog {
	volatile bool stop;
	volatile bool spinning;
};

/* Keeps its CPU busy (preemption off, so not even the tick moves anything) until told. */
static int spin_until_stopped(void *arg)
{
	struct hog *h = arg;
	uint64_t end = time_ns() + 5000 * MS;

	preempt_disable();
	h->spinning = true;
	while (!h->stop && time_ns() < end)
		arch_relax();
	preempt_enable();
	return h->stop ? 0 : 1;
}

struct victim {
	struct completion done;
	volatile unsigned cpu;
};

static int note_cpu_and_complete(void *arg)
{
	struct victim *v = arg;

	v->cpu = arch_cpu_id();
	complete(&v->done);
	return 0;
}

KTEST(work_stealing_moves_a_queued_thread_to_an_idle_cpu)
{
	unsigned busy = last_cpu(), here = arch_cpu_id();
	cpumask_t on_busy = cpumask_of(busy);
	struct sched_stats before, after;
	struct hog h = { false, false };
	struct victim v = { .cpu = CPU_MAX };
	struct thread *ht = NULL, *vt;

	completion_init(&v.done, "victim");
	sched_stats(here, &before);
	if (busy != here) {
		ht = thread_create_on("hog", spin_until_stopped, &h, &on_busy);
		KT_ASSERT(ht, "thread_create failed");
		while (!h.spinning)
			sched_sleep_ns(100 * 1000);
	}
	/* Queued on the busy CPU, then allowed everywhere: only stealing can run it soon. */
	vt = thread_create_on("victim", note_cpu_and_complete, &v, &on_busy);
	KT_ASSERT(vt, "thread_create failed");
	thread_set_affinity(vt, &cpu_online_mask);
	KT_ASSERT(completion_wait_timeout(&v.done, 3000 * MS), "the queued thread never ran");
	h.stop = true;
	thread_join(vt);
	if (ht)
		KT_EQ(thread_join(ht), 0);
	sched_stats(here, &after);
	if (busy == here) {
		kprintf("  one CPU: nothing to steal from; the queued thread ran here\n");
		KT_EQ(v.cpu, here);
		KT_EQ(after.steals, before.steals);
		return;
	}
	KT_ASSERT(v.cpu != busy, "the queued thread waited for busy CPU %u instead of being "
		  "stolen", busy);
	kprintf("  stolen by CPU %u from busy CPU %u\n", v.cpu, busy);
}

/* sched_interrupt on a thread that is awake is remembered: its next sleep returns at once, and
 * only that one (the wakeup a signal sender must not lose between a check and a sleep). */
KTEST(sched_interrupt_while_awake_ends_the_next_sleep_only)
{
	struct thread *self = thread_current();
	uint64_t far = sched_deadline(10ULL * 1000 * 1000 * 1000), near;
	bool f;

	KT_EQ(sched_interrupt(self), false);		/* not blocked: nothing to wake */
	f = arch_irq_save();
	sched_block(NULL, far);
	arch_irq_restore(f);
	KT_ASSERT(time_ns() < far, "the interrupted sleep lasted until its deadline");
	near = sched_deadline(2 * 1000 * 1000);
	f = arch_irq_save();
	sched_block(NULL, near);
	arch_irq_restore(f);
	KT_ASSERT(time_ns() >= near, "a second sleep returned before its deadline");
}

static int mark_ran(void *arg)
{
	WRITE_ONCE(*(int *)arg, 1);
	return 0;
}

/* A thread between thread_prepare (thread_create_user) and thread_start can already be found
 * (a user thread is on its process's list first): a wakeup or a signal's interrupt must leave
 * it alone, else it runs before its start and then is queued a second time by it. sysfuzz
 * found this as threads run twice: mutexes handed to a thread that never ran, and a run-queue
 * assertion (issue 19). */
KTEST(wakeups_pass_by_a_thread_not_yet_started)
{
	int ran = 0;
	struct thread *th = thread_prepare("kt-new", mark_ran, &ran, &cpu_online_mask);
	bool woke, interrupted;

	KT_ASSERT(th, "thread_prepare failed");
	woke = sched_wake(th);
	interrupted = sched_interrupt(th);
	sched_sleep_ns(20 * MS);
	if (woke || interrupted || READ_ONCE(ran)) {
		thread_join(th);		/* the wakeup started it: let it end */
		KT_ASSERT(false, "a thread not yet started was woken (wake %d, interrupt %d) and "
			  "ran %d", woke, interrupted, ran);
	}
	KT_ASSERT(!th->interrupted, "the interrupt was kept for a thread not yet started");
	thread_start(th);
	KT_EQ(thread_join(th), 0);
	KT_ASSERT(READ_ONCE(ran), "the started thread did not run");
}
