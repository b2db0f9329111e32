/*
 * user/httpd/digest_hash.h — the two Digest hash functions by number, as lowercase hex,
 * shared by httpd and httpd-passwd.
 */
#ifndef HTTPD_DIGEST_HASH_H
#define HTTPD_DIGEST_HASH_H

#include <stdbool.h>
#include <stddef.h>

enum { ALG_MD5, ALG_SHA256, ALG_COUNT };

/* "MD5" or "SHA-256" to ALG_*, or -1. */
int digest_alg(const char *name);
const char *digest_alg_name(int alg);

/* H(s) as lowercase hex into out (33 or 65 bytes with the NUL). */
void digest_hash_hex(int alg, const char *s, char out[65]);

/* Compares two strings in time that depends only on their lengths. */
bool digest_equal(const char *a, const char *b);

#endif
