/*
 * user/lib/crypto/sha256_shani.S — the SHA-256 compression (FIPS 180-4 §6.2.2) with the x86
 * SHA extensions.
 *
 * void sha256_blocks_shani(uint32_t h[8], const uint8_t *blocks, size_t n)   n >= 1
 *
 * The instructions (Intel SDM vol. 2, "SHA extensions"):
 *   sha256rnds2 SRC, DST   two rounds (§6.2.2 step 3, t and t+1): DST holds the working
 *                          variables {c,d,g,h}, SRC {a,b,e,f} (dwords 3..0 = A,B,E,F), the
 *                          implicit %xmm0 K[t]+W[t] in dword 0 and K[t+1]+W[t+1] in dword 1.
 *                          DST receives the new {a,b,e,f}; the old {a,b,e,f} is the new
 *                          {c,d,g,h}, so each pair of rnds2 below swaps STATE0 and STATE1's
 *                          roles and ends with them back in place.
 *   sha256msg1 W1, W0      W0 += σ0(the four words after W0's first), the σ0 half of (6.2)
 *   sha256msg2 W3, W4      W4 += σ1 of W[t-2], W[t-1], finishing W[t..t+3] (needs the two
 *                          words it produces first for the last two, which it handles itself)
 * So a quad of message words Wq = W[4q..4q+3] in MSG0..MSG3 (q mod 4) is made in three steps
 * spread over three quads of rounds: msg1 (σ0 term and W[t-16]), + W[t-7..t-4] (a palignr of
 * the two previous quads), msg2 (σ1 terms).
 */
	.section .rodata
	.balign 16
bswap_mask:                     /* pshufb: each dword big-endian (§3.1: words are big-endian) */
	.byte 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12

#define MSG     %xmm0           /* K+W for the next four rounds (sha256rnds2's implicit operand) */
#define STATE0  %xmm1           /* {a,b,e,f} */
#define STATE1  %xmm2           /* {c,d,g,h} */
#define MSG0    %xmm3           /* the message quads, W[4q..4q+3] in MSG(q mod 4) */
#define MSG1    %xmm4
#define MSG2    %xmm5
#define MSG3    %xmm6
#define TMP     %xmm7
#define MASK    %xmm8
#define SAVE0   %xmm9           /* the state at the start of the block (step 4 adds it back) */
#define SAVE1   %xmm10

/*
 * Rounds 4q..4q+3 with Wq in \cur; meanwhile finishes W(q+1) in \next (msg2, q = 3..14) and
 * starts W(q+3) in \prev (msg1, q = 1..12). \load: Wq is still to be read from the block.
 */
.macro QUAD q, cur, prev, next, load
	.if \load
	movdqu  (\q * 16)(%rsi), \cur
	pshufb  MASK, \cur
	.endif
	movdqa  \cur, MSG
	paddd   (\q * 16)+sha256_k256(%rip), MSG
	sha256rnds2 STATE0, STATE1              /* rounds 4q, 4q+1: new {a,b,e,f} in STATE1 */
	.if \q >= 3 && \q <= 14
	movdqa  \cur, TMP
	palignr $4, \prev, TMP                  /* W[4q-3..4q]: the W[t-7] terms of W(q+1) */
	paddd   TMP, \next
	sha256msg2 \cur, \next                  /* W(q+1) complete */
	.endif
	pshufd  $0x0e, MSG, MSG                 /* K+W of rounds 4q+2, 4q+3 into dwords 0, 1 */
	sha256rnds2 STATE1, STATE0              /* rounds 4q+2, 4q+3 */
	.if \q >= 1 && \q <= 12
	sha256msg1 \cur, \prev                  /* W(q-1) + σ0 terms: the start of W(q+3) */
	.endif
.endm

	.text
	.globl  sha256_blocks_shani
	.type   sha256_blocks_shani, @function
sha256_blocks_shani:
	/* h[0..7] = a..h in memory order; gather {a,b,e,f} and {c,d,g,h} (dword 3 first). */
	movdqu  (%rdi), STATE0                  /* d c b a */
	movdqu  16(%rdi), STATE1                /* h g f e */
	pshufd  $0xb1, STATE0, STATE0           /* c d a b */
	pshufd  $0x1b, STATE1, STATE1           /* e f g h */
	movdqa  STATE0, TMP
	palignr $8, STATE1, STATE0              /* a b e f */
	pblendw $0xf0, TMP, STATE1              /* c d g h */
	movdqa  bswap_mask(%rip), MASK
1:
	movdqa  STATE0, SAVE0
	movdqa  STATE1, SAVE1
	QUAD  0, MSG0, MSG3, MSG1, 1
	QUAD  1, MSG1, MSG0, MSG2, 1
	QUAD  2, MSG2, MSG1, MSG3, 1
	QUAD  3, MSG3, MSG2, MSG0, 1
	QUAD  4, MSG0, MSG3, MSG1, 0
	QUAD  5, MSG1, MSG0, MSG2, 0
	QUAD  6, MSG2, MSG1, MSG3, 0
	QUAD  7, MSG3, MSG2, MSG0, 0
	QUAD  8, MSG0, MSG3, MSG1, 0
	QUAD  9, MSG1, MSG0, MSG2, 0
	QUAD 10, MSG2, MSG1, MSG3, 0
	QUAD 11, MSG3, MSG2, MSG0, 0
	QUAD 12, MSG0, MSG3, MSG1, 0
	QUAD 13, MSG1, MSG0, MSG2, 0
	QUAD 14, MSG2, MSG1, MSG3, 0
	QUAD 15, MSG3, MSG2, MSG0, 0
	paddd   SAVE0, STATE0                   /* step 4: H(i) = H(i-1) + working variables */
	paddd   SAVE1, STATE1
	add     $64, %rsi
	dec     %rdx
	jnz     1b
	/* Back to memory order a..h. */
	pshufd  $0x1b, STATE0, STATE0           /* f e b a */
	pshufd  $0xb1, STATE1, STATE1           /* d c h g */
	movdqa  STATE0, TMP
	pblendw $0xf0, STATE1, STATE0           /* d c b a */
	palignr $8, TMP, STATE1                 /* h g f e */
	movdqu  STATE0, (%rdi)
	movdqu  STATE1, 16(%rdi)
	ret
	.size   sha256_blocks_shani, .-sha256_blocks_shani
	.section .note.GNU-stack, "", @progbits
