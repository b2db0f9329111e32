/*
 * drivers/console.c — fans console output out to serial and VGA; input from serial.
 *
 * Locking: console_lock serializes whole writes so lines from different CPUs do not interleave
 * mid-line. It is an irq-saving spinlock; a panic takes it with console_lock_break() so a CPU that
 * died holding it cannot silence the panic message. Readers sleep on input_wq (a thread
 * waiting for a key costs nothing), woken by the UART's receive interrupt.
 */
#include <keel/console.h>
#include <keel/spinlock.h>
#include <keel/sync.h>

static struct spinlock console_lock = SPINLOCK_INIT("console");
static struct wait_queue input_wq;		/* threads waiting for a byte of input */

void console_init(void)
{
	wq_init(&input_wq, "console input");
	serial_init();
	vga_init();
}

static void putc_unlocked(char c)
{
	serial_putc(c);
	vga_putc(c);
}

void console_putc(char c)
{
	bool f = spin_lock_irqsave(&console_lock);

	putc_unlocked(c);
	spin_unlock_irqrestore(&console_lock, f);
}

void console_write(const char *s, size_t n)
{
	bool f = spin_lock_irqsave(&console_lock);

	while (n--)
		putc_unlocked(*s++);
	spin_unlock_irqrestore(&console_lock, f);
}

void console_drain(void)
{
	serial_drain();
}

void console_lock_break(void)
{
	spin_init(&console_lock, "console");
}

/* Sleeps on input_wq until a byte is there; the UART's receive interrupt wakes it. The test
 * runs under the queue's lock, so a byte arriving between test and sleep still wakes us. */
int console_getc_wait(void)
{
	int c;

	wait_event(&input_wq, (c = serial_getc()) >= 0);
	return c;
}

void console_rx_interrupt(void)
{
	wq_wake_all(&input_wq);
}
