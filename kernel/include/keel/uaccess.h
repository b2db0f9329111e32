/*
 * keel/uaccess.h — the only way the kernel touches user memory.
 *
 * Every pointer a user program hands the kernel is checked to lie wholly below USER_TOP and is
 * then accessed through these functions, which run with SMAP opened (STAC/CLAC) and are covered
 * by the exception table: a fault on an unmapped or protected user page that the page-fault
 * handler cannot resolve (demand paging, COW, stack growth) makes them return -EFAULT instead
 * of oopsing. They may sleep (a user page fault can allocate), so never call them with a
 * spinlock held. `__user` marks a user pointer for the reader; it is not checked by the compiler.
 */
#ifndef KEEL_UACCESS_H
#define KEEL_UACCESS_H

#include <keel/types.h>
#include <keel/memlayout.h>

#define __user

/* True when [p, p+n) lies in the user half (n == 0 is fine anywhere in it). */
static inline bool user_range_ok(const void __user *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return a < USER_TOP && n <= USER_TOP - a;
}

/* 0, or -EFAULT when any byte is outside the user half or cannot be accessed. On -EFAULT
 * a prefix of the destination may already have been written. */
int copy_from_user(void *dst, const void __user *src, size_t n);
int copy_to_user(void __user *dst, const void *src, size_t n);
int clear_user(void __user *dst, size_t n);
/* Copies a NUL-terminated string of at most max-1 characters and its NUL into dst. Returns
 * its length, -EFAULT, or -ENAMETOOLONG when no NUL is found in the first max bytes. */
long strncpy_from_user(char *dst, const char __user *src, size_t max);
/* One aligned word; 0 or -EFAULT. */
int get_user_u32(uint32_t *val, const uint32_t __user *p);
int put_user_u32(uint32_t __user *p, uint32_t val);
int get_user_u64(uint64_t *val, const uint64_t __user *p);
int put_user_u64(uint64_t __user *p, uint64_t val);

#endif
