/*
 * lib/ksyms.c — lookups in the link-time symbol table (see keel/ksyms.h).
 *
 * Table layout (emitted by tools/gen-ksyms into the .ksyms section):
 *   ksyms_num    u64              number of symbols
 *   ksyms_addr   u64[num]         addresses, ascending
 *   ksyms_name   u32[num]         offsets into ksyms_str
 *   ksyms_str    char[]           NUL-terminated names
 */
#include <keel/ksyms.h>
#include <keel/printf.h>
#include <keel/string.h>

extern const uint64_t ksyms_num;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name[];
extern const char ksyms_str[];
extern char __text_start[], __text_end[];

size_t ksyms_count(void)
{
	return ksyms_num;
}

const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset)
{
	size_t lo = 0, hi = ksyms_num;

	if (!ksyms_num || addr < ksyms_addr[0] ||
	    addr < (uintptr_t)__text_start || addr >= (uintptr_t)__text_end)
		return NULL;
	while (hi - lo > 1) {		/* invariant: ksyms_addr[lo] <= addr < ksyms_addr[hi] */
		size_t mid = lo + (hi - lo) / 2;

		if (ksyms_addr[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addr[lo];
	return &ksyms_str[ksyms_name[lo]];
}

uintptr_t ksyms_find(const char *name)
{
	for (size_t i = 0; i < ksyms_num; i++)
		if (strcmp(&ksyms_str[ksyms_name[i]], name) == 0)
			return ksyms_addr[i];
	return 0;
}

void ksyms_format(char *buf, size_t size, uintptr_t addr)
{
	uintptr_t off;
	const char *name = ksyms_lookup(addr, &off);

	if (name)
		snprintf(buf, size, "%s+0x%lx", name, off);
	else
		snprintf(buf, size, "?");
}
