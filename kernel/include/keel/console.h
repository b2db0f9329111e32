/*
 * keel/console.h — the kernel console: COM1 serial plus a VGA text mirror.
 *
 * Output goes to every console device; input comes from serial only. console_drain() returns
 * once every byte written has left the UART (call it before powering off).
 */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <keel/types.h>

void console_init(void);
void console_putc(char c);
void console_write(const char *s, size_t n);
void console_drain(void);
/* Forces the console lock free (panic only: its holder may be dead). */
void console_lock_break(void);
/* Sleeps until an input byte arrives (thread context). */
int console_getc_wait(void);
/* Called by the UART's receive interrupt: wakes the readers. */
void console_rx_interrupt(void);

/* Device drivers behind the console. */
void serial_init(void);
void serial_putc(char c);
void serial_drain(void);
int serial_getc(void);
void serial_enable_rx_irq(void);
void vga_init(void);
void vga_putc(char c);

#endif
