/*
 * keel/net.h — the TCP/IP stack's boot interface (kernel/net/lwip: lwIP and keel's port).
 *
 * net_init starts lwIP's tcpip thread, brings up the loopback interface (lo, 127.0.0.1/8),
 * attaches every NIC (keel/netdev.h) and configures it from the `ip=` word. After it returns,
 * raw-API calls into lwIP are made with the core lock held: net_lock()/net_unlock() (lwIP's
 * LOCK_TCPIP_CORE); lwIP's callbacks run with it held.
 */
#ifndef KEEL_NET_H
#define KEEL_NET_H

#include <keel/types.h>

/* Thread context, once, after the file system is up (it writes /etc/resolv.conf). */
void net_init(void);
/* AF_INET (kernel/net/inet): its /proc/net files and socket family; called by net_init. */
void inet_init(void);
/* True once net_init has run. */
bool net_ready(void);
void net_lock(void);
void net_unlock(void);

/* Linux's struct ifreq (40 bytes): a name and one union member. */
#define IFNAMSIZ	16
struct ifreq {
	char ifr_name[IFNAMSIZ];
	union {
		struct {
			uint16_t family;
			uint8_t data[14];
		} addr;				/* SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFHWADDR */
		int16_t flags;			/* SIOCGIFFLAGS */
		int32_t ivalue;			/* SIOCGIFMTU, SIOCGIFINDEX */
		uint8_t pad[24];
	} u;
};

#define SIOCGIFCONF	0x8912
#define SIOCGIFFLAGS	0x8913
#define SIOCGIFADDR	0x8915
#define SIOCGIFBRDADDR	0x8919
#define SIOCGIFNETMASK	0x891b
#define SIOCGIFMTU	0x8921
#define SIOCGIFHWADDR	0x8927
#define SIOCGIFINDEX	0x8933
#define IFF_UP		0x1
#define IFF_BROADCAST	0x2
#define IFF_LOOPBACK	0x8
#define IFF_RUNNING	0x40
#define IFF_MULTICAST	0x1000
#define ARPHRD_ETHER	1
#define ARPHRD_LOOPBACK	772

/* SIOCGIF{FLAGS,ADDR,BRDADDR,NETMASK,MTU,HWADDR,INDEX} on the interface named in r (lo, eth0...):
 * 0, -ENODEV (no such interface), -EADDRNOTAVAIL (no address), -EINVAL (other command). */
long net_if_ioctl(unsigned cmd, struct ifreq *r);
/* SIOCGIFCONF: up to max entries (name + address) of the interfaces with an IPv4 address;
 * returns how many. */
unsigned net_if_list(struct ifreq *out, unsigned max);
/* The loopback interface's traffic since boot (for /proc/net/dev); false before the stack runs. */
struct netdev_stats;
bool net_lo_stats(struct netdev_stats *s);

#endif
