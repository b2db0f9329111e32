/*
 * fs/tty.c — /dev/console: the serial console as a terminal, with a line discipline.
 *
 * Input bytes reach tty_input() from one kernel thread ("tty", started by tty_start when the
 * first process gets the console) that sleeps in console_getc_wait(); the line discipline
 * runs there, in thread context, so it may echo and send signals. In canonical mode (ICANON)
 * a line is edited in line[] (erase, kill, word erase, echo) and moves to the input ring when
 * it ends: with '\n' (kept) or VEOF (a DELIM marker, not returned: ^D at a line's start reads
 * as end-of-file). ISIG turns VINTR/VQUIT/VSUSP into SIGINT/SIGQUIT/SIGTSTP for the
 * foreground process group and flushes pending input. In raw mode bytes go to the ring at once
 * and a read returns what is there (VMIN = 0 with VTIME: wait at most VTIME tenths).
 * Output goes to the console as is (the serial driver turns '\n' into "\r\n").
 *
 * Locking: tty.wq.lock (irq-saving) guards every field; echo and signals happen after it is
 * dropped. Readers sleep on tty.wq.
 */
#include "internal.h"
#include <keel/console.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/string.h>

#define TTY_RING	4096
#define TTY_DELIM	0x100		/* ring entry: end of a line pushed by VEOF */
#define TTY_OUT_CHUNK	128		/* console_write holds interrupts off per chunk */

static struct tty {
	struct wait_queue wq;
	struct termios tio;
	struct winsize ws;
	int fg_pgid;
	uint16_t ring[TTY_RING];
	unsigned head, count;		/* ring[head] is the oldest entry */
	unsigned delims;		/* '\n' and TTY_DELIM entries in the ring */
	char line[TTY_RING];
	unsigned llen;
} tty;

static const struct termios tty_default_tio = {
	.c_iflag = ICRNL | 02000 /* IXON */,
	.c_oflag = OPOST | ONLCR,
	.c_cflag = 0277 /* B38400 | CS8 | CREAD */,
	.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
	.c_cc = { [VINTR] = 3, [VQUIT] = 0x1c, [VERASE] = 0x7f, [VKILL] = 0x15, [VEOF] = 4,
		  [VTIME] = 0, [VMIN] = 1, [8] = 0x11, [9] = 0x13, [VSUSP] = 0x1a,
		  [12] = 0x12, [13] = 0x0f, [VWERASE] = 0x17, [15] = 0x16 },
};

/* What one input byte makes happen after the lock is dropped. */
struct tty_effects {
	char echo[TTY_RING / 4];
	size_t n;
	int sig;
	bool wake;
};

static void echo_add(struct tty_effects *fx, const char *s, size_t n)
{
	while (n-- && fx->n < sizeof(fx->echo))
		fx->echo[fx->n++] = *s++;
}

/* Echoes c as typed: control characters as ^X under ECHOCTL (not '\n' or '\t'). */
static void echo_char(struct tty_effects *fx, char c)
{
	char caret[2] = { '^', (char)(c ^ 0x40) };

	if (!(tty.tio.c_lflag & ECHO))
		return;
	if ((unsigned char)c < 0x20 && c != '\n' && c != '\t' && (tty.tio.c_lflag & ECHOCTL))
		echo_add(fx, caret, 2);
	else
		echo_add(fx, &c, 1);
}

static void echo_erase(struct tty_effects *fx, unsigned count)
{
	if (!(tty.tio.c_lflag & ECHO))
		return;
	while (count--)
		echo_add(fx, "\b \b", 3);
}

static void ring_push(uint16_t v)
{
	if (tty.count == TTY_RING)
		return;			/* full: dropped, as a real terminal would */
	tty.ring[(tty.head + tty.count++) % TTY_RING] = v;
	if (v == '\n' || v == TTY_DELIM)
		tty.delims++;
}

static uint16_t ring_pop(void)
{
	uint16_t v = tty.ring[tty.head];

	tty.head = (tty.head + 1) % TTY_RING;
	tty.count--;
	if (v == '\n' || v == TTY_DELIM)
		tty.delims--;
	return v;
}

/* Ends the line being edited: it becomes readable, followed by end (a byte or DELIM). */
static void line_push(uint16_t end, struct tty_effects *fx)
{
	if (TTY_RING - tty.count < tty.llen + 1)
		tty.llen = 0;		/* no room for the line: it is lost */
	for (unsigned i = 0; i < tty.llen; i++)
		ring_push((unsigned char)tty.line[i]);
	ring_push(end);
	tty.llen = 0;
	fx->wake = true;
}

