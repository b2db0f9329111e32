/*
 * keel/string.h — the string and memory functions the kernel uses (lib/string.c).
 */
#ifndef KEEL_STRING_H
#define KEEL_STRING_H

#include <keel/types.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *__restrict d, const void *__restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
char *strrchr(const char *s, int c);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
size_t strlcpy(char *d, const char *s, size_t size);
/* Shell-style match: '*' any run, '?' any one character. */
bool glob_match(const char *pattern, const char *s);
/* Parses an unsigned decimal or 0x-hex number filling all of s; returns false on anything else. */
bool parse_u64(const char *s, uint64_t *out);

#endif
