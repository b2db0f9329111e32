/*
 * arch/x86_64/fpu.c — where each user thread's vector state lives, under two policies.
 *
 * The kernel is built with -mgeneral-regs-only: the x87/SSE/AVX registers only ever hold user
 * state. Each CPU records whose (cpu->fpu_owner) and whether it may be newer than that
 * thread's save area (cpu->fpu_dirty); each area records which CPU's registers hold it
 * (fpu->cpu, -1 for none). Both halves change together, on that CPU, with interrupts off.
 *
 * fpu=eager (the default): on every switch away from a user thread its registers are saved
 * (XSAVEOPT/XSAVES: unchanged and init components cost nothing); a user thread switched in is
 * restored unless the registers still hold exactly its area (owner == it, fpu->cpu == this
 * CPU, counted as a clean skip). A dirty state never outlives its thread's time on the CPU,
 * so migration needs nothing; a stale owner pointer is only ever compared, never followed.
 *
 * fpu=lazy (the seed's): a switch sets CR0.TS unless the incoming thread owns the registers;
 * its first vector instruction traps (#NM) and the handler saves the previous owner and
 * restores the thread. The owner may be any thread that last used the registers here — also
 * one that now runs on another CPU. The invariant (docs/fpu.md):
 *     fpu->cpu == c  <=>  cpus[c]->fpu_owner == fpu, and then cpu c's registers are the only
 *     current copy of that state; its area is stale.
 * So before a thread's state is used anywhere else — its #NM on another CPU after a migration
 * or steal, a signal frame, fork's copy, exec, exit — the holding CPU is asked (a cross-CPU
 * call, flush_here) to save it and let go, and the user waits for fpu->cpu to become -1.
 * Only the thread itself ever claims its state, and it runs on one CPU, so no two CPUs race
 * to claim one area. Claims never happen in the switch hook (which runs under the run-queue
 * lock): only in trap and syscall context, with no lock held.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <keel/arch.h>
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/printf.h>
#include <keel/proc.h>
#include <keel/smp.h>
#include <keel/string.h>
#include "fpu.h"

enum fpu_policy { FPU_EAGER, FPU_LAZY };
static enum fpu_policy policy = FPU_EAGER;

static int set_fpu(const char *v)
{
	if (v && strcmp(v, "eager") == 0)
		policy = FPU_EAGER;
	else if (v && strcmp(v, "lazy") == 0)
		policy = FPU_LAZY;
	else
		return -EINVAL;
	return 0;
}
CMDLINE_PARAM("fpu", set_fpu, "fpu=eager|lazy");

void fpu_cpu_init(bool boot)
{
	struct cpu *c = this_cpu();

	xstate_cpu_init(boot);
	c->fpu_ts = false;
	c->fpu_owner = NULL;
	c->fpu_dirty = false;
}

/* --- the registers and their owner (interrupts off in all of these) --- */

static void ts_set(struct cpu *c, bool on)
{
	if (c->fpu_ts == on)
		return;
	if (on)
		write_cr0(read_cr0() | CR0_TS);
	else
		__asm__ __volatile__("clts");
	c->fpu_ts = on;
}

static void set_where(struct fpu *f, int cpu)
{
	__atomic_store_n(&f->cpu, cpu, __ATOMIC_RELEASE);
}

static void save_owner(struct cpu *c)
{
	struct fpu *o = c->fpu_owner;

	xstate_insn_save_kernel(o->image);
	o->saves++;
	c->fpu_stats.saves++;
	c->fpu_dirty = false;
}

static void load(struct cpu *c, struct fpu *f)
{
	xstate_insn_restore_kernel(f->image);
	f->restores++;
	c->fpu_stats.restores++;
	c->fpu_owner = f;
	set_where(f, (int)c->id);
}

/* The registers stop holding the owner's state; saved first unless discard. Lazy owners are
 * live threads (exit lets go); an eager owner is followed only while dirty (running). */
