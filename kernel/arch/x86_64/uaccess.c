/*
 * arch/x86_64/uaccess.c — copying to and from user memory (keel/uaccess.h).
 *
 * Each routine checks the range against USER_TOP, opens SMAP for exactly the string
 * instruction that touches user memory, and lists that instruction in the exception table.
 * A fault there goes to kernel_user_fault() (user.c): demand paging, COW and stack growth are
 * resolved and the instruction resumes where it stopped (rep movs/stos are restartable);
 * otherwise it continues at the fixup label with RCX = bytes left, and the routine returns
 * -EFAULT.
 */
#include <keel/errno.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include "uaccess.h"

extern const struct extable_entry __extable_start[], __extable_end[];

uintptr_t extable_fixup(uintptr_t rip)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

static inline void user_access_begin(void)
{
	if (smap_enabled)
		__asm__ __volatile__("stac" ::: "memory");
}

static inline void user_access_end(void)
{
	if (smap_enabled)
		__asm__ __volatile__("clac" ::: "memory");
}

/* Bytes not copied. */
static size_t copy_raw(void *dst, const void *src, size_t n)
{
	user_access_begin();
	__asm__ __volatile__("1: rep movsb\n2:\n\t" EXTABLE(1b, 2b)
			     : "+D"(dst), "+S"(src), "+c"(n) :: "memory");
	user_access_end();
	return n;
}

int copy_from_user(void *dst, const void __user *src, size_t n)
{
	if (!user_range_ok(src, n))
		return -EFAULT;
	return copy_raw(dst, src, n) ? -EFAULT : 0;
}

int copy_to_user(void __user *dst, const void *src, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return copy_raw(dst, src, n) ? -EFAULT : 0;
}

int clear_user(void __user *dst, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	user_access_begin();
	__asm__ __volatile__("1: rep stosb\n2:\n\t" EXTABLE(1b, 2b)
			     : "+D"(dst), "+c"(n) : "a"(0) : "memory");
	user_access_end();
	return n ? -EFAULT : 0;
}

/* Copies page by page, so it never touches a page past the one holding the NUL. */
long strncpy_from_user(char *dst, const char __user *src, size_t max)
{
	size_t done = 0;

	while (done < max) {
		uintptr_t a = (uintptr_t)src + done;
		size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		const char *nul;

		if (chunk > max - done)
			chunk = max - done;
		if (copy_from_user(dst + done, (const char *)a, chunk))
			return -EFAULT;
		nul = memchr(dst + done, 0, chunk);
		if (nul)
			return nul - dst;
		done += chunk;
	}
	return -ENAMETOOLONG;
}

int get_user_u32(uint32_t *val, const uint32_t __user *p)
{
	return copy_from_user(val, p, sizeof(*val));
}

int put_user_u32(uint32_t __user *p, uint32_t val)
{
	return copy_to_user(p, &val, sizeof(val));
}

int get_user_u64(uint64_t *val, const uint64_t __user *p)
{
	return copy_from_user(val, p, sizeof(*val));
}

int put_user_u64(uint64_t __user *p, uint64_t val)
{
	return copy_to_user(p, &val, sizeof(val));
}
