/*
 * lib/logring.c — the kernel log ring: every klog line, whatever the console shows, kept for
 * dmesg (syslog(2), syscall/syslog.c) in Linux's record format "<level>[seconds] text\n".
 *
 * The ring is LOG_RING_SIZE bytes; `head` counts every byte ever written, so a position is
 * a 64-bit sequence number and the ring holds [head - LOG_RING_SIZE, head). Readers keep
 * their own positions: syslog's consuming reader (read_seq) and the point CLEAR set
 * (clear_seq). log_lock (irq-safe) orders writers and readers; nothing under it logs.
 */
#include <keel/log.h>
#include <keel/spinlock.h>
#include <keel/string.h>

static char ring[LOG_RING_SIZE];
static uint64_t head, read_seq, clear_seq;
static struct spinlock log_lock = SPINLOCK_INIT("log ring");

void log_ring_write(const char *s, size_t n)
{
	bool f = spin_lock_irqsave(&log_lock);

	if (n > LOG_RING_SIZE) {
		s += n - LOG_RING_SIZE;
		n = LOG_RING_SIZE;
	}
	for (size_t i = 0; i < n; i++)
		ring[(head + i) % LOG_RING_SIZE] = s[i];
	head += n;
	spin_unlock_irqrestore(&log_lock, f);
}

/* The oldest position still in the ring at or after `from` (log_lock held). */
static uint64_t clamp(uint64_t from)
{
	return head > LOG_RING_SIZE && from < head - LOG_RING_SIZE ? head - LOG_RING_SIZE : from;
}

static size_t copy_out(uint64_t from, char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = ring[(from + i) % LOG_RING_SIZE];
	return n;
}

size_t log_ring_read(char *buf, size_t n, enum log_ring_how how)
{
	bool f = spin_lock_irqsave(&log_lock);
	uint64_t from;
	size_t len = 0, skip = 0;

	if (how == LOG_RING_CONSUME) {
		from = clamp(read_seq);
		len = copy_out(from, buf, MIN(n, (size_t)(head - from)));
		read_seq = from + len;
	} else {
		/* the newest n bytes since the last clear, from a line start */
		from = clamp(clear_seq);
		if (head - from > n)
			from = head - n;
		len = copy_out(from, buf, (size_t)(head - from));
		if (from > clamp(clear_seq) && ring[(from - 1) % LOG_RING_SIZE] != '\n')
			while (skip < len && buf[skip++] != '\n')
				;
		if (how == LOG_RING_ALL_CLEAR)
			clear_seq = head;
	}
	spin_unlock_irqrestore(&log_lock, f);
	if (skip)
		memmove(buf, buf + skip, len - skip);
	return len - skip;
}

void log_ring_clear(void)
{
	bool f = spin_lock_irqsave(&log_lock);

	clear_seq = head;
	spin_unlock_irqrestore(&log_lock, f);
}

size_t log_ring_unread(void)
{
	bool f = spin_lock_irqsave(&log_lock);
	size_t n = (size_t)(head - clamp(read_seq));

	spin_unlock_irqrestore(&log_lock, f);
	return n;
}