static void release(struct cpu *c, bool discard)
{
	struct fpu *o = c->fpu_owner;

	if (!o)
		return;
	if (c->fpu_dirty && !discard)
		save_owner(c);
	c->fpu_dirty = false;
	c->fpu_owner = NULL;
	if (policy == FPU_LAZY)
		set_where(o, -1);
}

/* Cross-CPU call target: this CPU lets go of f's state if it holds it. */
static void flush_here(void *arg)
{
	struct fpu *f = arg;
	struct cpu *c = this_cpu();
	bool ts = c->fpu_ts;

	if (c->fpu_owner != f)
		return;
	ts_set(c, false);
	release(c, false);
	c->fpu_stats.remote_flushes++;
	ts_set(c, ts);
}

/* Lazy: returns once no other CPU's registers hold f (the current thread's state). */
static void pull_from_remote(struct cpu *c, struct fpu *f)
{
	int where;

	if (policy != FPU_LAZY)
		return;
	while ((where = __atomic_load_n(&f->cpu, __ATOMIC_ACQUIRE)) >= 0 && where != (int)c->id)
		smp_call_one((unsigned)where, flush_here, f);
}

/* Makes the current thread's state f the registers' (loaded from its area if load_it, else
 * the caller overwrites them next), with TS clear. */
static void claim(struct cpu *c, struct fpu *f, bool load_it)
{
	pull_from_remote(c, f);
	ts_set(c, false);
	if (c->fpu_owner != f || f->cpu != (int)c->id) {
		release(c, false);
		if (load_it) {
			load(c, f);
		} else {
			c->fpu_owner = f;
			set_where(f, (int)c->id);
		}
	}
	c->fpu_dirty = true;
}

static struct fpu *current_fpu(void)
{
	return uthread_current()->fpu;
}

/* --- the policies --- */

void fpu_switch(struct cpu *c, struct uthread *ut)
{
	struct fpu *next = ut && !((struct fpu *)ut->fpu)->dead ? ut->fpu : NULL;

	if (policy == FPU_LAZY) {
		if (!next)
			return;		/* kernel threads never touch the registers */
		if (c->fpu_owner == next)
			c->fpu_stats.clean_skips++;
		ts_set(c, c->fpu_owner != next);
		return;
	}
	if (c->fpu_dirty && c->fpu_owner != next)
		save_owner(c);
	if (!next)
		return;
	if (c->fpu_owner == next && next->cpu == (int)c->id)
		c->fpu_stats.clean_skips++;
	else
		load(c, next);
	c->fpu_dirty = true;
}

void fpu_nm_trap(struct trap_frame *tf)
{
	struct cpu *c = this_cpu();
	struct fpu *f = current_fpu();

	c->fpu_stats.nm_traps++;
	f->nm_traps++;
	claim(c, f, true);
}

int fpu_fault_code(bool simd)
{
	bool irq = arch_irq_save();
	int code;

	claim(this_cpu(), current_fpu(), true);
	code = xstate_insn_fault_code(simd);
	arch_irq_restore(irq);
	return code;
}

/* --- save areas and the thread's life --- */

static size_t area_bytes(void)
{
	size_t n = 64;

	while (n < sizeof(struct fpu) + xstate.kernel_size)
		n <<= 1;
	return n;
}

void *arch_fpu_alloc(void)
{
	struct fpu *f = kmalloc(area_bytes());

	if (!f)
		return NULL;
	assert(IS_ALIGNED((uintptr_t)f->image, 64));
	memset(f, 0, sizeof(*f));
	f->cpu = -1;
	xstate_init_image(f->image);
	return f;
}

void arch_fpu_free(void *p)
{
	struct fpu *f = p;

	if (!f)
		return;
	for_each_cpu(i, &cpu_online_mask) {
		struct fpu *expect = f;

		/* Eager leaves clean, stale owner pointers behind; lazy never a live one. */
		if (__atomic_compare_exchange_n(&cpus[i]->fpu_owner, &expect, NULL, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED) &&
		    policy == FPU_LAZY)
			panic("fpu: freeing the state cpu %u still holds", i);
	}
	kfree(f);
}

