/*
 * user/fpu/nosse.c — `fputest --nosse`: a thread that never touches a vector register, for
 * the lazy policy's premise (fputest: thread_without_vector_use_takes_no_nm_and_no_saves).
 *
 * Entered from fresh_entry before musl starts, so no library code runs; compiled for general
 * registers only. Writes its own /proc/keel/fpu before and after 2000 sched_yield calls to
 * stdout, separated by "---\n", and exits.
 */
#define GPR __attribute__((target("general-regs-only")))

void nosse_main(void);

GPR static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ __volatile__("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c)
			     : "rcx", "r11", "memory");
	return r;
}

static char before[4096], after[4096];

GPR static long snapshot(char *buf)
{
	long fd = sys3(2, (long)"/proc/keel/fpu", 0, 0), n;	/* open, O_RDONLY */

	if (fd < 0)
		return 0;
	n = sys3(0, fd, (long)buf, sizeof(before));	/* read */
	sys3(3, fd, 0, 0);				/* close */
	return n > 0 ? n : 0;
}

GPR __attribute__((noreturn)) void nosse_main(void)
{
	long nb = snapshot(before), na;

	for (int i = 0; i < 2000; i++)
		sys3(24, 0, 0, 0);			/* sched_yield */
	na = snapshot(after);
	sys3(1, 1, (long)before, nb);
	sys3(1, 1, (long)"---\n", 4);
	sys3(1, 1, (long)after, na);
	sys3(231, (na && nb) ? 0 : 1, 0, 0);		/* exit_group */
	for (;;)
		;
}
