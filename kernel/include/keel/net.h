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

#endif
