/*
 * syscall/dispatch.c — the system call table, built at boot from the .syscalls section that
 * the SYSCALLn macros (keel/syscall.h) fill, and the dispatcher the arch entry calls.
 * A number with no entry answers ENOSYS, as Linux does, and is logged once per number at
 * LOG_INFO (seen with loglevel=6 or more): programs probe for calls and carry on.
 */
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/syscall.h>

extern const struct syscall_desc __syscalls_start[], __syscalls_end[];

static const struct syscall_desc *table[SYSCALL_MAX];
static bool reported[SYSCALL_MAX];	/* an unknown call is logged once (at LOG_INFO) */

void syscall_init(void)
{
	unsigned n = 0;

	for (const struct syscall_desc *d = __syscalls_start; d < __syscalls_end; d++, n++) {
		if (d->nr >= SYSCALL_MAX)
			panic("syscall %s: number %u out of range", d->name, d->nr);
		if (table[d->nr])
			panic("syscall %u defined twice: %s and %s", d->nr, table[d->nr]->name,
			      d->name);
		table[d->nr] = d;
	}
	pr_info("syscall: %u Linux system calls\n", n);
}

long syscall_dispatch(unsigned long nr, const uint64_t *args)
{
	const char *name;

	if (nr < SYSCALL_MAX && table[nr])
		return table[nr]->entry(args);
	name = nr < SYSCALL_MAX ? syscall_name((unsigned)nr) : NULL;
	if (nr >= SYSCALL_MAX || !__atomic_test_and_set(&reported[nr], __ATOMIC_RELAXED))
		pr_info("syscall: pid %d (%s): %s (%lu) not implemented: ENOSYS\n",
			proc_current()->pid, proc_current()->name, name ? name : "unknown", nr);
	return -ENOSYS;
}
