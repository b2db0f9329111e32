/*
 * user/lib/crypto/sha256_avx2.S — the SHA-256 compression (FIPS 180-4 §6.2.2) with AVX2 and
 * BMI2, two blocks at a time.
 *
 * void sha256_blocks_avx2(uint32_t h[8], const uint8_t *blocks, size_t n)   n >= 1
 *
 * Step 1 (the message schedule, (6.2) W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]) runs
 * in ymm registers, four words per instruction and two blocks at once: the low 128-bit lane
 * carries block i, the high lane block i+1 (AVX2 shifts, adds and palignr work per lane).
 * Each quad W[4q..4q+3] + K[4q..4q+3] of both blocks is stored to the stack, 32 bytes per
 * quad: block i's four words, then block i+1's. Steps 2-4 (the 64 rounds) then run in general
 * registers for block i, and again for block i+1 reading the other half of each quad, with
 * BMI2 rorx (rotate into a third register) for Σ0/Σ1 and BMI1 andn for Ch. With an odd n the last block fills both lanes and the second pass is skipped.
 *
 * The schedule is woven into block i's rounds at the level of quads (two SCHEDQ, then eight
 * rounds), not instruction by instruction as in Intel's and OpenSSL's code: simpler to
 * follow, and the out-of-order core does most of the overlapping anyway.
 */
	.section .rodata
	.balign 32
bswap_mask:                     /* vpshufb: every dword big-endian (§3.1), in both lanes */
	.byte 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12
	.byte 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12
k256x2:                         /* §4.2.2's K, each quad twice: one copy per lane */
	.long 0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5	/* K[0..3] */
	.long 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5	/* K[4..7] */
	.long 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3	/* K[8..11] */
	.long 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174	/* K[12..15] */
	.long 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc	/* K[16..19] */
	.long 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da	/* K[20..23] */
	.long 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7	/* K[24..27] */
	.long 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967	/* K[28..31] */
	.long 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13	/* K[32..35] */
	.long 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85	/* K[36..39] */
	.long 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3	/* K[40..43] */
	.long 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070	/* K[44..47] */
	.long 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5	/* K[48..51] */
	.long 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3	/* K[52..55] */
	.long 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208	/* K[56..59] */
	.long 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2	/* K[60..63] */

/* Registers. Rounds: a..h and three temporaries; the schedule: four quads and four temps. */
#define X0 %ymm0
#define X1 %ymm1
#define X2 %ymm2
#define X3 %ymm3
#define T0 %ymm4
#define T1 %ymm5
#define T2 %ymm6
#define T3 %ymm7
#define MASK %ymm8
#define CTX  %rdi               /* h[8] */
#define DATA %rsi               /* the next block (while scheduling; kept at DATA_SLOT) */
#define NBLK %rdx               /* blocks left (while scheduling; kept at NBLK_SLOT) */
#define DATA_SLOT -48(%rbp)
#define NBLK_SLOT -56(%rbp)
#define WK   %rsp               /* 64 quads * 32 bytes of W+K, 32-byte aligned */
#define WKSIZE 2048

/* AVX2 has no vector rotate: ROTR^n(x) = x>>n ^ x<<(32-n) (the two halves never overlap). */
.macro VROTR_XOR n, src, dst, tmp      /* \dst ^= ROTR^n(\src) */
	vpsrld  $\n, \src, \tmp
	vpxor   \tmp, \dst, \dst
	vpslld  $(32 - \n), \src, \tmp
	vpxor   \tmp, \dst, \dst
.endm

/* \dst = σ0(\src) = ROTR^7 ^ ROTR^18 ^ SHR^3 (4.6), per dword. */
.macro SSIG0 src, dst, tmp
	vpsrld  $3, \src, \dst
	VROTR_XOR 7, \src, \dst, \tmp
	VROTR_XOR 18, \src, \dst, \tmp
.endm

/* \dst = σ1(\src) = ROTR^17 ^ ROTR^19 ^ SHR^10 (4.7), per dword. */
.macro SSIG1 src, dst, tmp
	vpsrld  $10, \src, \dst
	VROTR_XOR 17, \src, \dst, \tmp
	VROTR_XOR 19, \src, \dst, \tmp
.endm

/* Quad q of the block pair from the data: byte-swapped words, block i low, block i+1 high. */
.macro LOADQ q, x
	vmovdqu (\q * 16)(DATA), %xmm9           /* (zeroes the upper lane) */
	vinserti128 $1, (\q * 16)(%rax), %ymm9, \x
	vpshufb MASK, \x, \x
	vpaddd  (\q * 32)+k256x2(%rip), \x, T0
	vmovdqa T0, (\q * 32)(WK)
.endm

