/*
 * tests/unit/stubs.c — panic(), klog() and log_level for host unit tests (see stubs.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/panic.h>
#include <keel/log.h>
#include "stubs.h"

jmp_buf *panic_catch;
char panic_msg[512];
unsigned panic_count;

char log_text[8192];
unsigned log_lines;
int log_level = LOG_INFO;

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	panic_count++;
	if (panic_catch)
		longjmp(*panic_catch, 1);
	fail_msg("unexpected panic: %s", panic_msg);
	abort();	/* fail_msg does not return; this tells the compiler so */
}

/* Records every line whatever its level, so a test that changes log_level still sees them. */
void klog(int level, const char *fmt, ...)
{
	size_t used = strlen(log_text);
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(log_text + used, sizeof(log_text) - used, fmt, ap);
	va_end(ap);
	log_lines++;
}

void log_reset(void)
{
	log_text[0] = '\0';
	log_lines = 0;
}
