/*
 * user/lib/crypto/mdblock.c — the block buffering and padding MD5 and SHA-256 share
 * (mdblock.h). Built with general registers only, like the C SHA-256 engine it serves.
 */
#include <string.h>
#include "mdblock.h"

void md_block_init(struct md_block *b)
{
	b->len = 0;
	b->fill = 0;
}

void md_block_update(struct md_block *b, md_compress_fn *fn, void *ctx, const void *data, size_t n)
{
	const uint8_t *p = data;

	b->len += n;
	if (b->fill) {
		size_t take = MD_BLOCK - b->fill < n ? MD_BLOCK - b->fill : n;

		memcpy(b->buf + b->fill, p, take);
		b->fill += take, p += take, n -= take;
		if (b->fill < MD_BLOCK)
			return;
		fn(ctx, b->buf, 1);
		b->fill = 0;
	}
	if (n >= MD_BLOCK) {
		fn(ctx, p, n / MD_BLOCK);
		p += n & ~(size_t)(MD_BLOCK - 1);
		n &= MD_BLOCK - 1;
	}
	memcpy(b->buf, p, n);
	b->fill = n;
}

void md_block_pad(struct md_block *b, md_compress_fn *fn, void *ctx, bool big_endian)
{
	uint64_t bits = b->len * 8;
	uint8_t pad[MD_BLOCK + 8] = { 0x80 };
	size_t padlen = (b->fill < 56 ? 56 : 120) - b->fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (big_endian ? 56 - 8 * i : 8 * i));
	md_block_update(b, fn, ctx, pad, padlen + 8);
}
