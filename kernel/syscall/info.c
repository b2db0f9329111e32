/*
 * syscall/info.c — what a program may ask about the system and itself: uname, sysinfo,
 * getrandom. (The user and group ids are proc/cred.c's.)
 */
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/proc.h>
#include <keel/random.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/version.h>


/* ---- uname ---- */

#define UTS_LEN		65

struct k_utsname {
	char sysname[UTS_LEN];
	char nodename[UTS_LEN];
	char release[UTS_LEN];
	char version[UTS_LEN];
	char machine[UTS_LEN];
	char domainname[UTS_LEN];
};

SYSCALL1(uname, struct k_utsname __user *, buf)
{
	struct k_utsname u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "keel", UTS_LEN);
	strlcpy(u.nodename, "keel", UTS_LEN);
	strlcpy(u.release, KEEL_RELEASE, UTS_LEN);
	strlcpy(u.version, KEEL_VERSION, UTS_LEN);
	strlcpy(u.machine, "x86_64", UTS_LEN);
	strlcpy(u.domainname, "(none)", UTS_LEN);
	return copy_to_user(buf, &u, sizeof(u)) ? -EFAULT : 0;
}

/* ---- sysinfo ---- */

/* Linux's struct sysinfo on x86-64 (112 bytes). */
struct k_sysinfo {
	int64_t uptime;
	uint64_t loads[3];		/* fixed point, 1 << 16 = 1.0 */
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs;
	uint16_t pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[20 - 2 * sizeof(long) - sizeof(int)];
};
_Static_assert(sizeof(struct k_sysinfo) == 112, "struct sysinfo is 112 bytes on x86-64");

static int count_proc(struct proc *p, void *arg)
{
	(*(unsigned *)arg)++;
	return 0;
}

SYSCALL1(sysinfo, struct k_sysinfo __user *, info)
{
	struct k_sysinfo si;
	struct frame_stats fs;
	unsigned long loads[3];
	unsigned procs = 0;

	memset(&si, 0, sizeof(si));
	frame_stats(&fs);
	proc_for_each(count_proc, &procs);
	si.uptime = (int64_t)(time_ns() / NSEC_PER_SEC);
	sched_loadavg(loads);
	for (int i = 0; i < 3; i++)	/* Linux's 11-bit fixed point, widened to 16 bits */
		si.loads[i] = loads[i] << (16 - LOADAVG_FSHIFT);
	si.totalram = fs.total_pages * PAGE_SIZE;
	si.freeram = fs.free_pages * PAGE_SIZE;
	si.procs = (uint16_t)MIN(procs, 0xffffu);
	si.mem_unit = 1;
	return copy_to_user(info, &si, sizeof(si)) ? -EFAULT : 0;
}

/* ---- getrandom ---- */

#define GRND_NONBLOCK	0x1
#define GRND_RANDOM	0x2
#define GRND_INSECURE	0x4
#define GETRANDOM_CHUNK	256
#define GETRANDOM_MAX	0x1ffffff	/* Linux's cap on one call (32 MiB - 1) */

/*
 * The generator is seeded before user space exists, so nothing ever blocks and NONBLOCK,
 * RANDOM and INSECURE all read the same stream. A large request is served in chunks and may
 * end early with a partial count when a signal arrives (never before the first chunk).
 */
SYSCALL3(getrandom, void __user *, buf, size_t, count, unsigned, flags)
{
	uint8_t chunk[GETRANDOM_CHUNK];
	size_t done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
	    (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	count = MIN(count, (size_t)GETRANDOM_MAX);
	if (!user_range_ok(buf, count))
		return -EFAULT;
	while (done < count) {
		size_t k = MIN(count - done, sizeof(chunk));

		if (done && signal_pending())
			break;
		random_bytes(chunk, k);
		if (copy_to_user((uint8_t __user *)buf + done, chunk, k))
			break;
		done += k;
	}
	memset(chunk, 0, sizeof(chunk));
	return done ? (long)done : (count ? -EFAULT : 0);
}
