/*
 * keel/errno.h — error numbers. The values are Linux's, because keel speaks the Linux syscall
 * ABI; kernel functions return them negated (-ENOMEM).
 */
#ifndef KEEL_ERRNO_H
#define KEEL_ERRNO_H

#define EPERM		1
#define ENOENT		2
#define EINTR		4
#define EIO		5
#define E2BIG		7
#define ENOEXEC		8
#define EBADF		9
#define EAGAIN		11
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define EINVAL		22
#define ENOSPC		28
#define ERANGE		34
#define ENOSYS		38

#endif
