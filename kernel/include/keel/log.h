/*
 * keel/log.h — the kernel log: console lines prefixed with seconds since boot.
 *
 * Levels follow Linux (0 emergency .. 7 debug); lines above the `loglevel=` boot word are not
 * printed. A line is written in one console_write, so lines from different CPUs never mix.
 */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <keel/types.h>

#define LOG_ERR		3
#define LOG_WARN	4
#define LOG_INFO	6
#define LOG_DEBUG	7

extern int log_level;

void klog(int level, const char *fmt, ...) __printf(2, 3);
/* The log ring (lib/logring.c): every klog line as "<level>[time] text\n", for syslog(2). */
#define LOG_RING_SIZE	(64 * 1024)
enum log_ring_how {
	LOG_RING_CONSUME,	/* from the consuming reader's position on, advancing it */
	LOG_RING_ALL,		/* the newest bytes since the last clear (whole lines) */
	LOG_RING_ALL_CLEAR,	/* LOG_RING_ALL, then clear */
};
void log_ring_write(const char *s, size_t n);
/* Copies at most n bytes into buf (a kernel buffer); returns the count. */
size_t log_ring_read(char *buf, size_t n, enum log_ring_how how);
void log_ring_clear(void);
/* Bytes the consuming reader has not read. */
size_t log_ring_unread(void);

/* true if a message guarded by this state may print now (at most a burst per second). */
bool log_ratelimit(uint64_t *last_ns, unsigned *burst);

#define pr_err(...)	klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	klog(LOG_DEBUG, __VA_ARGS__)

#define pr_warn_ratelimited(...) \
	do { \
		static uint64_t __rl_last; \
		static unsigned __rl_burst; \
		if (log_ratelimit(&__rl_last, &__rl_burst)) \
			pr_warn(__VA_ARGS__); \
	} while (0)

#endif
