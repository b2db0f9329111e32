/*
 * net/unix/unix_name.c — AF_UNIX names: bind, autobind, the lookup behind connect and sendto,
 * and getsockname/getpeername.
 *
 * A name is a path (bind makes a socket inode in the VFS; connect finds the bound socket by
 * that inode, so a renamed node still leads to it) or abstract (sun_path[0] == 0: the bytes
 * themselves, in no file system); a bind with only the family picks an abstract "\0XXXXX".
 * Every bound socket is on unix_bound (unix_mtx), which holds the inode of a path name.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/string.h>

static struct list_node unix_bound = LIST_HEAD_INIT(unix_bound);
static uint32_t unix_autobind_next;

/* A sockaddr_un into a (Linux's unix_validate_addr and unix_mkname_bsd). */
static int unix_mkname(const void *addr, size_t len, struct unix_addr *a)
{
	const uint16_t *family = addr;

	if (len <= 2 || len > UNIX_ADDR_MAX || *family != AF_UNIX)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	memcpy(a->name, addr, len);
	if (a->name[2])				/* a path: up to its NUL, plus the NUL */
		len = 2 + strlen(a->name + 2) + 1;
	a->len = len;
	return 0;
}

/* The socket bound to a path's inode, or to abstract name a for sockets of type (Linux keeps
 * one abstract namespace per socket type: the same name may be bound once per type). */
static struct unix_sock *unix_lookup_locked(const struct unix_addr *a, struct inode *ino,
					    int type)
{
	list_for_each_entry(u, &unix_bound, struct unix_sock, bound_node) {
		if (ino ? u->addr->ino == ino :
			  !u->addr->ino && u->type == type && u->addr->len == a->len &&
			  !memcmp(u->addr->name, a->name, a->len))
			return u;
	}
	return NULL;
}

int unix_find(const void *addr, size_t len, int type, struct unix_sock **out)
{
	struct unix_addr a;
	struct inode *ino = NULL;
	struct unix_sock *u;
	int r;

	assert(mutex_held(&unix_mtx));
	if ((r = unix_mkname(addr, len, &a)) != 0)
		return r;
	if (a.name[2]) {
		if ((r = vfs_lookup(NULL, a.name + 2, LOOKUP_FOLLOW, &ino)) != 0)
			return r;
		if ((ino->mode & S_IFMT) != S_IFSOCK) {
			inode_put(ino);
			return -ECONNREFUSED;
		}
	}
	u = unix_lookup_locked(&a, ino, type);
	if (ino)
		inode_put(ino);
	if (!u || u->dead)
		return -ECONNREFUSED;
	if (u->type != type)
		return -EPROTOTYPE;
	unix_get(u);
	*out = u;
	return 0;
}

/* Binds u to a (kmalloc'd, taken): makes the socket inode for a path. unix_mtx held. */
static int unix_bind_addr(struct unix_sock *u, struct unix_addr *a)
{
	uint32_t mode = S_IFSOCK | (0777 & ~vfs_umask());
	int r;

	if (a->name[2]) {
		/* Linux makes the node first: an existing path is -EADDRINUSE even when u is
		 * already bound; a new one is removed again for the -EINVAL. */
		r = vfs_mknod(NULL, a->name + 2, mode, 0, NULL, NULL);
		if (!r && u->addr) {
			vfs_unlink(NULL, a->name + 2);
			r = -EINVAL;
		}
		if (!r)
			r = vfs_lookup(NULL, a->name + 2, 0, &a->ino);
		if (r) {
			kfree(a);
			return r == -EEXIST ? -EADDRINUSE : r;
		}
	} else if (unix_lookup_locked(a, NULL, u->type)) {
		kfree(a);
		return -EADDRINUSE;
	}
	u->addr = a;
	list_append(&unix_bound, &u->bound_node);
	return 0;
}

/* An unused abstract name "\0XXXXX" (Linux's autobind). unix_mtx held. */
static int unix_autobind(struct unix_sock *u)
{
	struct unix_addr *a = kzalloc(sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->name[0] = AF_UNIX;
	a->len = 2 + 1 + 5;
	for (unsigned tries = 0; tries <= 0xfffff; tries++) {
		static const char hex[] = "0123456789abcdef";
		uint32_t n = unix_autobind_next++ & 0xfffff;

		for (int i = 0; i < 5; i++)
			a->name[3 + i] = hex[(n >> (16 - 4 * i)) & 0xf];
		if (!unix_lookup_locked(a, NULL, u->type))
			return unix_bind_addr(u, a);
	}
	kfree(a);
	return -ENOSPC;
}

int unix_bind(struct socket *s, const void *addr, size_t len)
{
	struct unix_sock *u = s->priv;
	struct unix_addr *a;
	int r;

	if (len < 2 || *(const uint16_t *)addr != AF_UNIX)
		return -EINVAL;
	mutex_lock(&unix_mtx);
	if (len == 2) {
		r = u->addr ? 0 : unix_autobind(u);	/* Linux: a bound socket keeps its name */
	} else if (!(a = kmalloc(sizeof(*a)))) {
		r = -ENOMEM;
	} else if ((r = unix_mkname(addr, len, a)) != 0 || (u->addr && !a->name[2])) {
		kfree(a);
		r = r ? r : -EINVAL;
	} else {
		r = unix_bind_addr(u, a);
	}
	mutex_unlock(&unix_mtx);
	return r;
}

/* The name of u (or an unbound AF_UNIX) into addr. unix_mtx held. */
static void unix_name_of(const struct unix_sock *u, void *addr, size_t *len)
{
	uint16_t family = AF_UNIX;

	if (u && u->addr) {
		memcpy(addr, u->addr->name, u->addr->len);
		*len = u->addr->len;
	} else {
		memcpy(addr, &family, 2);
		*len = 2;
	}
}

int unix_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
	struct unix_sock *u = s->priv;
	int r = 0;

	mutex_lock(&unix_mtx);
	if (!peer)
		unix_name_of(u, addr, len);
	else if (!u->peer || (u->type != SOCK_DGRAM && u->state != UNIX_CONNECTED))
		r = -ENOTCONN;
	else
		unix_name_of(u->peer, addr, len);
	mutex_unlock(&unix_mtx);
	return r;
}