/*
 * With \x0..\x3 = W(q-4)..W(q-1) (W(q) = W[4q..4q+3]), replaces \x0 by W(q) and stores
 * W(q) + K to the stack. (6.2) for four t at once; the σ1 terms of the upper two words need
 * the lower two words of this very quad, so σ1 is applied twice, to two words each time.
 */
.macro SCHEDQ q, x0, x1, x2, x3
	vpalignr $4, \x0, \x1, T1               /* W[t-15..t-12] */
	vpalignr $4, \x2, \x3, T0               /* W[t-7..t-4] */
	vpaddd  T0, \x0, \x0                    /* W[t-16] + W[t-7] */
	SSIG0   T1, T2, T3
	vpaddd  T2, \x0, \x0                    /* + σ0(W[t-15]) */
	vpsrldq $8, \x3, T1                     /* W[t-2], W[t-1], 0, 0 */
	SSIG1   T1, T2, T3
	vpaddd  T2, \x0, \x0                    /* words 0, 1 done (σ1(0) = 0 for 2, 3) */
	vpslldq $8, \x0, T1                     /* 0, 0, W[t], W[t+1] */
	SSIG1   T1, T2, T3
	vpaddd  T2, \x0, \x0                    /* words 2, 3 done */
	vpaddd  (\q * 32)+k256x2(%rip), \x0, T0
	vmovdqa T0, (\q * 32)(WK)
.endm

/*
 * One round, §6.2.2 step 3, with \wk the address of K[t] + W[t]:
 *   T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t];  T2 = Σ0(a) + Maj(a,b,c)
 *   d += T1 (the new e);  h = T1 + T2 (the new a)
 * The caller renames instead of moving: the next round's (a..h) is this one's (h,a..g).
 * Three tricks shorten the dependency chains (they are OpenSSL's, from Intel's paper):
 *   - Ch(e,f,g) = (e & f) + (~e & g): the two halves never share a bit, so + is ^.
 *   - Maj(a,b,c) = ((a ^ b) & (b ^ c)) ^ b, and this round's a ^ b is the next round's b ^ c:
 *     \x receives a ^ b, \y holds b ^ c on entry; the caller swaps them every round.
 *   - Σ0(a) is added to the new a at the start of the next round (it is left in %ebx), so
 *     the new e, which does not need it, does not wait for it.
 * On entry %edx = f and %ebx = the previous round's Σ0 (0 before round 0); on exit %edx is
 * the next round's f.
 */
.macro ROUND a, b, c, d, e, f, g, h, wk, x, y
	add     \wk, \h                         /* h + K[t] + W[t] */
	and     \e, %edx                        /* e & f */
	rorx    $25, \e, %eax
	rorx    $11, \e, \x
	add     %ebx, \a                        /* a is now complete: + Σ0 of the last round */
	add     %edx, \h
	andn    \g, \e, %edx                    /* ~e & g */
	xor     \x, %eax
	rorx    $6, \e, %ebx
	add     %edx, \h                        /* + Ch(e,f,g) (4.2) */
	xor     %ebx, %eax                      /* Σ1(e) (4.5) */
	mov     \a, \x
	rorx    $22, \a, %edx
	add     %eax, \h                        /* h = T1 */
	xor     \b, \x                          /* a ^ b */
	rorx    $13, \a, %ebx
	rorx    $2, \a, %eax
	add     \h, \d                          /* new e = d + T1 */
	and     \x, \y                          /* (a ^ b) & (b ^ c) */
	xor     %edx, %ebx
	xor     \b, \y                          /* Maj(a,b,c) (4.3) */
	xor     %eax, %ebx                      /* Σ0(a) (4.4), for the next round */
	add     \y, \h                          /* new a = T1 + Maj, Σ0 still to come */
	mov     \e, %edx                        /* the next round's f */
.endm

/* Rounds 8j..8j+7 of the block whose words are at byte \half (0 or 16) of each quad. */
.macro ROUNDS8 j, half
	ROUND %r8d,  %r9d,  %r10d, %r11d, %r12d, %r13d, %r14d, %r15d, (64*\j+\half+0)(WK), %esi, %ecx
	ROUND %r15d, %r8d,  %r9d,  %r10d, %r11d, %r12d, %r13d, %r14d, (64*\j+\half+4)(WK), %ecx, %esi
	ROUND %r14d, %r15d, %r8d,  %r9d,  %r10d, %r11d, %r12d, %r13d, (64*\j+\half+8)(WK), %esi, %ecx
	ROUND %r13d, %r14d, %r15d, %r8d,  %r9d,  %r10d, %r11d, %r12d, (64*\j+\half+12)(WK), %ecx, %esi
	ROUND %r12d, %r13d, %r14d, %r15d, %r8d,  %r9d,  %r10d, %r11d, (64*\j+\half+32)(WK), %esi, %ecx
	ROUND %r11d, %r12d, %r13d, %r14d, %r15d, %r8d,  %r9d,  %r10d, (64*\j+\half+36)(WK), %ecx, %esi
	ROUND %r10d, %r11d, %r12d, %r13d, %r14d, %r15d, %r8d,  %r9d,  (64*\j+\half+40)(WK), %esi, %ecx
	ROUND %r9d,  %r10d, %r11d, %r12d, %r13d, %r14d, %r15d, %r8d,  (64*\j+\half+44)(WK), %ecx, %esi
