/*
 * drivers/input/i8042.c — the PS/2 controller's keyboard port, feeding the console (keel/kbd.h).
 *
 * Bring-up: flush, disable both ports, controller self-test (0xAA -> 0x55), first-port test
 * (0xAB -> 0), configuration with translation on (the keyboard's scancodes reach us as set 1)
 * and IRQ 1 enabled, keyboard reset (0xFF -> ACK, 0xAA) and scanning on (0xF4). A machine with
 * no controller reads 0xFF from the status port and fails the self-test: -ENODEV, no IRQ.
 * BIOSes with USB legacy support emulate this controller for USB keyboards.
 *
 * Every wait is bounded (POLL_LIMIT status reads). The interrupt handler drains the output
 * buffer, decodes each byte and queues the result in a ring; console readers take bytes with
 * kbd_getc() (under ring_lock: the IRQ runs on CPU 0, readers anywhere). A full ring drops
 * the newest key.
 */
#include <keel/console.h>
#include <keel/errno.h>
#include <keel/kbd.h>
#include <keel/log.h>
#include <keel/spinlock.h>
#include <arch/io.h>

#define I8042_DATA	0x60
#define I8042_STATUS	0x64		/* read: status; write: command */
#define ST_OUT_FULL	0x01
#define ST_IN_FULL	0x02
#define ST_AUX_DATA	0x20		/* the byte is from the mouse port */

#define CMD_READ_CFG	0x20
#define CMD_WRITE_CFG	0x60
#define CMD_AUX_OFF	0xa7
#define CMD_SELF_TEST	0xaa
#define CMD_PORT1_TEST	0xab
#define CMD_PORT1_OFF	0xad
#define CMD_PORT1_ON	0xae
#define CFG_IRQ1	0x01
#define CFG_IRQ12	0x02
#define CFG_PORT1_CLOCK_OFF 0x10
#define CFG_TRANSLATE	0x40

#define KBD_RESET	0xff
#define KBD_SCAN_ON	0xf4
#define KBD_ACK		0xfa
#define KBD_RESET_OK	0xaa

#define POLL_LIMIT	200000
#define FLUSH_LIMIT	64
#define RING_SIZE	256

static struct spinlock ring_lock = SPINLOCK_INIT("kbd ring");
static char ring[RING_SIZE];
static unsigned ring_head, ring_tail;	/* free-running; head - tail bytes queued */
static struct kbd_state kstate;
static bool present;

static int wait_write(void)
{
	for (int i = 0; i < POLL_LIMIT; i++)
		if (!(inb(I8042_STATUS) & ST_IN_FULL))
			return 0;
	return -ETIMEDOUT;
}

static int read_data(void)
{
	for (int i = 0; i < POLL_LIMIT; i++)
		if (inb(I8042_STATUS) & ST_OUT_FULL)
			return inb(I8042_DATA);
	return -ETIMEDOUT;
}

static int command(uint8_t cmd)
{
	if (wait_write())
		return -ETIMEDOUT;
	outb(I8042_STATUS, cmd);
	return 0;
}

static int write_data(uint8_t v)
{
	if (wait_write())
		return -ETIMEDOUT;
	outb(I8042_DATA, v);
	return 0;
}

static void flush(void)
{
	for (int i = 0; i < FLUSH_LIMIT && (inb(I8042_STATUS) & ST_OUT_FULL); i++)
		(void)inb(I8042_DATA);
}

/* Sends a byte to the keyboard and waits for its ACK (some keyboards send others first). */
static int kbd_command(uint8_t v)
{
	if (write_data(v))
		return -ETIMEDOUT;
	for (int i = 0; i < 4; i++) {
		int r = read_data();

		if (r == KBD_ACK)
			return 0;
		if (r < 0)
			return r;
	}
	return -EIO;
}

static int controller_init(uint8_t *cfg)
{
	int r;

	if (inb(I8042_STATUS) == 0xff)
		return -ENODEV;			/* nothing decodes the port */
	if (command(CMD_PORT1_OFF) || command(CMD_AUX_OFF))
		return -ENODEV;
	flush();
	if (command(CMD_READ_CFG) || (r = read_data()) < 0)
		return -ENODEV;
	*cfg = (uint8_t)((r & ~(CFG_IRQ1 | CFG_IRQ12)) | CFG_TRANSLATE);
	if (command(CMD_SELF_TEST) || read_data() != 0x55)
		return -ENODEV;
	if (command(CMD_WRITE_CFG) || write_data(*cfg))	/* self-test may reset it */
		return -ENODEV;
	if (command(CMD_PORT1_TEST) || read_data() != 0x00)
		return -ENODEV;
	return 0;
}

int i8042_init(void)
{
	uint8_t cfg;
	int r;

	if (controller_init(&cfg)) {
		pr_info("i8042: no PS/2 controller (or it failed its self-test)\n");
		return -ENODEV;
	}
	if (command(CMD_PORT1_ON))
		return -ENODEV;
	if (kbd_command(KBD_RESET) || (r = read_data()) != KBD_RESET_OK) {
		pr_info("i8042: no keyboard answers on the first port\n");
		return -ENODEV;
	}
	if (kbd_command(KBD_SCAN_ON))
		return -ENODEV;
	flush();
	cfg = (uint8_t)((cfg | CFG_IRQ1 | CFG_TRANSLATE) & ~CFG_PORT1_CLOCK_OFF);
	if (command(CMD_WRITE_CFG) || write_data(cfg))
		return -ENODEV;
	present = true;
	pr_info("i8042: PS/2 keyboard on IRQ 1, scancode set 1 (translated), US layout\n");
	return 0;
}

static void queue(const char *s, unsigned n)
{
	bool f = spin_lock_irqsave(&ring_lock);

	for (unsigned i = 0; i < n && ring_head - ring_tail < RING_SIZE; i++)
		ring[ring_head++ % RING_SIZE] = s[i];
	spin_unlock_irqrestore(&ring_lock, f);
}

void i8042_interrupt(void)
{
	char out[KBD_OUT_MAX];
	uint8_t st;
	int queued = 0;

	for (int i = 0; i < FLUSH_LIMIT && ((st = inb(I8042_STATUS)) & ST_OUT_FULL); i++) {
		uint8_t b = inb(I8042_DATA);
		unsigned n;

		if (!present || (st & ST_AUX_DATA))
			continue;
		n = kbd_decode(&kstate, b, out);
		queue(out, n);
		queued += (int)n;
	}
	if (queued)
		console_rx_interrupt();
}

int kbd_getc(void)
{
	bool f = spin_lock_irqsave(&ring_lock);
	int c = -1;

	if (ring_head != ring_tail)
		c = (uint8_t)ring[ring_tail++ % RING_SIZE];
	spin_unlock_irqrestore(&ring_lock, f);
	return c;
}
