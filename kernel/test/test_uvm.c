/*
 * test/test_uvm.c — user address spaces seen from the kernel: the user-access routines and
 * their exception table, SMAP, and frame accounting of an mm's life.
 *
 * A kernel thread has no process, so it cannot demand-page: the tests map shared anonymous
 * memory (populated at once), activate the mm with preemption off (a switch would load
 * kernel_pt for a kernel thread), and touch it through copy_*_user.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/fault.h>
#include <keel/frame.h>
#include <keel/ktest.h>
#include <keel/preempt.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/uvm.h>

#define UADDR	0x40000000UL

static struct mm *mm_with_shared_page(void)
{
	struct mm *mm = mm_create();
	uintptr_t a = UADDR;

	if (!mm)
		return NULL;
	mutex_lock(&mm->lock);
	if (uvm_map(mm, &a, 2 * PAGE_SIZE, VMA_READ | VMA_WRITE | VMA_SHARED, true, NULL, 0, 0)) {
		mutex_unlock(&mm->lock);
		mm_put(mm);
		return NULL;
	}
	mutex_unlock(&mm->lock);
	return mm;
}

KTEST(uaccess_copies_and_reports_efault)
{
	struct mm *mm = mm_with_shared_page();
	char buf[32], name[8];
	struct frame_stats before, after;

	KT_ASSERT(mm, "no memory");
	preempt_disable();
	vm_activate(&mm->pt);
	KT_EQ(copy_to_user((void *)UADDR, "hello, user", 12), 0);
	memset(buf, 0, sizeof(buf));
	KT_EQ(copy_from_user(buf, (void *)UADDR, 12), 0);
	KT_STREQ(buf, "hello, user");
	KT_EQ(strncpy_from_user(buf, (void *)UADDR, sizeof(buf)), 11);
	KT_EQ(strncpy_from_user(name, (void *)UADDR, sizeof(name)), -ENAMETOOLONG);
	/* a copy that runs off the end of the mapping: the exception table gives -EFAULT */
	KT_EQ(copy_to_user((void *)(UADDR + 2 * PAGE_SIZE - 4), "12345678", 8), -EFAULT);
	KT_EQ(copy_from_user(buf, (void *)(UADDR + 8 * PAGE_SIZE), 4), -EFAULT);
	KT_EQ(clear_user((void *)UADDR, 12), 0);
	KT_EQ(copy_from_user(buf, (void *)UADDR, 1), 0);
	KT_EQ(buf[0], 0);
	/* kernel-half and wrapping ranges are refused before any access */
	KT_EQ(copy_from_user(buf, (void *)KERNEL_VMA_BASE, 4), -EFAULT);
	KT_EQ(copy_to_user((void *)(USER_TOP - 4), buf, 8), -EFAULT);
	vm_activate_kernel();
	preempt_enable();
	frame_stats(&before);
	mm_put(mm);
	frame_stats(&after);
	KT_ASSERT(after.free_pages >= before.free_pages + 3,
		  "mm_put freed %zu pages, expected the 2 user pages and page tables",
		  after.free_pages - before.free_pages);
}

KTEST(smap_stops_plain_kernel_access_to_user_memory)
{
	struct mm *mm;
	struct fault_catch fc;
	int vector = -1;

	mm = mm_with_shared_page();
	KT_ASSERT(mm, "no memory");
	preempt_disable();
	vm_activate(&mm->pt);
	if (fault_catch_begin(&fc)) {
		(void)*(volatile char *)UADDR;
		fault_catch_end();
	} else {
		vector = fc.vector;
	}
	vm_activate_kernel();
	preempt_enable();
	mm_put(mm);
	KT_EQ(vector, arch_has_smap() ? 14 : -1);	/* QEMU's -cpu max and Bochs have SMAP */
}
