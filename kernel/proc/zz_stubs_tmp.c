/*
 * proc/zz_stubs_tmp.c — TEMPORARY weak stand-ins, so the signal branch links before the
 * lead's processes, uaccess and FPU code land on main. Every one is weak: the real
 * definitions replace them. Delete this file when merging onto a main that has them.
 */
#include <keel/proc.h>
#include <keel/uaccess.h>
#include <keel/arch.h>
#include <keel/panic.h>
#include <keel/errno.h>

#define WEAK __attribute__((weak))

WEAK struct spinlock proc_tree_lock = SPINLOCK_INIT("proc_tree");
WEAK struct proc *proc_current(void) { return NULL; }
WEAK struct uthread *uthread_current(void) { return NULL; }
WEAK struct proc *proc_get(int pid) { return NULL; }
WEAK void proc_put(struct proc *p) { }
WEAK int proc_for_each(int (*fn)(struct proc *p, void *arg), void *arg) { return 0; }
WEAK __noreturn void proc_exit_thread(int status) { panic("proc_exit_thread stub"); }
WEAK __noreturn void proc_exit_group(int status) { panic("proc_exit_group stub"); }
WEAK int copy_from_user(void *dst, const void __user *src, size_t n) { return -EFAULT; }
WEAK int copy_to_user(void __user *dst, const void *src, size_t n) { return -EFAULT; }
WEAK size_t arch_fpu_state_size(void) { return 512; }
WEAK void arch_fpu_save(void *buf) { }
WEAK int arch_fpu_load(const void *buf) { return 0; }
WEAK void arch_fpu_init_state(void *buf) { }
