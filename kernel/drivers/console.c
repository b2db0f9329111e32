/*
 * drivers/console.c — fans console output out to serial and VGA; input from serial.
 *
 * Locking: console_lock serializes whole writes so lines from different CPUs do not interleave
 * mid-line. It is an irq-saving spinlock; a panic takes it with console_lock_break() so a CPU that
 * died holding it cannot silence the panic message.
 */
#include <keel/console.h>
#include <keel/spinlock.h>

static struct spinlock console_lock = SPINLOCK_INIT("console");

void console_init(void)
{
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

int console_getc(void)
{
	return serial_getc();
}

/* Checks with interrupts off, then sti;hlt: a byte arriving in between still wakes us. */
int console_getc_wait(void)
{
	bool f = arch_irq_save();
	int c;

	while ((c = serial_getc()) < 0) {
		arch_idle_wait();
		arch_irq_save();
	}
	arch_irq_restore(f);
	return c;
}
