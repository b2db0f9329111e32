/*
 * proc/robust.c — robust futex lists (set_robust_list/get_robust_list) and rseq.
 *
 * A thread registers the head of a user list of the locks it holds (glibc does it for every
 * thread: pthread robust mutexes). When the thread ends, or its process execs, the kernel
 * walks that list as Linux does: each futex word whose owner TID is the dying thread gets
 * FUTEX_OWNER_DIED (keeping FUTEX_WAITERS), and one waiter is woken when there were waiters,
 * so the next locker sees EOWNERDEAD. The walk is bounded (ROBUST_LIST_LIMIT entries, as
 * Linux) so a cyclic or hostile list cannot hold the exit up; a bad pointer ends the walk.
 *
 * rseq(2): keel has no restartable sequences, and answers as a Linux built without them
 * (CONFIG_RSEQ=n): ENOSYS, on which glibc sets __rseq_size to 0 and carries on. It has its
 * own entry so that it is not reported as an unknown call.
 */
#include <keel/errno.h>
#include <keel/futex.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/syscall.h>
#include <keel/uvm.h>
#include <keel/vm.h>
#include "internal.h"

#define ROBUST_LIST_LIMIT	2048
#define FUTEX_WAITERS		0x80000000u
#define FUTEX_OWNER_DIED	0x40000000u
#define FUTEX_TID_MASK		0x3fffffffu

/* struct robust_list_head: the list (a pointer to the first entry; the head itself ends it),
 * the offset from an entry to its futex word, and the entry being added or removed. */
struct robust_head {
	uint64_t next;
	int64_t futex_offset;
	uint64_t pending;
};

SYSCALL2(set_robust_list, void __user *, head, size_t, len)
{
	if (len != sizeof(struct robust_head))
		return -EINVAL;
	uthread_current()->robust_list = (uintptr_t)head;
	return 0;
}

static int robust_head_of(struct uthread *ut, void *head)
{
	*(uint64_t *)head = READ_ONCE(ut->robust_list);
	return 0;
}

SYSCALL3(get_robust_list, int, pid, uint64_t __user *, head_ptr, size_t __user *, len_ptr)
{
	uint64_t head = 0, len = sizeof(struct robust_head);

	if (uthread_call(pid, robust_head_of, &head))
		return -ESRCH;
	if (copy_to_user(head_ptr, &head, sizeof(head)) || copy_to_user(len_ptr, &len, sizeof(len)))
		return -EFAULT;
	return 0;
}

SYSCALL4(rseq, void __user *, rseq, uint32_t, len, int, flags, uint32_t, sig)
{
	return -ENOSYS;
}

/* Linux's handle_futex_death: the word at uaddr, if owned by tid, is marked OWNER_DIED and
 * one waiter woken. A word not ours, unaligned or unmapped is left alone. */
static void futex_owner_died(uintptr_t uaddr, int tid)
{
	phys_addr_t pa;
	uint32_t *w, old, new_;

	if (!IS_ALIGNED(uaddr, sizeof(uint32_t)) || !user_range_ok((void *)uaddr, 4) ||
	    uvm_user_phys(uaddr, true, &pa))
		return;
	w = phys_to_virt(pa);
	old = __atomic_load_n(w, __ATOMIC_RELAXED);
	do {
		if ((old & FUTEX_TID_MASK) != (uint32_t)tid)
			return;
		new_ = (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	} while (!__atomic_compare_exchange_n(w, &old, new_, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	if (old & FUTEX_WAITERS)
		futex_wake((uint32_t *)uaddr, false, 1);
}

void robust_list_exit(struct uthread *ut)
{
	struct robust_head h;
	uint64_t entry, next, head = ut->robust_list;
	int tid = ut->thread->tid;

	ut->robust_list = 0;
	if (!head || copy_from_user(&h, (void *)head, sizeof(h)))
		return;
	entry = h.next;
	for (unsigned n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
		/* bit 0 of an entry marks a PI futex: the word is found the same way */
		if (copy_from_user(&next, (void *)(entry & ~1ULL), sizeof(next)))
			break;
		if (entry != h.pending)
			futex_owner_died((entry & ~1ULL) + (uint64_t)h.futex_offset, tid);
		entry = next;
	}
	if (h.pending)
		futex_owner_died((h.pending & ~1ULL) + (uint64_t)h.futex_offset, tid);
}
