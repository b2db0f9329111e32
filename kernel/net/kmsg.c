/*
 * net/kmsg.c — a message's user buffers and control data, seen from the kernel (keel/socket.h).
 *
 * A struct kmsg walks a kernel copy of the user's iovec array: iov_done entries are used up and
 * iov_off bytes of the next one. kmsg_init applies Linux's checks once (lengths as ssize_t, every
 * range in the user half, the total clamped to MAX_RW_COUNT), so the copies here only meet the
 * faults of unmapped pages. Control messages use Linux's x86-64 layout (struct kcmsghdr, 8-byte
 * alignment): the send side walks the kernel copy the generic layer made, the receive side
 * appends into a kernel buffer the generic layer copies out.
 *
 * Pure: only copy_{from,to}_user and memcpy, so tests/unit/test_kmsg.c runs it on the host.
 */
#include <keel/socket.h>
#include <keel/errno.h>
#include <keel/string.h>

int kmsg_init(struct kmsg *m, struct kiov *iov, unsigned n)
{
	size_t total = 0;

	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < n; i++) {
		if ((ssize_t)iov[i].len < 0)
			return -EINVAL;
		if (!user_range_ok(iov[i].base, iov[i].len))
			return -EFAULT;
		if (iov[i].len > MAX_RW_COUNT - total)
			iov[i].len = MAX_RW_COUNT - total;
		total += iov[i].len;
	}
	m->iov = iov;
	m->iovlen = n;
	return 0;
}

size_t kmsg_left(const struct kmsg *m)
{
	size_t left = 0;

	for (unsigned i = m->iov_done; i < m->iovlen; i++)
		left += m->iov[i].len - (i == m->iov_done ? m->iov_off : 0);
	return left;
}

/* Moves up to n bytes between buf and the user buffers; to_user picks the direction. The
 * message advances past what was copied; a fault stops it at the start of that piece. */
static ssize_t kmsg_copy(struct kmsg *m, char *buf, size_t n, bool to_user)
{
	size_t done = 0;

	while (done < n && m->iov_done < m->iovlen) {
		struct kiov *v = &m->iov[m->iov_done];
		size_t chunk = MIN(n - done, v->len - m->iov_off);
		char __user *u = (char __user *)v->base + m->iov_off;

		if (chunk) {
			int r = to_user ? copy_to_user(u, buf + done, chunk) :
					  copy_from_user(buf + done, u, chunk);

			if (r)
				return -EFAULT;
		}
		done += chunk;
		m->iov_off += chunk;
		if (m->iov_off == v->len) {
			m->iov_done++;
			m->iov_off = 0;
		}
	}
	return (ssize_t)done;
}

ssize_t kmsg_copy_from(struct kmsg *m, void *dst, size_t n)
{
	return kmsg_copy(m, dst, n, false);
}

ssize_t kmsg_copy_to(struct kmsg *m, const void *src, size_t n)
{
	return kmsg_copy(m, (char *)src, n, true);
}

/* ---- control messages ---- */

struct kcmsghdr *kmsg_cmsg_next(struct kmsg *m, struct kcmsghdr *prev, int *err)
{
	char *base = m->control;
	size_t off = prev ? (size_t)((char *)prev - base) + KCMSG_ALIGN(prev->len) : 0;
	struct kcmsghdr *c;

	*err = 0;
	if (!base || off >= m->controllen || m->controllen - off < sizeof(*c))
		return NULL;
	c = (struct kcmsghdr *)(base + off);
	if (c->len < sizeof(*c) || c->len > m->controllen - off) {
		*err = -EINVAL;
		return NULL;
	}
	return c;
}

size_t kmsg_cmsg_room(const struct kmsg *m)
{
	size_t room = m->controllen - m->control_used;

	return room > sizeof(struct kcmsghdr) ? room - sizeof(struct kcmsghdr) : 0;
}

void kmsg_put_cmsg(struct kmsg *m, int level, int type, const void *data, size_t len)
{
	size_t room = m->controllen - m->control_used;
	size_t cmlen = KCMSG_LEN(len);
	struct kcmsghdr h = { .level = level, .type = type };
	char *at = (char *)m->control + m->control_used;

	if (!m->control || room < sizeof(h)) {
		m->flags |= MSG_CTRUNC;
		return;
	}
	if (room < cmlen) {
		m->flags |= MSG_CTRUNC;
		cmlen = room;
	}
	h.len = cmlen;
	memcpy(at, &h, sizeof(h));
	memcpy(at + sizeof(h), data, cmlen - sizeof(h));
	m->control_used += MIN(KCMSG_SPACE(len), room);
}

int sockopt_put(void *val, size_t *len, const void *src, size_t n)
{
	if (*len > n)
		*len = n;
	memcpy(val, src, *len);
	return 0;
}
