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
