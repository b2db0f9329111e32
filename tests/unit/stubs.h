/*
 * tests/unit/stubs.h — host stand-ins for the kernel services that pure files call.
 *
 * panic() formats its message into panic_msg and longjmps to the catch armed by
 * EXPECT_PANIC, so a test can prove that a check fires and read what it said; a panic with no
 * catch armed fails the running test. klog() appends every line to log_text so a test can
 * assert on warnings. log_level exists because lib/cmdline.c's loglevel= word sets it.
 */
#ifndef UNIT_STUBS_H
#define UNIT_STUBS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

extern jmp_buf *panic_catch;
extern char panic_msg[512];
extern unsigned panic_count;

extern char log_text[8192];
extern unsigned log_lines;
void log_reset(void);

/* Runs stmt; true if it panicked (panic_msg then holds the message). */
#define EXPECT_PANIC(stmt) __extension__ ({ \
	jmp_buf __jb; \
	bool __caught = false; \
	panic_msg[0] = '\0'; \
	panic_catch = &__jb; \
	if (setjmp(__jb) == 0) { \
		stmt; \
	} else { \
		__caught = true; \
	} \
	panic_catch = NULL; \
	__caught; \
})

/* Fails the test unless stmt panics with a message containing needle. */
#define assert_panics_with(stmt, needle) do { \
	if (!EXPECT_PANIC(stmt)) \
		fail_msg("expected `%s` to panic with \"%s\"; it returned normally", #stmt, needle); \
	if (!strstr(panic_msg, needle)) \
		fail_msg("expected `%s` to panic with \"%s\"; it panicked with \"%s\"", \
			 #stmt, needle, panic_msg); \
} while (0)

/* Fails the test unless the captured log holds a line containing needle. */
#define assert_logged(needle) do { \
	if (!strstr(log_text, needle)) \
		fail_msg("expected a log line containing \"%s\"; the log was:\n%s", needle, \
			 log_lines ? log_text : "(empty)\n"); \
} while (0)

#endif
