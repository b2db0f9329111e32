/*
 * arch/sys_arch.h — lwIP's operating-system types on keel (implemented in net/lwip/sys_arch.c).
 *
 * A semaphore and a mutex are keel's own (keel/sync.h) with a valid flag lwIP asks about; a
 * mailbox is a pointer to a bounded ring of message pointers (struct lwip_mbox). Threads are
 * keel kernel threads. Protection (SYS_ARCH_PROTECT) is one irq-saving spinlock that the
 * holding CPU may take again (lwIP nests it).
 */
#ifndef KEEL_LWIP_ARCH_SYS_ARCH_H
#define KEEL_LWIP_ARCH_SYS_ARCH_H

#include <keel/sync.h>

typedef struct {
	struct semaphore sem;
	bool valid;
} sys_sem_t;

typedef struct {
	struct mutex mutex;
	bool valid;
} sys_mutex_t;

struct lwip_mbox;
typedef struct lwip_mbox *sys_mbox_t;

struct thread;
typedef struct thread *sys_thread_t;

typedef unsigned sys_prot_t;	/* bit 0: interrupts were on; bit 1: nested */

#define sys_sem_valid(s)		((s)->valid)
#define sys_sem_set_invalid(s)		((s)->valid = false)
#define sys_mutex_valid(m)		((m)->valid)
#define sys_mutex_set_invalid(m)	((m)->valid = false)
#define sys_mbox_valid(mb)		(*(mb) != NULL)
#define sys_mbox_set_invalid(mb)	(*(mb) = NULL)

#endif