void arch_fpu_fork(void *child)
{
	bool irq = arch_irq_save();
	struct cpu *c = this_cpu();
	struct fpu *f = current_fpu(), *ch = child;

	pull_from_remote(c, f);
	if (c->fpu_owner == f && f->cpu == (int)c->id) {
		ts_set(c, false);
		xstate_insn_save_kernel(f->image);	/* the area the registers came from */
		f->saves++;
		c->fpu_stats.saves++;
	}
	memcpy(ch->image, f->image, xstate.kernel_size);
	arch_irq_restore(irq);
}

void arch_fpu_exec(void)
{
	bool irq = arch_irq_save();
	struct cpu *c = this_cpu();
	struct fpu *f = current_fpu();

	if (policy == FPU_LAZY) {
		pull_from_remote(c, f);
		if (c->fpu_owner == f)
			release(c, true);
		xstate_init_image(f->image);
		ts_set(c, true);
	} else {
		claim(c, f, false);
		xstate_insn_restore_init();
	}
	arch_irq_restore(irq);
}

void arch_fpu_exit(void)
{
	bool irq = arch_irq_save();
	struct cpu *c = this_cpu();
	struct fpu *f = current_fpu();

	f->dead = true;
	pull_from_remote(c, f);
	if (c->fpu_owner == f)
		release(c, true);
	arch_irq_restore(irq);
}

/* --- signal frames --- */

size_t fpu_sigframe_size(void)
{
	return xstate.std_size;
}

void fpu_sigframe_init(void *img)
{
	xstate_init_std(img);
}

/* The current state into img (standard form, zeroed header); the handler starts from init. */
void fpu_sigframe_save(void *img)
{
	bool irq = arch_irq_save();

	claim(this_cpu(), current_fpu(), true);
	xstate_insn_save_std(img);
	xstate_insn_restore_init();
	arch_irq_restore(irq);
}

/* Loads img (standard form, from user space); -EFAULT if it is malformed, the registers then
 * in the init state. */
int fpu_sigframe_load(const void *img)
{
	bool irq;
	int err;

	if (!xstate_std_image_ok(img))
		return -EFAULT;
	irq = arch_irq_save();
	claim(this_cpu(), current_fpu(), false);
	err = xstate_insn_restore_std(img);
	if (err)
		xstate_insn_restore_init();
	arch_irq_restore(irq);
	return err;
}

/* For ktests (test_fpu.c), from a kernel thread: XRSTOR of img exactly as given, after the
 * owner's state is saved; the registers end in the init state, owned by nobody. */
int fpu_try_restore_std(const void *img)
{
	bool irq = arch_irq_save();
	struct cpu *c = this_cpu();
	bool ts = c->fpu_ts;
	int err;

	ts_set(c, false);
	release(c, false);
	err = xstate_insn_restore_std(img);
	xstate_insn_restore_init();
	ts_set(c, ts);
	arch_irq_restore(irq);
	return err;
}

/* --- counters --- */

bool arch_fpu_cpu_stats(unsigned cpu, struct fpu_stats *st)
{
	if (cpu >= CPU_MAX || !cpumask_test(&cpu_online_mask, cpu))
		return false;
	*st = cpus[cpu]->fpu_stats;
	return true;
}

void arch_fpu_self_stats(struct fpu_stats *st)
{
	struct fpu *f = current_fpu();

	*st = (struct fpu_stats){ .nm_traps = f->nm_traps, .saves = f->saves,
				  .restores = f->restores };
}

void arch_fpu_describe(char *buf, size_t n)
{
	uint64_t x = xstate.xcr0;

	snprintf(buf, n, "%s, %s, xcr0 %#lx (x87 sse%s%s), area %zu bytes, signal frame %zu bytes",
		 policy == FPU_LAZY ? "lazy" : "eager", xstate_kind_name(), x,
		 x & XFEAT_AVX ? " avx" : "", (x & XFEAT_AVX512) == XFEAT_AVX512 ? " avx512" : "",
		 xstate.kernel_size, xstate.std_size);
}
