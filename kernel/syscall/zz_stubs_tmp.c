/*
 * syscall/zz_stubs_tmp.c — TEMPORARY weak stand-ins for interfaces the lead is implementing
 * on main (keel/uaccess.h, keel/proc.h, keel/uvm.h), so branch misc links and its ktests run
 * before user mode lands. Every definition is weak: the real one wins as soon as it exists.
 * Delete this file once main has them.
 */
#include <keel/errno.h>
#include <keel/proc.h>
#include <keel/uaccess.h>
#include <keel/uvm.h>

#define WEAK __attribute__((weak))

WEAK int copy_from_user(void *dst, const void __user *src, size_t n) { return -EFAULT; }
WEAK int copy_to_user(void __user *dst, const void *src, size_t n) { return -EFAULT; }
WEAK int get_user_u32(uint32_t *val, const uint32_t __user *p) { return -EFAULT; }
WEAK struct proc *proc_current(void) { return NULL; }
WEAK struct uthread *uthread_current(void) { return NULL; }
WEAK struct proc *proc_get(int pid) { return NULL; }
WEAK void proc_put(struct proc *p) { }
WEAK int proc_for_each(int (*fn)(struct proc *p, void *arg), void *arg) { return 0; }
WEAK bool signal_pending(void) { return false; }
WEAK int uvm_user_phys(uintptr_t va, bool write, phys_addr_t *pa) { return -EFAULT; }
