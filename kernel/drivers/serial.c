/*
 * drivers/serial.c — 16550 UART on COM1, the console every runner can read.
 *
 * Programmed explicitly (115200 baud, 8N1, FIFOs on) rather than trusting the firmware. Every
 * byte waits for THR-empty before it is written, and serial_drain() waits for the transmitter
 * to be completely empty: Bochs drops bytes otherwise, and a power-off would cut the tail of
 * the log.
 */
#include <keel/console.h>
#include <arch/io.h>

#define COM1		0x3f8
#define UART_DATA	0
#define UART_IER	1
#define UART_DIV_LO	0
#define UART_DIV_HI	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter empty */
#define LCR_DLAB	0x80
#define LCR_8N1		0x03
#define MCR_DTR_RTS_OUT2 0x0b

/* Bounded waits: a missing UART must not hang the kernel. */
#define UART_SPIN_LIMIT	1000000

static bool serial_present;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DIV_LO, 1);		/* 115200 / 1 */
	outb(COM1 + UART_DIV_HI, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0xc7);		/* enable and clear FIFOs, 14-byte trigger */
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	/* A floating bus reads 0xff; a real UART never reports every LSR bit at once. */
	serial_present = inb(COM1 + UART_LSR) != 0xff;
}

static void wait_lsr(uint8_t bit)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & bit)
			return;
		__asm__ __volatile__("pause");
	}
}

void serial_putc(char c)
{
	if (!serial_present)
		return;
	if (c == '\n')
		serial_putc('\r');
	wait_lsr(LSR_THRE);
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_drain(void)
{
	if (serial_present)
		wait_lsr(LSR_TEMT);
}

int serial_getc(void)
{
	if (!serial_present || !(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_DATA);
}

/* Raises IRQ 4 when a byte arrives (used to wake a halted CPU waiting for input). */
void serial_enable_rx_irq(void)
{
	if (serial_present)
		outb(COM1 + UART_IER, 0x01);
}
