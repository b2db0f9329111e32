/*
 * user/tests/ut-pie.c — a static-PIE (ET_DYN) program (/bin/ut-pie) for the kernel's
 * relocating load path. It relocates itself (musl's rcrt1.o); exit status 0 proves the
 * relocations were applied (absolute pointers in data equal the addresses the code computes),
 * TLS works, and AT_ENTRY / AT_PHDR lie inside the loaded image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

static int target = 42;
static int *volatile ptr = &target;		/* an R_X86_64_RELATIVE relocation */
static const char *const words[] = { "keel", "pie" };
static __thread int tls_value = 7;
extern char __ehdr_start[];			/* the ELF header: the load base */

int main(void)
{
	uintptr_t base = (uintptr_t)__ehdr_start;

	if (ptr != &target || *ptr != 42)
		return 1;
	if (strcmp(words[0], "keel") != 0 || strcmp(words[1], "pie") != 0)
		return 2;
	if (tls_value != 7)
		return 3;
	if (getauxval(AT_PHDR) < base || getauxval(AT_PHDR) > base + 4096)
		return 4;
	if (getauxval(AT_ENTRY) <= base || getauxval(AT_ENTRY) > (uintptr_t)&main + (1 << 20))
		return 5;
	char *p = malloc(100000);
	if (!p)
		return 6;
	memset(p, 1, 100000);
	free(p);
	return 0;
}