static void flush_input_locked(void)
{
	tty.head = tty.count = tty.delims = tty.llen = 0;
}

static bool isig_locked(char c, struct tty_effects *fx)
{
	const uint8_t *cc = tty.tio.c_cc;

	if (!(tty.tio.c_lflag & ISIG) || !c)
		return false;
	if (c == cc[VINTR])
		fx->sig = SIGINT;
	else if (c == cc[VQUIT])
		fx->sig = SIGQUIT;
	else if (c == cc[VSUSP])
		fx->sig = SIGTSTP;
	else
		return false;
	flush_input_locked();
	echo_char(fx, c);
	fx->wake = true;
	return true;
}

/* Canonical editing of one byte. */
static void canon_locked(char c, struct tty_effects *fx)
{
	const uint8_t *cc = tty.tio.c_cc;

	if (c == cc[VERASE] || c == '\b') {
		if (tty.llen) {
			tty.llen--;
			echo_erase(fx, 1);
		}
	} else if (c == cc[VKILL]) {
		echo_erase(fx, tty.llen);
		tty.llen = 0;
	} else if (c == cc[VWERASE] && (tty.tio.c_lflag & IEXTEN)) {
		unsigned n = tty.llen;

		while (n && tty.line[n - 1] == ' ')
			n--;
		while (n && tty.line[n - 1] != ' ')
			n--;
		echo_erase(fx, tty.llen - n);
		tty.llen = n;
	} else if (c == cc[VEOF]) {
		line_push(TTY_DELIM, fx);
	} else if (c == '\n') {
		echo_char(fx, c);
		line_push('\n', fx);
	} else if (tty.llen < TTY_RING - 1) {
		tty.line[tty.llen++] = c;
		echo_char(fx, c);
	}
}

void tty_input(char c)
{
	struct tty_effects fx = { .n = 0 };
	bool f = spin_lock_irqsave(&tty.wq.lock);
	int pgid = tty.fg_pgid;

	if (c == '\r' && (tty.tio.c_iflag & ICRNL))
		c = '\n';
	if (!isig_locked(c, &fx)) {
		if (tty.tio.c_lflag & ICANON) {
			canon_locked(c, &fx);
		} else {
			ring_push((unsigned char)c);
			echo_char(&fx, c);
			fx.wake = true;
		}
	}
	if (fx.wake)
		wq_wake_all_locked(&tty.wq);
	spin_unlock_irqrestore(&tty.wq.lock, f);
	if (fx.n)
		console_write(fx.echo, fx.n);
	if (fx.sig)
		signal_send_pgrp(pgid, fx.sig);
	if (fx.wake)
		vfs_poll_notify();
}

/* ---- reading ---- */

static bool readable_locked(void)
{
	return (tty.tio.c_lflag & ICANON) ? tty.delims > 0 : tty.count > 0;
}

/* Copies what one read returns; false when nothing is there yet. */
static bool take_locked(char *buf, size_t n, ssize_t *got)
{
	size_t done = 0;

	if (!readable_locked())
		return false;
	if (tty.tio.c_lflag & ICANON) {
		while (done < n && tty.count) {
			uint16_t v = ring_pop();

			if (v == TTY_DELIM)
				break;
			buf[done++] = (char)v;
			if (v == '\n')
				break;
		}
	} else {
		while (done < n && tty.count) {
			uint16_t v = ring_pop();

			if (v != TTY_DELIM)
				buf[done++] = (char)v;
		}
	}
	*got = (ssize_t)done;
	return true;
}

static ssize_t tty_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	for (;;) {
		bool fl = spin_lock_irqsave(&tty.wq.lock);
		bool raw = !(tty.tio.c_lflag & ICANON);
		unsigned vmin = tty.tio.c_cc[VMIN], vtime = tty.tio.c_cc[VTIME];
		ssize_t got;
		int r;

		if (!n || take_locked(buf, n, &got)) {
			spin_unlock_irqrestore(&tty.wq.lock, fl);
			return n ? got : 0;
		}
		spin_unlock_irqrestore(&tty.wq.lock, fl);
		if (io & IO_NONBLOCK)
			return -EAGAIN;
		if (raw && vmin == 0) {
			if (vtime == 0)
				return 0;
			r = wait_event_interruptible_timeout(&tty.wq, readable_locked(),
							     vtime * 100000000ULL);
			if (r == 0)
				return 0;
		} else {
			r = wait_event_interruptible(&tty.wq, readable_locked());
		}
		if (r < 0)
			return r;
	}
}

