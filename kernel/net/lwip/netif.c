/*
 * net/lwip/netif.c — one lwIP netif per NIC (keel/netdev.h), the stack side of the netdev core.
 *
 * attach() adds a netif for a device (name eth0... as the core chose it; lwIP's own two-letter
 * name is "et" plus its number) with lwIP's Ethernet and ARP code over the driver's xmit, and
 * configures it from `ip=`. input() runs in the netdev core's rx thread: the frame is copied
 * into a pool pbuf and queued for tcpip_thread (tcpip_input); a full queue or an empty pool
 * drops it and counts it. Transmission (link_output) is called by lwIP with the core lock held,
 * so the per-netif flattening buffer for chained pbufs needs no other lock.
 */
#include "port.h"
#include <keel/netdev.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/net.h>
#include <lwip/netif.h>
#include <lwip/etharp.h>
#include <lwip/dhcp.h>
#include <lwip/dns.h>
#include <lwip/tcpip.h>
#include <netif/ethernet.h>

struct port_netif {
	struct netif netif;
	struct netdev *nd;
	uint8_t txbuf[1536];		/* a chained pbuf flattened for xmit (core lock) */
};

static struct completion first_lease = COMPLETION_INIT(first_lease, "net-lease");
static bool have_lease;

static err_t link_output(struct netif *netif, struct pbuf *p)
{
	struct port_netif *pn = netif->state;
	const void *frame = p->payload;

	if (p->tot_len > sizeof(pn->txbuf))
		return ERR_BUF;
	if (p->next) {
		pbuf_copy_partial(p, pn->txbuf, p->tot_len, 0);
		frame = pn->txbuf;
	}
	if (pn->nd->ops->xmit(pn->nd, frame, p->tot_len) < 0) {
		__atomic_fetch_add(&pn->nd->stats.tx_dropped, 1, __ATOMIC_RELAXED);
		return ERR_IF;
	}
	return ERR_OK;
}

/* Every netif but loopback is a port_netif (port_attach makes them all). */
struct netdev *net_netif_dev(struct netif *n)
{
	return n->linkoutput == link_output ? ((struct port_netif *)n->state)->nd : NULL;
}

static err_t port_netif_init(struct netif *netif)
{
	struct port_netif *pn = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = 't';
	netif->hostname = "keel";
	netif->mtu = (u16_t)pn->nd->mtu;
	netif->hwaddr_len = ETH_ALEN;
	memcpy(netif->hwaddr, pn->nd->mac, ETH_ALEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = link_output;
	return ERR_OK;
}

static unsigned prefix_len(uint32_t mask)
{
	unsigned n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

static void log_addr(struct netif *netif, const char *how)
{
	char gw[IP4ADDR_STRLEN_MAX];

	struct port_netif *pn = netif->state;
	const uint8_t *m = pn->nd->mac;

	ip4addr_ntoa_r(netif_ip4_gw(netif), gw, sizeof(gw));
	pr_info("net: %s %s %02x:%02x:%02x:%02x:%02x:%02x addr %s/%u gw %s (%s)\n", pn->nd->name,
		pn->nd->driver, m[0], m[1], m[2], m[3], m[4], m[5],
		ip4addr_ntoa(netif_ip4_addr(netif)),
		prefix_len(ip4_addr_get_u32(netif_ip4_netmask(netif))), gw, how);
}

/* lwIP calls it (core lock held) when the address changes: DHCP's lease, or a static set.
 * Boot waits for the default interface's (eth0's) first lease. */
static void status_cb(struct netif *netif)
{
	if (ip4_addr_isany_val(*netif_ip4_addr(netif)))
		return;
	log_addr(netif, dhcp_supplied_address(netif) ? "dhcp" : "static");
	if (dhcp_supplied_address(netif) && netif == netif_default && !have_lease) {
		have_lease = true;
		complete_all(&first_lease);
	}
}

static void configure(struct netif *netif, bool first)
{
	struct net_ip_config *c = &net_ip_config;
	ip4_addr_t a, m, g;

	if (c->mode == NET_IP_OFF || (c->mode == NET_IP_STATIC && !first))
		return;
	if (c->mode == NET_IP_DHCP) {
		dhcp_start(netif);
		return;
	}
	ip4_addr_set_u32(&a, lwip_htonl(c->addr));
	ip4_addr_set_u32(&m, lwip_htonl(c->netmask));
	ip4_addr_set_u32(&g, lwip_htonl(c->gw));
	netif_set_addr(netif, &a, &m, &g);
	if (c->dns) {
		ip_addr_t d = IPADDR4_INIT(lwip_htonl(c->dns));

		dns_setserver(0, &d);
	}
}

static void port_attach(struct netdev *nd)
{
	struct port_netif *pn = kzalloc(sizeof(*pn));
	bool first;

	if (!pn) {
		pr_err("net: %s: no memory for its interface\n", nd->name);
		return;
	}
	pn->nd = nd;
	net_lock();
	if (!netif_add(&pn->netif, NULL, NULL, NULL, pn, port_netif_init, tcpip_input)) {
		net_unlock();
		kfree(pn);
		pr_err("net: %s: lwIP refused the interface\n", nd->name);
		return;
	}
	nd->stack = pn;
	first = !netif_default;
	if (first)
		netif_set_default(&pn->netif);
	netif_set_status_callback(&pn->netif, status_cb);
	netif_set_up(&pn->netif);
	if (nd->link_up)
		netif_set_link_up(&pn->netif);
	configure(&pn->netif, first);
	net_unlock();
	pr_info("net: %s %s %02x:%02x:%02x:%02x:%02x:%02x link %s, %s\n", nd->name, nd->driver,
		nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5],
		nd->link_up ? "up" : "down",
		net_ip_config.mode == NET_IP_DHCP ? "dhcp" :
		net_ip_config.mode == NET_IP_OFF || !first ? "no address (ip=)" : "static");
}

static void port_input(struct netdev *nd, const void *frame, size_t len)
{
	struct port_netif *pn = nd->stack;
	struct pbuf *p;

	if (!pn || len > 0xffff || !(p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL))) {
		__atomic_fetch_add(&nd->stats.rx_dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	if (pn->netif.input(p, &pn->netif) != ERR_OK) {
		pbuf_free(p);
		__atomic_fetch_add(&nd->stats.rx_dropped, 1, __ATOMIC_RELAXED);
	}
}

static void port_link(struct netdev *nd, bool up)
{
	struct port_netif *pn = nd->stack;

	if (!pn)
		return;
	net_lock();
	if (up)
		netif_set_link_up(&pn->netif);
	else
		netif_set_link_down(&pn->netif);
	net_unlock();
}

static const struct netdev_stack_ops port_ops = {
	.attach = port_attach,
	.input = port_input,
	.link = port_link,
};

void net_netif_start(void)
{
	netdev_set_stack(&port_ops);
}

uint32_t net_netif_wait_lease(uint64_t wait_ns)
{
	const ip_addr_t *d;
	uint32_t dns = 0;

	if (net_ip_config.mode != NET_IP_DHCP || !netdev_first())
		return 0;
	if (!completion_wait_timeout(&first_lease, wait_ns)) {
		pr_warn("net: no DHCP lease yet; it may come later\n");
		return 0;
	}
	net_lock();
	d = dns_getserver(0);
	if (d && !ip_addr_isany(d))
		dns = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(d)));
	net_unlock();
	return dns;
}
