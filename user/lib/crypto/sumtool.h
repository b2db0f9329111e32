/*
 * user/lib/crypto/sumtool.h — the body of sha256sum and md5sum: coreutils-compatible output
 * ("HASH  name", "\" before the line when the name needed escaping) and -c check mode.
 */
#ifndef KEEL_CRYPTO_SUMTOOL_H
#define KEEL_CRYPTO_SUMTOOL_H

#include <stddef.h>
#include <stdint.h>

struct sum_algo {
	const char *prog;       /* "sha256sum" */
	size_t digest_len;      /* bytes */
	size_t ctx_size;
	void (*init)(void *ctx);
	void (*update)(void *ctx, const void *p, size_t n);
	void (*final)(void *ctx, uint8_t *out);
};

/* Runs the tool: returns the exit status (0 all good, 1 a mismatch or unreadable file). */
int sum_main(const struct sum_algo *a, int argc, char **argv);

#endif
