/*
 * lib/log.c — kernel log lines and kprintf.
 *
 * A log line is formatted into a stack buffer with its "[seconds.micros] " prefix and written in
 * one console_write, so concurrent CPUs never interleave within a line.
 */
#include <keel/log.h>
#include <keel/console.h>
#include <keel/printf.h>
#include <keel/time.h>

#define LOG_LINE_MAX	256
#define RATELIMIT_BURST	10

int log_level = LOG_INFO;

static void console_putc_cb(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
	return kvformat(console_putc_cb, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Every line goes to the ring as "<level>[time] text"; the console shows the lines at or
 * below log_level without the "<level>" prefix. */
void klog(int level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	uint64_t ns = time_ns();
	va_list ap;
	int n, pre;

	pre = snprintf(line, sizeof(line), "<%d>", level & 7);
	n = pre + snprintf(line + pre, sizeof(line) - pre, "[%5lu.%06lu] ", ns / NSEC_PER_SEC,
			   (ns % NSEC_PER_SEC) / 1000);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line)) {		/* truncated: keep the line break */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	log_ring_write(line, (size_t)n);
	if (level <= log_level)
		console_write(line + pre, (size_t)(n - pre));
}

bool log_ratelimit(uint64_t *last_ns, unsigned *burst)
{
	uint64_t now = time_ns();

	if (now - *last_ns > NSEC_PER_SEC) {
		*last_ns = now;
		*burst = 0;
	}
	return (*burst)++ < RATELIMIT_BURST;
}
