/*
 * lwipopts.h — how keel builds lwIP 2.1.3 (the defaults are in lwIP's src/include/lwip/opt.h).
 *
 * The shape: lwIP's core runs in its tcpip thread; keel's socket layer (net/inet) calls the raw
 * TCP/UDP/RAW API directly under the core lock (LWIP_TCPIP_CORE_LOCKING), and lwIP's callbacks
 * run under that same lock. No netconn or BSD socket API of lwIP's is compiled.
 *
 * Memory is lwIP's own, static: a heap (MEM_SIZE) for PBUF_RAM (what tcp_write copies into
 * and what loopback carries), a pool of full-frame pbufs for received frames, and fixed pools
 * of PCBs and segments. Sized for throughput on a 1500-byte MTU: a 256 KiB receive window with
 * window scaling, a 128 KiB send buffer per connection, selective acknowledgments out.
 */
#ifndef KEEL_LWIPOPTS_H
#define KEEL_LWIPOPTS_H

/* ---- the OS: keel threads, core locking, lightweight protection ---- */
#define NO_SYS				0
#define SYS_LIGHTWEIGHT_PROT		1
#define LWIP_TCPIP_CORE_LOCKING		1
#define LWIP_TCPIP_CORE_LOCKING_INPUT	0
#define LWIP_NETCONN			0
#define LWIP_SOCKET			0
#define LWIP_COMPAT_MUTEX		0
#define TCPIP_THREAD_NAME		"lwip"
#define TCPIP_THREAD_STACKSIZE		0	/* keel's kernel stacks have one size */
#define TCPIP_THREAD_PRIO		0
#define TCPIP_MBOX_SIZE			1024
#define LWIP_TIMERS			1

/* ---- memory ---- */
#define MEM_ALIGNMENT			8
#define MEM_SIZE			(4 * 1024 * 1024)
#define MEMP_NUM_PBUF			256
#define MEMP_NUM_RAW_PCB		32
#define MEMP_NUM_UDP_PCB		128
#define MEMP_NUM_TCP_PCB		256
#define MEMP_NUM_TCP_PCB_LISTEN		64
#define MEMP_NUM_TCP_SEG		2048
#define MEMP_NUM_REASSDATA		16
#define IP_REASS_MAX_PBUFS		64
#define MEMP_NUM_FRAG_PBUF		64
#define MEMP_NUM_ARP_QUEUE		64
#define MEMP_NUM_SYS_TIMEOUT		(LWIP_NUM_SYS_TIMEOUT_INTERNAL + 16)
#define MEMP_NUM_TCPIP_MSG_API		256
#define MEMP_NUM_TCPIP_MSG_INPKT	1024
#define PBUF_POOL_SIZE			1024
#define PBUF_POOL_BUFSIZE		1536

/* ---- protocols ---- */
#define LWIP_IPV4			1
#define LWIP_IPV6			0
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define ARP_TABLE_SIZE			32
#define ARP_QUEUEING			1
#define IP_FORWARD			0
#define IP_REASSEMBLY			1
#define IP_FRAG				1
#define IP_DEFAULT_TTL			64
#define LWIP_ICMP			1
#define LWIP_BROADCAST_PING		1
#define LWIP_RAW			1
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_DHCP			1
#define DHCP_DOES_ARP_CHECK		0
#define LWIP_AUTOIP			0
#define LWIP_IGMP			0
#define LWIP_DNS			1	/* only to hold the DHCP server's DNS address */
#define DNS_MAX_SERVERS			2
#define LWIP_NETIF_HOSTNAME		1
#define LWIP_NETIF_STATUS_CALLBACK	1
#define LWIP_NETIF_LINK_CALLBACK	1
#define LWIP_NETIF_LOOPBACK		1
#define LWIP_HAVE_LOOPIF		1
#define LWIP_LOOPBACK_MAX_PBUFS		0
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 1
#define SO_REUSE			1
#define LWIP_SO_RCVBUF			0

/* ---- TCP: sized for throughput ---- */
/* TCP_MSS is the most any connection may use; lwIP lowers it to the route's MTU - 40 (1460 on
 * Ethernet: LWIP_CALCULATE_EFF_SEND_MSS, in what we send and what our SYN advertises). lo has
 * no MTU, so loopback connections use all of it: 5.6x fewer segments, each a hop through
 * lwIP's thread, than 1460 would give. (8 KiB frames; lwIP's checks keep TCP_SNDLOWAT +
 * 4 * TCP_MSS below 64 KiB.) */
#define TCP_MSS				(8192 - 40)
#define ETH_TCP_MSS			1460	/* sizes the segment queue for Ethernet's MSS */
#define LWIP_WND_SCALE			1
#define TCP_RCV_SCALE			3
#define TCP_WND				(256 * 1024)
#define TCP_SND_BUF			(128 * 1024)
#define TCP_SND_QUEUELEN		(4 * TCP_SND_BUF / ETH_TCP_MSS)
#define TCP_SNDLOWAT			(TCP_SND_BUF / 4)
#define TCP_OVERSIZE			ETH_TCP_MSS
#define TCP_QUEUE_OOSEQ			1
#define TCP_OOSEQ_MAX_PBUFS		256
#define LWIP_TCP_SACK_OUT		1
#define LWIP_TCP_MAX_SACK_NUM		4
#define TCP_LISTEN_BACKLOG		1
#define TCP_DEFAULT_LISTEN_BACKLOG	128
/* keel's input hook: a listener full of half-open connections drops the oldest (synflood.c) */
#define LWIP_HOOK_FILENAME		"lwiphooks.h"
#define LWIP_TCP_KEEPALIVE		1
#define LWIP_TCP_TIMESTAMPS		0
#define TCP_MAXRTX			12
#define TCP_SYNMAXRTX			6
#define LWIP_CALLBACK_API		1
#define LWIP_EVENT_API			0

/* ---- checks and statistics ---- */
/* Only the per-netif octet/packet counters (MIB2): /proc/net/dev's line for lo; NICs count
 * their own. The global protocol counters stay off. */
#define LWIP_STATS			1
#define MIB2_STATS			1
#define LINK_STATS			0
#define ETHARP_STATS			0
#define IP_STATS			0
#define IPFRAG_STATS			0
#define ICMP_STATS			0
#define IGMP_STATS			0
#define UDP_STATS			0
#define TCP_STATS			0
#define MEM_STATS			0
#define MEMP_STATS			0
#define SYS_STATS			0
#define LWIP_STATS_DISPLAY		0
#define LWIP_CHECKSUM_ON_COPY		1
#define LWIP_CHECKSUM_CTRL_PER_NETIF	1	/* lo skips them (stack.c) */

#endif
