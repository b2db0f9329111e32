/*
 * net/lwip/ifreq.c — the interface ioctls (SIOCGIF*) over lwIP's netif list: what busybox
 * ifconfig and musl's if_nameindex ask. Names are keel's (lo, eth0...), not lwIP's two-letter
 * ones. Read under the core lock.
 */
#include "port.h"
#include <keel/net.h>
#include <keel/netdev.h>
#include <keel/errno.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <lwip/netif.h>

static const char *if_name(struct netif *n)
{
	const struct netdev *nd = net_netif_dev(n);

	return nd ? nd->name : "lo";
}

static struct netif *if_find(const char *name)
{
	struct netif *n;

	NETIF_FOREACH(n)
		if (!strncmp(if_name(n), name, IFNAMSIZ))
			return n;
	return NULL;
}

static void put_in(struct ifreq *r, const ip4_addr_t *a)
{
	uint32_t v = ip4_addr_get_u32(a);

	memset(&r->u, 0, sizeof(r->u));
	r->u.addr.family = AF_INET;
	memcpy(r->u.addr.data + 2, &v, 4);	/* sockaddr_in: port, then the address */
}

static short if_flags(struct netif *n)
{
	short f = 0;

	if (netif_is_up(n))
		f |= IFF_UP;
	if (netif_is_up(n) && netif_is_link_up(n))
		f |= IFF_RUNNING;
	if (n->flags & NETIF_FLAG_BROADCAST)
		f |= IFF_BROADCAST | IFF_MULTICAST;
	if (!net_netif_dev(n))
		f |= IFF_LOOPBACK;
	return f;
}

static long if_query(unsigned cmd, struct netif *n, struct ifreq *r)
{
	switch (cmd) {
	case SIOCGIFFLAGS:
		r->u.flags = if_flags(n);
		return 0;
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
		if (ip4_addr_isany_val(*netif_ip4_addr(n)))
			return -EADDRNOTAVAIL;
		put_in(r, cmd == SIOCGIFADDR ? netif_ip4_addr(n) : netif_ip4_netmask(n));
		return 0;
	case SIOCGIFBRDADDR: {
		ip4_addr_t b;

		if (ip4_addr_isany_val(*netif_ip4_addr(n)) || !(n->flags & NETIF_FLAG_BROADCAST))
			return -EADDRNOTAVAIL;
		ip4_addr_set_u32(&b, ip4_addr_get_u32(netif_ip4_addr(n)) |
				     ~ip4_addr_get_u32(netif_ip4_netmask(n)));
		put_in(r, &b);
		return 0;
	}
	case SIOCGIFMTU:
		r->u.ivalue = n->mtu ? n->mtu : 65536;
		return 0;
	case SIOCGIFINDEX:
		r->u.ivalue = netif_get_index(n);
		return 0;
	case SIOCGIFHWADDR:
		memset(&r->u, 0, sizeof(r->u));
		r->u.addr.family = net_netif_dev(n) ? ARPHRD_ETHER : ARPHRD_LOOPBACK;
		memcpy(r->u.addr.data, n->hwaddr, MIN((size_t)n->hwaddr_len, sizeof(r->u.addr.data)));
		return 0;
	}
	return -EINVAL;
}

long net_if_ioctl(unsigned cmd, struct ifreq *r)
{
	struct netif *n;
	long err;

	r->ifr_name[IFNAMSIZ - 1] = 0;
	net_lock();
	n = if_find(r->ifr_name);
	err = n ? if_query(cmd, n, r) : -ENODEV;
	net_unlock();
	return err;
}

bool net_lo_stats(struct netdev_stats *s)
{
	struct netif *n;
	bool found = false;

	net_lock();
	NETIF_FOREACH(n)
		if (!net_netif_dev(n)) {
			*s = (struct netdev_stats){
				.rx_packets = n->mib2_counters.ifinucastpkts,
				.rx_bytes = n->mib2_counters.ifinoctets,
				.tx_packets = n->mib2_counters.ifoutucastpkts,
				.tx_bytes = n->mib2_counters.ifoutoctets,
			};
			found = true;
			break;
		}
	net_unlock();
	return found;
}

unsigned net_if_list(struct ifreq *out, unsigned max)
{
	struct netif *n;
	unsigned k = 0;

	net_lock();
	NETIF_FOREACH(n) {
		if (k == max)
			break;
		if (ip4_addr_isany_val(*netif_ip4_addr(n)))
			continue;
		memset(&out[k], 0, sizeof(out[k]));
		strlcpy(out[k].ifr_name, if_name(n), IFNAMSIZ);
		put_in(&out[k], netif_ip4_addr(n));
		k++;
	}
	net_unlock();
	return k;
}
