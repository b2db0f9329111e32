/*
 * user/httpd/digest_hash.c — MD5 and SHA-256 as Digest needs them (lib/crypto underneath).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/md5.h"
#include "crypto/sha256.h"
#include "digest_hash.h"

int digest_alg(const char *name)
{
	if (!strcasecmp(name, "MD5"))
		return ALG_MD5;
	if (!strcasecmp(name, "SHA-256"))
		return ALG_SHA256;
	return -1;
}

const char *digest_alg_name(int alg)
{
	return alg == ALG_MD5 ? "MD5" : "SHA-256";
}

void digest_hash_hex(int alg, const char *s, char out[65])
{
	uint8_t d[SHA256_DIGEST];
	size_t n = alg == ALG_MD5 ? MD5_DIGEST : SHA256_DIGEST;

	if (alg == ALG_MD5)
		md5(s, strlen(s), d);
	else
		sha256(s, strlen(s), d);
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

bool digest_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned diff = na != nb;

	for (size_t i = 0; i < na && i < nb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}
