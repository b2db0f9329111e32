/*
 * keel/printf.h — formatted output.
 *
 * The formatter (lib/printf.c) is pure and host-tested: %d %i %u %x %X %o %c %s %p %%, flags
 * '-' '0' '+' ' ' '#', width and precision (also '*'), length modifiers hh h l ll z t j.
 * kprintf goes to the console; snprintf never writes more than size bytes and always
 * terminates when size > 0, returning the length the full output would have had.
 */
#ifndef KEEL_PRINTF_H
#define KEEL_PRINTF_H

#include <keel/types.h>

typedef void (*putc_fn)(void *ctx, char c);

int kvformat(putc_fn out, void *ctx, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

int kvprintf(const char *fmt, va_list ap);
int kprintf(const char *fmt, ...) __printf(1, 2);

#endif
