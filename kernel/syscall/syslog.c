/*
 * syscall/syslog.c — syslog(2) (glibc's klogctl, busybox dmesg): the kernel log ring
 * (lib/logring.c) and the console log level.
 *
 * Actions as Linux numbers them: 0 close and 1 open do nothing; 2 READ waits until there is
 * unread text and consumes it (keel's writers cannot wake a reader — they log with arbitrary
 * locks held — so the wait polls every 50 ms, and a signal ends it); 3 READ_ALL and 4
 * READ_CLEAR copy the newest text, whole lines; 5 CLEAR; 6/7 console off/on; 8 sets the
 * console level (1..8); 9 the unread size; 10 the ring size. Everyone is root: no EPERM.
 */
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/proc.h>
#include <keel/sched.h>

enum {
	SYSLOG_CLOSE, SYSLOG_OPEN, SYSLOG_READ, SYSLOG_READ_ALL, SYSLOG_READ_CLEAR, SYSLOG_CLEAR,
	SYSLOG_CONSOLE_OFF, SYSLOG_CONSOLE_ON, SYSLOG_CONSOLE_LEVEL, SYSLOG_SIZE_UNREAD,
	SYSLOG_SIZE_BUFFER,
};

/* Linux's console level N shows levels below N; keel's log_level shows levels up to it. */
#define CONSOLE_LOGLEVEL_MIN	1
static int saved_level = -1;		/* console level before CONSOLE_OFF */

static long syslog_read(char __user *ubuf, int len, enum log_ring_how how)
{
	char *buf;
	size_t n;

	if (!ubuf || len < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (!user_range_ok(ubuf, (size_t)len))
		return -EFAULT;
	while (how == LOG_RING_CONSUME && log_ring_unread() == 0) {
		if (signal_pending())
			return -ERESTARTSYS;
		sched_sleep_ns(50 * 1000 * 1000);
	}
	buf = kmalloc(MIN((size_t)len, (size_t)LOG_RING_SIZE));
	if (!buf)
		return -ENOMEM;
	n = log_ring_read(buf, MIN((size_t)len, (size_t)LOG_RING_SIZE), how);
	if (copy_to_user(ubuf, buf, n))
		n = (size_t)-EFAULT;
	kfree(buf);
	return (long)n;
}

SYSCALL3(syslog, int, type, char __user *, buf, int, len)
{
	switch (type) {
	case SYSLOG_CLOSE:
	case SYSLOG_OPEN:
		return 0;
	case SYSLOG_READ:
		return syslog_read(buf, len, LOG_RING_CONSUME);
	case SYSLOG_READ_ALL:
		return syslog_read(buf, len, LOG_RING_ALL);
	case SYSLOG_READ_CLEAR:
		return syslog_read(buf, len, LOG_RING_ALL_CLEAR);
	case SYSLOG_CLEAR:
		log_ring_clear();
		return 0;
	case SYSLOG_CONSOLE_OFF:
		if (saved_level < 0)
			saved_level = log_level;
		log_level = CONSOLE_LOGLEVEL_MIN - 1;
		return 0;
	case SYSLOG_CONSOLE_ON:
		if (saved_level >= 0)
			log_level = saved_level;
		saved_level = -1;
		return 0;
	case SYSLOG_CONSOLE_LEVEL:
		if (len < 1 || len > 8)
			return -EINVAL;
		log_level = len - 1;
		saved_level = -1;
		return 0;
	case SYSLOG_SIZE_UNREAD:
		return (long)log_ring_unread();
	case SYSLOG_SIZE_BUFFER:
		return LOG_RING_SIZE;
	default:
		return -EINVAL;
	}
}
