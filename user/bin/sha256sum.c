/*
 * user/bin/sha256sum.c — print or check SHA-256 digests, as coreutils' sha256sum does
 * (lib/crypto/sumtool.c has the tool; KEEL_SHA256 picks the engine).
 */
#include "crypto/sha256.h"
#include "crypto/sumtool.h"

static void init(void *c) { sha256_init(c); }
static void update(void *c, const void *p, size_t n) { sha256_update(c, p, n); }
static void final(void *c, uint8_t *out) { sha256_final(c, out); }

int main(int argc, char **argv)
{
	static const struct sum_algo algo = { "sha256sum", SHA256_DIGEST,
					      sizeof(struct sha256_ctx), init, update, final };

	return sum_main(&algo, argc, argv);
}
