/*
 * user/usertests/t_misc.c — time, scheduling, identity and system information: nanosleep,
 * clock_nanosleep, clock_gettime, gettimeofday, sched_yield, affinity, uname, arch_prctl,
 * getrandom, prlimit64, sysinfo.
 */
#include "ut.h"

#include <pthread.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

static void sleeps(void)
{
	struct timespec ts = { 0, 30 * 1000000 }, rem;

	int64_t t0 = ut_now_ns();
	CHECK(nanosleep(&ts, &rem) == 0);
	CHECK(ut_now_ns() - t0 >= 30000000);
	t0 = ut_now_ns();
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	CHECK(ut_now_ns() - t0 >= 30000000);
	struct timespec abs;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &abs) == 0);
	abs.tv_nsec += 40 * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	CHECK(now.tv_sec > abs.tv_sec || (now.tv_sec == abs.tv_sec && now.tv_nsec >= abs.tv_nsec));
	struct timespec bad = { 0, 1000000000 };
	CHECK_ERR(nanosleep(&bad, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_nanosleep, (void *)8, NULL), EFAULT);
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL);	/* returns errno */
}

static void clocks(void)
{
	struct timespec prev, cur, rt;
	struct timeval tv;

	CHECK(clock_gettime(CLOCK_MONOTONIC, &prev) == 0);
	for (int i = 0; i < 100000; i++) {
		CHECK(clock_gettime(CLOCK_MONOTONIC, &cur) == 0);
		if (cur.tv_sec < prev.tv_sec || (cur.tv_sec == prev.tv_sec && cur.tv_nsec < prev.tv_nsec))
			FAIL("CLOCK_MONOTONIC went back: %ld.%09ld -> %ld.%09ld", (long)prev.tv_sec,
			     prev.tv_nsec, (long)cur.tv_sec, cur.tv_nsec);
		CHECK(cur.tv_nsec >= 0 && cur.tv_nsec < 1000000000);
		prev = cur;
	}
	CHECK(clock_gettime(CLOCK_REALTIME, &rt) == 0);
	CHECK(gettimeofday(&tv, NULL) == 0);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	long long diff = (long long)tv.tv_sec - (long long)rt.tv_sec;
	CHECK(diff >= 0 && diff <= 2);
	CHECK_ERR(clock_gettime(12345, &cur), EINVAL);
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8), EFAULT);
}

static void yield_affinity(void)
{
	cpu_set_t set, one, back;

	for (int i = 0; i < 100; i++)
		CHECK(sched_yield() == 0);
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	int n = CPU_COUNT(&set), first = -1;
	CHECK(n >= 1);
	for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
		if (CPU_ISSET(c, &set))
			first = c;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
	CHECK(sched_getaffinity(0, sizeof(back), &back) == 0);
	CHECK(CPU_EQUAL(&one, &back));
	for (int i = 0; i < 10; i++)
		sched_yield();				/* runs on that CPU */
	CHECK(sched_setaffinity(0, sizeof(set), &set) == 0);
	cpu_set_t none;
	CPU_ZERO(&none);
	CHECK_ERR(sched_setaffinity(0, sizeof(none), &none), EINVAL);
	CHECK_ERR(sched_getaffinity(0, sizeof(set), (void *)8), EFAULT);
	CHECK_ERR(sched_getaffinity(999999, sizeof(set), &set), ESRCH);
}

static void uname_test(void)
{
	struct utsname u;

	CHECK(uname(&u) == 0);
	CHECK(u.sysname[0] != '\0' && u.release[0] != '\0');
	CHECK(strcmp(u.machine, "x86_64") == 0);
}

static void arch_prctl_fs(void)
{
	void *fs = NULL;

	CHECK(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs) == 0);
	CHECK(fs == (void *)pthread_self());		/* musl's TLS pointer is the thread */
	void *tp;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
	CHECK(tp == fs);				/* the TCB points to itself */
	CHECK(syscall(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, fs) == 0);
	CHECK_ERR(syscall(SYS_arch_prctl, 0x1002, 0xffff800000000000UL), EPERM);
	CHECK_ERR(syscall(SYS_arch_prctl, 0x1003, (void *)8), EFAULT);
	CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, &fs), EINVAL);
}

static void getrandom_test(void)
{
	unsigned char a[32], b[32], zero[32] = { 0 };

	CHECK_EQ(getrandom(a, sizeof(a), 0), 32);
	CHECK_EQ(getrandom(b, sizeof(b), GRND_NONBLOCK), 32);
	CHECK(memcmp(a, zero, 32) != 0 && memcmp(b, zero, 32) != 0);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK_ERR(getrandom((void *)8, 16, 0), EFAULT);
	CHECK_ERR(getrandom(a, 16, 0x1000), EINVAL);
}

