/*
 * keel/netdev.h — the boundary between NIC drivers (kernel/drivers/net) and the network stack
 * (kernel/net, lwIP).
 *
 * A driver fills a struct netdev it owns (name is chosen by the stack at registration: eth0,
 * eth1... in registration order), then calls netdev_register(). From then on:
 *   - the stack calls ops->xmit() to send one Ethernet frame (no FCS); xmit copies the frame or
 *     keeps it only until it returns, never sleeps, may be called on any CPU concurrently with
 *     the driver's interrupt handler (the driver serializes with its own lock), and returns 0,
 *     or -EAGAIN when the ring is full (the stack counts a drop; lwIP retransmits TCP);
 *   - the driver calls netdev_rx() for every received frame, from its interrupt handler or a
 *     thread; netdev_rx copies the frame and queues it for the stack's thread, so the driver may
 *     reuse its buffer on return; it never sleeps; frames shorter than 14 bytes or longer than
 *     mtu + 18 are dropped and counted;
 *   - the driver calls netdev_link_changed() when the link goes up or down.
 * Counters are updated by whoever sees the event (atomics; read for /proc/net/dev).
 *
 * The core (kernel/net/netdev.c) owns the device list, naming, the rx queue and the thread that
 * drains it, and /proc/net/dev. The stack (lwIP's netif glue) plugs in once with
 * netdev_set_stack(): attach() for every device (also those registered before), input() for
 * every received frame in the rx thread (thread context; the frame is the core's buffer, valid
 * until input returns), link() on link changes. Before a stack is set, frames are counted and
 * dropped.
 */
#ifndef KEEL_NETDEV_H
#define KEEL_NETDEV_H

#include <keel/types.h>

#define NETDEV_NAME_MAX	16
#define ETH_ALEN	6
#define ETH_HLEN	14

struct netdev;

struct netdev_ops {
	int (*xmit)(struct netdev *nd, const void *frame, size_t len);
};

struct netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

struct netdev {
	char name[NETDEV_NAME_MAX];	/* set by netdev_register */
	const char *driver;		/* "virtio-net", "rtl8139", "e1000" */
	uint8_t mac[ETH_ALEN];
	unsigned mtu;			/* payload bytes, 1500 by default */
	bool link_up;
	const struct netdev_ops *ops;
	void *priv;			/* the driver's */
	void *stack;			/* the stack's (its netif); drivers never touch it */
	struct netdev_stats stats;
	struct netdev *next;		/* the stack's list of devices */
	/* the core's (kernel/net/netdev.c): */
	bool link_event;		/* a link change the rx thread has not reported yet */
};

/* Called by a driver once the device can send and receive; 0 or -errno. Thread context. */
int netdev_register(struct netdev *nd);
/* A received frame; any context, never sleeps. */
void netdev_rx(struct netdev *nd, const void *frame, size_t len);
/* Link state changed; any context. */
void netdev_link_changed(struct netdev *nd, bool up);

struct netdev_stack_ops {
	void (*attach)(struct netdev *nd);
	void (*input)(struct netdev *nd, const void *frame, size_t len);
	void (*link)(struct netdev *nd, bool up);
};
void netdev_set_stack(const struct netdev_stack_ops *ops);
/* Replaces the input/link ops (NULL: none) without attach calls and returns the previous
 * ones; for tests that talk to a NIC with hand-built frames, then put the stack back. */
const struct netdev_stack_ops *netdev_swap_stack(const struct netdev_stack_ops *ops);

/* The rx queue and its thread, /proc/net/dev (once, thread context, before any driver). */
void netdev_init(void);
/* Registers the NIC drivers (kernel/drivers/net) with PCI; they claim their devices. */
void net_drivers_init(void);
/* Frames the core queued for the stack and dropped for a full queue, over all devices. */
uint64_t netdev_rx_queued(void);
/* The registered devices, in registration order (the list is append-only). */
struct netdev *netdev_first(void);
struct netdev *netdev_by_name(const char *name);

#endif
