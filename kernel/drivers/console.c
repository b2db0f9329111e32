/*
 * drivers/console.c — fans console output out to serial and the screen; input from serial and
 * the keyboard.
 *
 * The screen is one terminal (keel/vt.h) that a display attaches: VGA text right after the
 * boot information is read (console_display_early), or the framebuffer once page tables and
 * iomap work (console_display_late). Bytes written before a display attaches are kept in
 * early_buf (up to its size) and replayed when one does, so the screen shows the whole boot
 * log. Under UEFI there is no VGA text screen unless the loader says there is one.
 *
 * Locking: console_lock serializes whole writes so lines from different CPUs do not interleave
 * mid-line. It is an irq-saving spinlock; a panic takes it with console_lock_break() so a CPU that
 * died holding it cannot silence the panic message. Readers sleep on input_wq (a thread
 * waiting for a key costs nothing), woken by the UART's and the keyboard's interrupts.
 */
#include <keel/boot.h>
#include <keel/console.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/spinlock.h>
#include <keel/sync.h>
#include <keel/vt.h>

#define EARLY_BUF_SIZE	(16 * 1024)
#define VGA_COLS	80
#define VGA_ROWS	25

static struct spinlock console_lock = SPINLOCK_INIT("console");
static struct wait_queue input_wq;		/* threads waiting for a byte of input */
static struct vt *screen;
static void (*screen_flush)(void);
static char early_buf[EARLY_BUF_SIZE];
static size_t early_len;
static bool early_done;			/* a display attached, or there will be none */

void console_init(void)
{
	wq_init(&input_wq, "console input");
	serial_init();
}

static void putc_unlocked(char c)
{
	serial_putc(c);
	if (screen)
		vt_putc(screen, c);
	else if (!early_done && early_len < sizeof(early_buf))
		early_buf[early_len++] = c;
}

static void flush_unlocked(void)
{
	if (screen)
		screen_flush();
}

void console_putc(char c)
{
	bool f = spin_lock_irqsave(&console_lock);

	putc_unlocked(c);
	flush_unlocked();
	spin_unlock_irqrestore(&console_lock, f);
}

void console_write(const char *s, size_t n)
{
	bool f = spin_lock_irqsave(&console_lock);

	while (n--)
		putc_unlocked(*s++);
	flush_unlocked();
	spin_unlock_irqrestore(&console_lock, f);
}

/* A display driver hands over its terminal; the screen gets the boot log so far. A later
 * display (the framebuffer after VGA text) replaces an earlier one. */
void console_attach(struct vt *vt, void (*flush)(void), const char *what)
{
	bool f = spin_lock_irqsave(&console_lock);
	bool first = !early_done;

	screen = vt;
	screen_flush = flush;
	early_done = true;
	for (size_t i = 0; first && i < early_len; i++)
		vt_putc(vt, early_buf[i]);
	flush_unlocked();
	spin_unlock_irqrestore(&console_lock, f);
	pr_info("console: %s screen, %ux%u characters\n", what, vt->cols, vt->rows);
}

void console_display_early(const struct boot_info *bi)
{
	const struct boot_fb *fb = &bi->fb;

	if (early_done)
		return;
	if (fb->kind == BOOT_FB_TEXT)
		vga_init(fb->width, fb->height);
	else if (fb->kind == BOOT_FB_NONE && !bi->efi)
		vga_init(VGA_COLS, VGA_ROWS);	/* BIOS without word from the loader: VGA */
}

void console_display_late(const struct boot_info *bi)
{
	char what[96];

	if (bi->fb.kind == BOOT_FB_RGB) {
		if (fbcon_init(&bi->fb) == 0) {
			fbcon_describe(what, sizeof(what));
			pr_info("fbcon: %s\n", what);
		} else {
			pr_warn("fbcon: cannot use the %ux%u %u bpp framebuffer at %#lx\n",
				bi->fb.width, bi->fb.height, bi->fb.bpp, bi->fb.addr);
		}
	}
	if (!screen) {
		early_done = true;		/* no screen will come: stop keeping the log */
		pr_info("console: no screen (%s)\n", bi->efi ? "UEFI gave no usable framebuffer" :
			"none reported");
	}
}

void console_drain(void)
{
	serial_drain();
}

void console_lock_break(void)
{
	spin_init(&console_lock, "console");
}

/* Sleeps on input_wq until a byte is there (the UART's, else the keyboard's); the interrupts
 * wake it. The test runs under the queue's lock, so a byte arriving between test and sleep
 * still wakes us. */
static int next_input(void)
{
	int c = serial_getc();

	return c >= 0 ? c : kbd_getc();
}

int console_getc_wait(void)
{
	int c;

	wait_event(&input_wq, (c = next_input()) >= 0);
	return c;
}

void console_rx_interrupt(void)
{
	wq_wake_all(&input_wq);
}
