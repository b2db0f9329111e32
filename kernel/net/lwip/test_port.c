/*
 * net/lwip/test_port.c — ktests of keel's lwIP port: the `ip=` word and what DHCP configured.
 */
#include "port.h"
#include <keel/ktest.h>
#include <keel/errno.h>
#include <keel/net.h>
#include <keel/netdev.h>
#include <keel/socket.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/vfs.h>
#include <lwip/netif.h>

KTEST(net_ip_word_parses_good_and_refuses_bad)
{
	static const char *const bad[] = {
		"", "dhcpx", "10.0.2.15", "10.0.2.15/", "10.0.2.15/33", "10.0.2/24", "256.0.0.1/8",
		"10.0.2.15/24,", "10.0.2.15/24,10.0.2.2,10.0.2.3,1.1.1.1", "1.2.3.4.5/8",
		"10.0.2.15/24,10.0.2.x", "1000.0.0.1/8", "10..2.15/24", "10.0.2.15/2a",
	};
	struct net_ip_config c;

	KT_EQ(net_parse_ip("dhcp", &c), 0);
	KT_EQ(c.mode, NET_IP_DHCP);
	KT_EQ(net_parse_ip("off", &c), 0);
	KT_EQ(c.mode, NET_IP_OFF);
	KT_EQ(net_parse_ip("10.0.2.15/24,10.0.2.2,10.0.2.3", &c), 0);
	KT_EQ(c.mode, NET_IP_STATIC);
	KT_EQ(c.addr, 0x0a00020f);
	KT_EQ(c.netmask, 0xffffff00);
	KT_EQ(c.gw, 0x0a000202);
	KT_EQ(c.dns, 0x0a000203);
	KT_EQ(net_parse_ip("192.168.1.9/0", &c), 0);
	KT_EQ(c.netmask, 0);
	KT_EQ(c.gw, 0);
	KT_EQ(net_parse_ip(NULL, &c), -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		KT_ASSERT(net_parse_ip(bad[i], &c) == -EINVAL, "ip=%s was accepted", bad[i]);
}

/* With a NIC under QEMU's user networking (tests/run_tests.py boots one with --net user):
 * eth0 has slirp's lease and /etc/resolv.conf names slirp's DNS. Without a NIC there is
 * nothing to check (and the run says so). */
KTEST(net_dhcp_lease_configures_eth0_and_resolv_conf)
{
	struct netif *nif;
	char buf[64] = { 0 };
	struct file *f;
	uint32_t addr = 0, gw = 0;

	if (!netdev_first())
		KT_SKIP("no NIC in this run");
	for (int i = 0; i < 100 && !addr; i++) {	/* boot waited; allow 5 s more */
		if (i)
			sched_sleep_ns(50 * 1000 * 1000);
		net_lock();
		nif = netif_default;
		if (nif) {
			addr = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif)));
			gw = lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(nif)));
		}
		net_unlock();
	}
	KT_ASSERT(nif, "a NIC but no default interface");
	KT_EQ(addr, 0x0a00020f);
	KT_EQ(gw, 0x0a000202);
	KT_EQ(vfs_open(NULL, "/etc/resolv.conf", O_RDONLY, 0, &f), 0);
	KT_ASSERT(file_read(f, buf, sizeof(buf) - 1) > 0, "empty /etc/resolv.conf");
	file_put(f);
	KT_STREQ(buf, "nameserver 10.0.2.3\n");
}

KTEST(net_if_ioctls_describe_lo_and_refuse_unknown_names)
{
	struct ifreq r = { .ifr_name = "lo" }, list[8];
	uint8_t lo_addr[4] = { 127, 0, 0, 1 };
	unsigned n;
	bool lo_listed = false;

	KT_EQ(net_if_ioctl(SIOCGIFFLAGS, &r), 0);
	KT_EQ(r.u.flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING), IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
	KT_EQ(net_if_ioctl(SIOCGIFADDR, &r), 0);
	KT_EQ(r.u.addr.family, AF_INET);
	KT_ASSERT(!memcmp(r.u.addr.data + 2, lo_addr, 4), "lo is not 127.0.0.1");
	KT_EQ(net_if_ioctl(SIOCGIFNETMASK, &r), 0);
	KT_EQ(r.u.addr.data[2], 255);
	KT_EQ(r.u.addr.data[3], 0);
	KT_EQ(net_if_ioctl(SIOCGIFHWADDR, &r), 0);
	KT_EQ(r.u.addr.family, ARPHRD_LOOPBACK);
	strlcpy(r.ifr_name, "nosuch0", IFNAMSIZ);
	KT_EQ(net_if_ioctl(SIOCGIFFLAGS, &r), -ENODEV);
	memset(r.ifr_name, 'x', IFNAMSIZ);	/* no NUL: refused, not overrun */
	KT_EQ(net_if_ioctl(SIOCGIFADDR, &r), -ENODEV);
	n = net_if_list(list, ARRAY_SIZE(list));
	for (unsigned i = 0; i < n; i++)
		lo_listed |= !strcmp(list[i].ifr_name, "lo");
	KT_ASSERT(lo_listed, "SIOCGIFCONF does not list lo (%u entries)", n);
	if (netdev_first()) {
		strlcpy(r.ifr_name, "eth0", IFNAMSIZ);
		KT_EQ(net_if_ioctl(SIOCGIFHWADDR, &r), 0);
		KT_EQ(r.u.addr.family, ARPHRD_ETHER);
		KT_ASSERT(!memcmp(r.u.addr.data, netdev_first()->mac, ETH_ALEN), "eth0's MAC differs");
		if (net_ip_config.mode == NET_IP_DHCP) {	/* slirp: 10.0.2.15/24 */
			KT_EQ(net_if_ioctl(SIOCGIFBRDADDR, &r), 0);
			KT_EQ(r.u.addr.data[5], 255);
			KT_EQ(r.u.addr.data[4], 2);
		}
	}
}
