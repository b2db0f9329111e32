/*
 * keel/console.h — the kernel console: COM1 serial plus the screen (VGA text or a framebuffer).
 *
 * Output goes to every console device; input comes from serial and the PS/2 keyboard. console_drain() returns
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
/* Called by the UART's and the keyboard's interrupts: wakes the readers. */
void console_rx_interrupt(void);

struct boot_info;
struct boot_fb;
struct vt;
/* The screen: VGA text when the loader gave text mode (or, BIOS, said nothing), right after the
 * boot information is read; the framebuffer after mm_init (it needs iomap). */
void console_display_early(const struct boot_info *bi);
void console_display_late(const struct boot_info *bi);
/* A display driver's terminal becomes the screen; flush draws what changed in it. */
void console_attach(struct vt *vt, void (*flush)(void), const char *what);

/* Device drivers behind the console. */
void serial_init(void);
void serial_putc(char c);
void serial_drain(void);
int serial_getc(void);
void serial_enable_rx_irq(void);
int vga_init(unsigned cols, unsigned rows);
int fbcon_init(const struct boot_fb *mode);
void fbcon_describe(char *buf, size_t size);
/* The next byte the PS/2 keyboard produced (keys as the terminal bytes they stand for), or -1. */
int kbd_getc(void);

#endif