static void prlimit_test(void)
{
	struct rlimit r;

	CHECK(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &r) == 0);
	CHECK(r.rlim_cur > 0 && (r.rlim_max == RLIM_INFINITY || r.rlim_cur <= r.rlim_max));
	if (ut_on_keel())
		CHECK_EQ(r.rlim_cur, 20 * 1024 * 1024);
	CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur >= 64);
	CHECK_ERR(syscall(SYS_prlimit64, 0, 9999, NULL, &r), EINVAL);
}

static void sysinfo_test(void)
{
	struct sysinfo si;

	CHECK(sysinfo(&si) == 0);
	CHECK(si.mem_unit >= 1 && si.totalram > 0);
	CHECK(si.freeram <= si.totalram);
	CHECK(si.procs >= 1);
	CHECK_ERR(sysinfo((void *)8), EFAULT);
}

/*
 * Random system calls with random arguments from several processes at once: whatever they do
 * to themselves, the kernel must survive it and stay usable. Only on keel: random syscalls are
 * not something to throw at the host running the tests.
 */
static uint64_t fuzz_rng;

static uint64_t fuzz_next(void)
{
	fuzz_rng ^= fuzz_rng << 13;
	fuzz_rng ^= fuzz_rng >> 7;
	fuzz_rng ^= fuzz_rng << 17;
	return fuzz_rng;
}

static long fuzz_arg(char *buf, size_t len)
{
	switch (fuzz_next() % 9) {
	case 0: return 0;
	case 1: return -1;
	case 2: return (long)(fuzz_next() % 16);
	case 3: return (long)fuzz_next();
	case 4: return (long)(buf + fuzz_next() % len);
	case 5: return (long)0xffff800000000000UL + (long)(fuzz_next() % 4096);
	case 6: return (long)0x00007ffffffff000UL - (long)(fuzz_next() % 64);
	case 7: return (long)buf;
	default: return (long)(fuzz_next() % 4096);
	}
}

static int fuzz_excluded(long nr)
{
	/* signals to others (kill -1 would end the suite), and process creation (fork bombs) */
	static const long no[] = { SYS_kill, SYS_tkill, SYS_tgkill, SYS_fork, SYS_vfork, SYS_clone,
				   435 /* clone3 */, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo };

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (nr == no[i])
			return 1;
	return 0;
}

static void fuzz_child(uint64_t seed)
{
	static char buf[8192];
	int null = open("/dev/null", O_RDWR);

	for (int fd = 0; fd < 3; fd++)
		dup2(null, fd);
	fuzz_rng = seed;
	for (int i = 0; i < 3000; i++) {
		long nr = (long)(fuzz_next() % 340), a[6];

		if (fuzz_excluded(nr))
			continue;
		for (int k = 0; k < 6; k++)
			a[k] = fuzz_arg(buf, sizeof(buf));
		for (size_t k = 0; k < 64; k++)
			buf[fuzz_next() % sizeof(buf)] = (char)fuzz_next();
		syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	_exit(0);
}

/* Waves of N fuzzing children (a child often kills itself early, e.g. by unmapping its own
 * code), 60 children in all. */
static void syscall_fuzz(void)
{
	enum { N = 6, WAVES = 10 };
	pid_t pids[N];

	if (!ut_on_keel())
		ut_skip("random syscalls are only thrown at keel");
	for (int w = 0; w < WAVES; w++) {
		int64_t deadline = ut_now_ns() + 2LL * 1000000000;

		for (int i = 0; i < N; i++) {
			pids[i] = fork();
			CHECK(pids[i] >= 0);
			if (pids[i] == 0)
				fuzz_child(0x9e3779b97f4a7c15ULL * (uint64_t)(w * N + i + 1));
		}
		for (int i = 0; i < N; i++) {
			while (waitpid(pids[i], NULL, WNOHANG) == 0 && ut_now_ns() < deadline)
				ut_sleep_ms(10);
			kill(pids[i], SIGKILL);	/* asleep in a wait it asked for: fine */
			waitpid(pids[i], NULL, 0);
		}
	}
	/* still a working system */
	CHECK(getpid() > 1);
	int fd = open("/proc/meminfo", O_RDONLY);
	CHECK(fd >= 0);
	char b[64];
	CHECK(read(fd, b, sizeof(b)) > 0);
	close(fd);
}

const struct ut_test ut_misc_tests[] = {
	{ "sleep", sleeps, 0 },
	{ "clocks", clocks, 0 },
	{ "sched_affinity", yield_affinity, 0 },
	{ "uname", uname_test, 0 },
	{ "arch_prctl", arch_prctl_fs, 0 },
	{ "getrandom", getrandom_test, 0 },
	{ "prlimit64", prlimit_test, 0 },
	{ "sysinfo", sysinfo_test, 0 },
	{ "syscall_fuzz", syscall_fuzz, 60 },
	{ NULL, NULL, 0 }
};
