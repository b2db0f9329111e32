/*
 * arch/x86_64/cpu.c — CPU identification and feature flags.
 *
 * Reads the CPUID leaves once into boot_cpu. Every optional feature the kernel uses is looked
 * up here first (cpu_has()); the boot log lists what was found and what keel turns on.
 */
#include <arch/cpu.h>
#include <keel/arch.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/string.h>

struct cpu_info boot_cpu;

struct feature_bit {
	uint32_t leaf, sub;
	uint8_t reg;		/* 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint8_t bit;
	const char *name;
};

static const struct feature_bit feature_bits[FEAT_COUNT] = {
	[FEAT_NX] = { 0x80000001, 0, 3, 20, "nx" },
	[FEAT_PDPE1GB] = { 0x80000001, 0, 3, 26, "pdpe1gb" },
	[FEAT_PGE] = { 1, 0, 3, 13, "pge" },
	[FEAT_PAT] = { 1, 0, 3, 16, "pat" },
	[FEAT_TSC] = { 1, 0, 3, 4, "tsc" },
	[FEAT_INVARIANT_TSC] = { 0x80000007, 0, 3, 8, "invariant-tsc" },
	[FEAT_APIC] = { 1, 0, 3, 9, "apic" },
	[FEAT_X2APIC] = { 1, 0, 2, 21, "x2apic" },
	[FEAT_TSC_DEADLINE] = { 1, 0, 2, 24, "tsc-deadline" },
	[FEAT_PCID] = { 1, 0, 2, 17, "pcid" },
	[FEAT_INVPCID] = { 7, 0, 1, 10, "invpcid" },
	[FEAT_SMEP] = { 7, 0, 1, 7, "smep" },
	[FEAT_SMAP] = { 7, 0, 1, 20, "smap" },
	[FEAT_FSGSBASE] = { 7, 0, 1, 0, "fsgsbase" },
	[FEAT_SSE2] = { 1, 0, 3, 26, "sse2" },
	[FEAT_XSAVE] = { 1, 0, 2, 26, "xsave" },
	[FEAT_XSAVEOPT] = { 0xd, 1, 0, 0, "xsaveopt" },
	[FEAT_AVX] = { 1, 0, 2, 28, "avx" },
	[FEAT_AVX2] = { 7, 0, 1, 5, "avx2" },
	[FEAT_AVX512F] = { 7, 0, 1, 16, "avx512f" },
	[FEAT_HYPERVISOR] = { 1, 0, 2, 31, "hypervisor" },
	[FEAT_RDRAND] = { 1, 0, 2, 30, "rdrand" },
	[FEAT_RDSEED] = { 7, 0, 1, 18, "rdseed" },
};

const char *cpu_feature_name(enum cpu_feature f)
{
	return feature_bits[f].name;
}

static uint32_t max_leaf(uint32_t base)
{
	uint32_t r[4];

	cpuid(base, 0, r);
	return r[0];
}

static void read_brand(void)
{
	uint32_t r[4];
	char *p = boot_cpu.brand;

	if (max_leaf(0x80000000) < 0x80000004) {
		strlcpy(p, "(no brand string)", sizeof(boot_cpu.brand));
		return;
	}
	for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; leaf++, p += 16) {
		cpuid(leaf, 0, r);
		memcpy(p, r, 16);
	}
	boot_cpu.brand[48] = '\0';
	p = boot_cpu.brand;		/* trim the leading spaces some vendors pad with */
	while (*p == ' ')
		p++;
	memmove(boot_cpu.brand, p, strlen(p) + 1);
}

void cpu_detect(void)
{
	uint32_t r[4], basic = max_leaf(0), ext = max_leaf(0x80000000);

	cpuid(0, 0, r);
	memcpy(boot_cpu.vendor, &r[1], 4);
	memcpy(boot_cpu.vendor + 4, &r[3], 4);
	memcpy(boot_cpu.vendor + 8, &r[2], 4);
	cpuid(1, 0, r);
	boot_cpu.family = (r[0] >> 8) & 0xf;
	boot_cpu.model = (r[0] >> 4) & 0xf;
	boot_cpu.stepping = r[0] & 0xf;
	if (boot_cpu.family == 0xf)
		boot_cpu.family += (r[0] >> 20) & 0xff;
	if (boot_cpu.family >= 6)
		boot_cpu.model |= ((r[0] >> 16) & 0xf) << 4;
	for (int f = 0; f < FEAT_COUNT; f++) {
		const struct feature_bit *fb = &feature_bits[f];
		uint32_t top = fb->leaf >= 0x80000000 ? ext : basic;

		if (fb->leaf > top)
			continue;
		cpuid(fb->leaf, fb->sub, r);
		if (r[fb->reg] & (1U << fb->bit))
			boot_cpu.features |= 1ULL << f;
	}
	boot_cpu.phys_addr_bits = 36;
	boot_cpu.virt_addr_bits = 48;
	if (ext >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		boot_cpu.phys_addr_bits = r[0] & 0xff;
		boot_cpu.virt_addr_bits = (r[0] >> 8) & 0xff;
	}
	read_brand();
}

/* The power-on PAT (WB WT UC- UC, twice) with entry 1 changed from WT to WC. Nothing maps
 * with PWT alone before this runs, so no page changes type under a CPU's feet. */
#define PAT_WITH_WC	0x0007040600070106ULL

bool pat_wc;

void cpu_pat_init(void)
{
	if (!cpu_has(FEAT_PAT))
		return;
	wrmsr(MSR_PAT, PAT_WITH_WC);
	pat_wc = true;
}

void cpu_log_features(void)
{
	char line[256];
	size_t n = 0;

	pr_info("cpu: %s, %s (family %u model %u stepping %u)\n", boot_cpu.vendor,
		boot_cpu.brand, boot_cpu.family, boot_cpu.model, boot_cpu.stepping);
	pr_info("cpu: %u-bit physical, %u-bit virtual addresses\n", boot_cpu.phys_addr_bits,
		boot_cpu.virt_addr_bits);
	line[0] = '\0';
	for (int f = 0; f < FEAT_COUNT; f++) {
		if (cpu_has(f))
			n += snprintf(line + n, sizeof(line) - n, " %s", feature_bits[f].name);
		if (n >= sizeof(line))
			break;
	}
	pr_info("cpu: features:%s\n", line);
}

/* RDSEED/RDRAND clear CF when the generator is momentarily exhausted; Intel advises retrying
 * (10 times for RDRAND). RDSEED is the conditioned entropy source itself, so it goes first. */
#define HW_RANDOM_RETRIES	10

bool arch_hw_random(uint64_t *out)
{
	bool ok;

	for (int i = 0; i < HW_RANDOM_RETRIES && cpu_has(FEAT_RDSEED); i++) {
		__asm__ __volatile__("rdseed %0" : "=r"(*out), "=@ccc"(ok));
		if (ok)
			return true;
		cpu_relax();
	}
	for (int i = 0; i < HW_RANDOM_RETRIES && cpu_has(FEAT_RDRAND); i++) {
		__asm__ __volatile__("rdrand %0" : "=r"(*out), "=@ccc"(ok));
		if (ok)
			return true;
	}
	return false;
}
