/*
 * net/lwip/stack.c — starting lwIP and the core lock (keel/net.h).
 *
 * tcpip_init creates lwIP's one thread (tcpip_thread: timers, received frames, callbacks) and
 * the loopback netif; net_init waits for it, so every later caller finds lwIP running. The
 * core lock is lwIP's lock_tcpip_core mutex: tcpip_thread holds it while it works, keel's
 * socket layer holds it around every raw-API call.
 */
#include "port.h"
#include <keel/net.h>
#include <keel/sync.h>
#include <keel/log.h>
#include <lwip/init.h>
#include <lwip/tcpip.h>
#include <lwip/netif.h>

static struct completion started = COMPLETION_INIT(started, "lwip-started");
static bool ready;

/*
 * Loopback packets never leave memory: IP, UDP and TCP on lo neither compute nor check
 * checksums (as Linux's loopback does not), which on an emulated CPU is most of a loopback
 * stream's cost. ICMP keeps its checksums: ping's replies are checked by the program.
 */
static void lo_no_checksums(void)
{
	struct netif *lo = netif_find("lo0");

	if (lo)
		NETIF_SET_CHECKSUM_CTRL(lo, NETIF_CHECKSUM_GEN_ICMP | NETIF_CHECKSUM_CHECK_ICMP);
	else
		pr_warn("net: no lo0 netif; loopback keeps its checksums\n");
}

/* In lwIP's thread, once it runs (the loopback netif exists). */
static void tcpip_started(void *arg)
{
	lo_no_checksums();
	complete(&started);
}

/* How long boot waits for the first DHCP lease, so init's programs find an address. */
#define NET_LEASE_WAIT_NS	(5 * 1000 * 1000 * 1000ULL)

void net_init(void)
{
	uint32_t dns;
	int err;

	tcpip_init(tcpip_started, NULL);
	completion_wait(&started);
	ready = true;
	pr_info("net: lwIP %s, lo 127.0.0.1/8\n", LWIP_VERSION_STRING);
	inet_init();
	net_netif_start();
	dns = net_netif_wait_lease(NET_LEASE_WAIT_NS);
	if (dns && (err = net_write_resolv_conf(dns)) < 0)
		pr_warn("net: cannot write /etc/resolv.conf (error %d)\n", err);
}

bool net_ready(void)
{
	return ready;
}

void net_lock(void)
{
	LOCK_TCPIP_CORE();
}

void net_unlock(void)
{
	UNLOCK_TCPIP_CORE();
}
