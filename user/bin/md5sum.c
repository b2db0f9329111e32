/*
 * user/bin/md5sum.c — print or check MD5 digests, as coreutils' md5sum does
 * (lib/crypto/sumtool.c has the tool).
 */
#include "crypto/md5.h"
#include "crypto/sumtool.h"

static void init(void *c) { md5_init(c); }
static void update(void *c, const void *p, size_t n) { md5_update(c, p, n); }
static void final(void *c, uint8_t *out) { md5_final(c, out); }

int main(int argc, char **argv)
{
	static const struct sum_algo algo = { "md5sum", MD5_DIGEST, sizeof(struct md5_ctx), init,
					      update, final };

	return sum_main(&algo, argc, argv);
}
