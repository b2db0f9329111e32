/*
 * net/internal.h — what the generic socket files (kernel/net/socket*.c) share.
 */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include <keel/socket.h>

/* A new socket of family/type/protocol with its file (O_RDWR, plus O_NONBLOCK when nonblock);
 * the family's create() has run when fam != NULL (accept passes NULL and fills it itself). */
int sock_alloc(const struct net_family *fam, int family, int type, int protocol, bool nonblock,
	       struct socket **out);
/* Frees a socket whose family never took it (create/accept failed): no ops->release. */
void sock_free_unowned(struct socket *s);
const struct net_family *sock_family(int family);

/* The socket behind fd of the current process with its file counted in *fp: -EBADF, -ENOTSOCK. */
int sock_fd(int fd, struct socket **out, struct file **fp);
/* Installs s's file as a new fd of the current process (taking the file's reference). */
int sock_install(struct socket *s, bool cloexec);
/* SIGPIPE to the calling thread for an -EPIPE that MSG_NOSIGNAL did not silence. */
void sock_sigpipe(ssize_t r, unsigned flags);
/* The send/receive step shared by every entry point: flags with MSG_DONTWAIT added for an
 * O_NONBLOCK file; SIGPIPE raised. */
ssize_t sock_sendmsg(struct socket *s, struct kmsg *m, unsigned flags);
ssize_t sock_recvmsg(struct socket *s, struct kmsg *m, unsigned flags);

/* Address copies with Linux's checks: len < 0 or > SOCKADDR_MAX is -EINVAL. */
int sock_addr_in(void *kaddr, const void __user *uaddr, int len);
/* Writes min(*ulen, klen) bytes and then klen into *ulen; -EFAULT, -EINVAL (negative *ulen). */
int sock_addr_out(const void *kaddr, size_t klen, void __user *uaddr, int __user *ulen);

#endif
