/*
 * keel/errno.h — error numbers. The values are Linux's, because keel speaks the Linux syscall
 * ABI; kernel functions return them negated (-ENOMEM).
 */
#ifndef KEEL_ERRNO_H
#define KEEL_ERRNO_H

#define EPERM           1
#define ENOENT          2
#define ESRCH           3
#define EINTR           4
#define EIO             5
#define ENXIO           6
#define E2BIG           7
#define ENOEXEC         8
#define EBADF           9
#define ECHILD          10
#define EAGAIN          11
#define ENOMEM          12
#define EACCES          13
#define EFAULT          14
#define ENOTBLK         15
#define EBUSY           16
#define EEXIST          17
#define EXDEV           18
#define ENODEV          19
#define ENOTDIR         20
#define EISDIR          21
#define EINVAL          22
#define ENFILE          23
#define EMFILE          24
#define ENOTTY          25
#define ETXTBSY         26
#define EFBIG           27
#define ENOSPC          28
#define ESPIPE          29
#define EROFS           30
#define EMLINK          31
#define EPIPE           32
#define EDOM            33
#define ERANGE          34
#define EDEADLK         35
#define ENAMETOOLONG    36
#define ENOLCK          37
#define ENOSYS          38
#define ENOTEMPTY       39
#define ELOOP           40
#define ENODATA         61
#define ETIME           62
#define EOVERFLOW       75
#define ENOTSUP         95
#define EOPNOTSUPP      95
#define ETIMEDOUT       110

/* Kernel-internal, never seen by user space: a blocking syscall interrupted by a signal
 * returns it; signal delivery turns it into -EINTR, or restarts the call (SA_RESTART). */
#define ERESTARTSYS	512
/* Added for signals: like ERESTARTSYS, but -EINTR whenever a handler runs, whatever its
 * SA_RESTART (pause, sigsuspend). */
#define ERESTARTNOHAND	514
/* Like ERESTARTNOHAND, but the restart runs restart_syscall (219), which calls the thread's
 * restart block (struct uthread.restart): how a timed wait resumes with the time left. */
#define ERESTART_RESTARTBLOCK	516

#endif