.endm

/* Steps 2 and 4 for one block: load a..h from h[] and set up ROUND's carried values; after
 * the 64 rounds (every 8 the names are back where they started), the last Σ0, add back. */
.macro BLOCK_BEGIN
	mov     0(CTX), %r8d
	mov     4(CTX), %r9d
	mov     8(CTX), %r10d
	mov     12(CTX), %r11d
	mov     16(CTX), %r12d
	mov     20(CTX), %r13d
	mov     24(CTX), %r14d
	mov     28(CTX), %r15d
	xor     %ebx, %ebx                      /* no Σ0 pending */
	mov     %r9d, %ecx
	xor     %r10d, %ecx                     /* b ^ c */
	mov     %r13d, %edx                     /* f */
.endm

.macro BLOCK_END
	add     %ebx, %r8d
	add     %r8d, 0(CTX)
	add     %r9d, 4(CTX)
	add     %r10d, 8(CTX)
	add     %r11d, 12(CTX)
	add     %r12d, 16(CTX)
	add     %r13d, 20(CTX)
	add     %r14d, 24(CTX)
	add     %r15d, 28(CTX)
.endm

/* The 64 rounds of the block at byte \half of each quad, its schedule already stored. */
.macro BLOCK half
	BLOCK_BEGIN
	.irp j, 0, 1, 2, 3, 4, 5, 6, 7
	ROUNDS8 \j, \half
	.endr
	BLOCK_END
.endm

	.text
	.globl  sha256_blocks_avx2
	.type   sha256_blocks_avx2, @function
sha256_blocks_avx2:
	push    %rbp
	mov     %rsp, %rbp
	push    %rbx
	push    %r12
	push    %r13
	push    %r14
	push    %r15
	sub     $(WKSIZE + 64), %rsp            /* the two slots, then the aligned W+K area */
	and     $-32, %rsp
	vmovdqa bswap_mask(%rip), MASK
	mov     DATA, DATA_SLOT
	mov     NBLK, NBLK_SLOT
1:
	mov     DATA_SLOT, DATA
	mov     NBLK_SLOT, NBLK
	lea     64(DATA), %rax                  /* block i+1, or block i again if it is the last */
	cmp     $1, NBLK
	cmove   DATA, %rax
	LOADQ   0, X0
	LOADQ   1, X1
	LOADQ   2, X2
	LOADQ   3, X3
	/*
	 * Block i's rounds with the schedule of both blocks woven in: two quads of W are
	 * made ahead of the eight rounds that follow, and the out-of-order core runs the
	 * vector work beside the scalar rounds it does not depend on.
	 */
	BLOCK_BEGIN
	SCHEDQ  4, X0, X1, X2, X3
	SCHEDQ  5, X1, X2, X3, X0
	ROUNDS8 0, 0
	SCHEDQ  6, X2, X3, X0, X1
	SCHEDQ  7, X3, X0, X1, X2
	ROUNDS8 1, 0
	SCHEDQ  8, X0, X1, X2, X3
	SCHEDQ  9, X1, X2, X3, X0
	ROUNDS8 2, 0
	SCHEDQ 10, X2, X3, X0, X1
	SCHEDQ 11, X3, X0, X1, X2
	ROUNDS8 3, 0
	SCHEDQ 12, X0, X1, X2, X3
	SCHEDQ 13, X1, X2, X3, X0
	ROUNDS8 4, 0
	SCHEDQ 14, X2, X3, X0, X1
	SCHEDQ 15, X3, X0, X1, X2
	ROUNDS8 5, 0
	ROUNDS8 6, 0
	ROUNDS8 7, 0
	BLOCK_END
	cmpq    $1, NBLK_SLOT
	je      2f
	BLOCK   16
	addq    $128, DATA_SLOT
	subq    $2, NBLK_SLOT
	jnz     1b
2:
	vzeroupper                              /* no dirty upper halves left for SSE code */
	lea     -40(%rbp), %rsp
	pop     %r15
	pop     %r14
	pop     %r13
	pop     %r12
	pop     %rbx
	pop     %rbp
	ret
	.size   sha256_blocks_avx2, .-sha256_blocks_avx2
	.section .note.GNU-stack, "", @progbits
