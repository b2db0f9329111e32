/*
 * stdlib.h — the libc header lwIP includes (netif.c parses "lo0"-style names with atoi), for
 * lwIP's files and keel's port only. No allocation: lwIP uses its own pools (lwipopts.h).
 */
#ifndef KEEL_LWIP_STDLIB_H
#define KEEL_LWIP_STDLIB_H

/* Decimal digits at the start of s (no sign, no overflow check: lwIP passes short names). */
static inline int atoi(const char *s)
{
	int n = 0;

	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

#endif
