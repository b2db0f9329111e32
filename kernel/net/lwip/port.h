/*
 * net/lwip/port.h — what the files of keel's lwIP port share (stack.c, netif.c, config.c).
 */
#ifndef KEEL_NET_LWIP_PORT_H
#define KEEL_NET_LWIP_PORT_H

#include <keel/types.h>

enum net_ip_mode { NET_IP_DHCP, NET_IP_STATIC, NET_IP_OFF };

/* The `ip=` word; addresses in host order. */
struct net_ip_config {
	enum net_ip_mode mode;
	uint32_t addr, netmask, gw, dns;
};

extern struct net_ip_config net_ip_config;

/* Parses an `ip=` value into *c; 0 or -EINVAL. Pure. */
int net_parse_ip(const char *v, struct net_ip_config *c);
int net_write_resolv_conf(uint32_t dns);

/* netif.c: plugs the port into the netdev core (netdev_set_stack); then waits up to wait_ns
 * for the first DHCP lease (none: returns at once) and returns its DNS server (host order, 0:
 * none). Thread context, core lock not held. */
void net_netif_start(void);
uint32_t net_netif_wait_lease(uint64_t wait_ns);

/* The NIC behind an lwIP netif; NULL for loopback. Core lock held. */
struct netif;
struct netdev;
struct netdev *net_netif_dev(struct netif *n);

#endif