static ssize_t tty_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
	for (size_t done = 0; done < n; done += TTY_OUT_CHUNK)
		console_write((const char *)buf + done, MIN(n - done, (size_t)TTY_OUT_CHUNK));
	return (ssize_t)n;
}

static unsigned tty_poll(struct file *f)
{
	bool fl = spin_lock_irqsave(&tty.wq.lock);
	unsigned m = POLLOUT | (readable_locked() ? POLLIN : 0);

	spin_unlock_irqrestore(&tty.wq.lock, fl);
	return m;
}

/* ---- ioctl ---- */

static void set_termios(const struct termios *t, bool flush)
{
	bool fl = spin_lock_irqsave(&tty.wq.lock);

	if (flush)
		flush_input_locked();
	if ((tty.tio.c_lflag & ICANON) && !(t->c_lflag & ICANON) && tty.llen) {
		for (unsigned i = 0; i < tty.llen; i++)
			ring_push((unsigned char)tty.line[i]);
		tty.llen = 0;
	}
	tty.tio = *t;
	wq_wake_all_locked(&tty.wq);
	spin_unlock_irqrestore(&tty.wq.lock, fl);
	vfs_poll_notify();
}

/* A new window size; a change sends SIGWINCH to the foreground group, as Linux does. */
static void set_winsize(const struct winsize *ws)
{
	bool fl = spin_lock_irqsave(&tty.wq.lock);
	bool changed = memcmp(&tty.ws, ws, sizeof(*ws)) != 0;
	int pgid = tty.fg_pgid;

	tty.ws = *ws;
	spin_unlock_irqrestore(&tty.wq.lock, fl);
	if (changed && pgid > 0)
		signal_send_pgrp(pgid, SIGWINCH);
}

static long tty_ioctl(struct file *f, unsigned cmd, void *arg)
{
	bool fl;
	long r = 0;

	switch (cmd) {
	case TCGETS:
		fl = spin_lock_irqsave(&tty.wq.lock);
		memcpy(arg, &tty.tio, sizeof(tty.tio));
		spin_unlock_irqrestore(&tty.wq.lock, fl);
		return 0;
	case TCSETS:
	case TCSETSW:		/* output is synchronous: nothing to drain */
	case TCSETSF:
		set_termios(arg, cmd == TCSETSF);
		return 0;
	case TIOCGWINSZ:
		fl = spin_lock_irqsave(&tty.wq.lock);
		memcpy(arg, &tty.ws, sizeof(tty.ws));
		spin_unlock_irqrestore(&tty.wq.lock, fl);
		return 0;
	case TIOCSWINSZ:
		set_winsize(arg);
		return 0;
	case TIOCGPGRP:
		*(int *)arg = READ_ONCE(tty.fg_pgid);
		return 0;
	case TIOCSPGRP:
		if (*(int *)arg <= 0)
			return -EINVAL;
		WRITE_ONCE(tty.fg_pgid, *(int *)arg);
		return 0;
	case FIONREAD:
		fl = spin_lock_irqsave(&tty.wq.lock);
		*(int *)arg = (int)tty.count;
		spin_unlock_irqrestore(&tty.wq.lock, fl);
		return 0;
	case TIOCSCTTY:
	case TIOCNOTTY:
		return 0;
	default:
		r = -ENOTTY;
	}
	return r;
}

const struct file_ops tty_fops = {
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
	.stream = true,
};

int console_fg_pgid(void)
{
	return READ_ONCE(tty.fg_pgid);
}

void tty_reset(void)
{
	bool fl = spin_lock_irqsave(&tty.wq.lock);

	tty.tio = tty_default_tio;
	tty.ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	tty.fg_pgid = 1;
	flush_input_locked();
	spin_unlock_irqrestore(&tty.wq.lock, fl);
}

void tty_init(void)
{
	wq_init(&tty.wq, "tty");
	tty_reset();
}

static __noreturn int tty_thread(void *arg)
{
	for (;;)
		tty_input((char)console_getc_wait());
}

void tty_start(void)
{
	static bool started;

	if (__atomic_exchange_n(&started, true, __ATOMIC_ACQ_REL))
		return;
	if (!thread_create("tty", tty_thread, NULL)) {
		pr_err("tty: no memory for the input thread; console input is off\n");
		started = false;
	}
}
