/*
 * tests/unit/test_random.c — lib/chacha20.c: the ChaCha20 block function against RFC 8439's
 * test vectors, and the fast-key-erasure generator built on it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "krename.h"
#include <keel/random.h>
#define KRENAME_UNDO
#include "krename.h"
#include "stubs.h"

static const uint8_t rfc_key[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
	0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
	0x1e, 0x1f,
};

static void assert_bytes(const uint8_t *got, const uint8_t *want, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("%s: byte %zu is %#04x, expected %#04x", what, i, got[i], want[i]);
}

/* RFC 8439 section 2.3.2. */
static void chacha20_block_matches_rfc8439_2_3_2(void **state)
{
	static const uint8_t nonce[12] = { 0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	static const uint8_t want[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20,
		0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a,
		0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2,
		0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9,
		0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	uint8_t out[64];

	(void)state;
	chacha20_block(rfc_key, 1, nonce, out);
	assert_bytes(out, want, sizeof(want), "keystream block");
}

/* RFC 8439 section 2.4.2: the "sunscreen" plaintext encrypted from counter 1. */
static void chacha20_encryption_matches_rfc8439_2_4_2(void **state)
{
	static const uint8_t nonce[12] = { 0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	static const char plain[] = "Ladies and Gentlemen of the class of '99: If I could offer "
		"you only one tip for the future, sunscreen would be it.";
	static const uint8_t want[114] = {
		0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80, 0x41, 0xba, 0x07, 0x28, 0xdd, 0x0d,
		0x69, 0x81, 0xe9, 0x7e, 0x7a, 0xec, 0x1d, 0x43, 0x60, 0xc2, 0x0a, 0x27, 0xaf, 0xcc,
		0xfd, 0x9f, 0xae, 0x0b, 0xf9, 0x1b, 0x65, 0xc5, 0x52, 0x47, 0x33, 0xab, 0x8f, 0x59,
		0x3d, 0xab, 0xcd, 0x62, 0xb3, 0x57, 0x16, 0x39, 0xd6, 0x24, 0xe6, 0x51, 0x52, 0xab,
		0x8f, 0x53, 0x0c, 0x35, 0x9f, 0x08, 0x61, 0xd8, 0x07, 0xca, 0x0d, 0xbf, 0x50, 0x0d,
		0x6a, 0x61, 0x56, 0xa3, 0x8e, 0x08, 0x8a, 0x22, 0xb6, 0x5e, 0x52, 0xbc, 0x51, 0x4d,
		0x16, 0xcc, 0xf8, 0x06, 0x81, 0x8c, 0xe9, 0x1a, 0xb7, 0x79, 0x37, 0x36, 0x5a, 0xf9,
		0x0b, 0xbf, 0x74, 0xa3, 0x5b, 0xe6, 0xb4, 0x0b, 0x8e, 0xed, 0xf2, 0x78, 0x5e, 0x42,
		0x87, 0x4d,
	};
	uint8_t ct[114], ks[64];

	(void)state;
	assert_int_equal(strlen(plain), sizeof(want));
	for (size_t i = 0; i < sizeof(want); i++) {
		if (i % 64 == 0)
			chacha20_block(rfc_key, 1 + (uint32_t)(i / 64), nonce, ks);
		ct[i] = (uint8_t)plain[i] ^ ks[i % 64];
	}
	assert_bytes(ct, want, sizeof(want), "ciphertext");
}

/* The generator's output is the old key's keystream from byte 32 on, and the stored key is
 * that keystream's first 32 bytes: nothing in the new state reveals what was output. */
static void crng_output_is_keystream_after_the_next_key(void **state)
{
	struct crng c = { 0 };
	uint8_t old_key[32], out[200], ks[4 * 64];

	(void)state;
	memcpy(c.key, rfc_key, 32);
	memcpy(old_key, c.key, 32);
	crng_generate(&c, out, sizeof(out));
	for (uint32_t b = 0; b < 4; b++)
		chacha20_block(old_key, b, c.nonce, ks + 64 * b);
	assert_bytes(c.key, ks, 32, "next key");
	assert_bytes(out, ks + 32, sizeof(out), "output");
	assert_int_equal(c.generated, sizeof(out));
}

static void crng_never_repeats_and_seeding_changes_everything(void **state)
{
	struct crng a = { 0 }, b = { 0 };
	uint8_t x[64], y[64];

	(void)state;
	crng_seed(&a, "seed", 4);
	crng_seed(&b, "seed", 4);
	assert_int_equal(a.generated, 0);
	crng_generate(&a, x, sizeof(x));
	crng_generate(&b, y, sizeof(y));
	assert_memory_equal(x, y, sizeof(x));		/* deterministic for one seed */
	crng_generate(&a, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));	/* the key moved on */
	crng_seed(&b, "seee", 4);
	crng_generate(&b, x, sizeof(x));
	assert_memory_not_equal(x, y, sizeof(x));
	assert_int_equal(b.generated, sizeof(x));
}

/* Odd sizes across block boundaries: a short request is a prefix of a long one. */
static void crng_sizes_are_prefixes(void **state)
{
	static const size_t sizes[] = { 1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 1000 };
	uint8_t want[1000], got[1000];
	struct crng base = { 0 }, c;

	(void)state;
	crng_seed(&base, rfc_key, sizeof(rfc_key));
	c = base;
	crng_generate(&c, want, sizeof(want));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		c = base;
		memset(got, 0xa5, sizeof(got));
		crng_generate(&c, got, sizes[i]);
		assert_memory_equal(got, want, sizes[i]);
		if (sizes[i] < sizeof(got))
			assert_int_equal(got[sizes[i]], 0xa5);	/* nothing written past n */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chacha20_block_matches_rfc8439_2_3_2),
		cmocka_unit_test(chacha20_encryption_matches_rfc8439_2_4_2),
		cmocka_unit_test(crng_output_is_keystream_after_the_next_key),
		cmocka_unit_test(crng_never_repeats_and_seeding_changes_everything),
		cmocka_unit_test(crng_sizes_are_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
