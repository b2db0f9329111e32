/*
 * net/netdev.c — the network device core (keel/netdev.h): the device list and its names, the
 * receive queue between drivers and the stack, the rx thread, /proc/net/dev.
 *
 * Receive: netdev_rx copies a frame into the next free slot of one bounded ring shared by all
 * devices (NETDEV_RXQ_SLOTS slots of NETDEV_SLOT_BYTES) and wakes the rx thread; when the ring
 * is full the frame is dropped and counted (rx_dropped), so a flood never grows memory and
 * never blocks a driver's interrupt handler. The rx thread hands each frame, still in its slot,
 * to the stack's input() and frees the slot only after input returns, so producers never
 * overwrite a frame being read. Link changes are flagged on the device and reported by the
 * same thread, in thread context.
 *
 * Locking: rxq.wq.lock (irq-saving) guards the ring indices and every link_event flag; the
 * frame copy happens under it (at most 1.5 KiB). netdev_mutex guards the device list tail,
 * naming and the stack's attach calls. The list is append-only: readers walk it without a
 * lock (the append publishes with a release store). The stack ops pointer is read atomically.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/net.h>
#include <keel/netdev.h>
#include <keel/printf.h>
#include <keel/procfs.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/sync.h>

#define NETDEV_RXQ_SLOTS	256
#define NETDEV_SLOT_BYTES	2048	/* a frame longer than this is dropped whatever the mtu */

struct rx_slot {
	struct netdev *nd;
	size_t len;
	uint8_t *data;
};

static struct {
	struct wait_queue wq;		/* the rx thread sleeps here; wq.lock guards the rest */
	struct rx_slot slot[NETDEV_RXQ_SLOTS];
	unsigned head, count;		/* the oldest queued slot; slots queued */
	unsigned link_events;		/* devices with link_event set */
	uint64_t queued;
} rxq = { .wq = WAIT_QUEUE_INIT(rxq.wq, "netdev-rx") };

static struct mutex netdev_mutex = MUTEX_INIT(netdev_mutex, "netdev");
static struct netdev *devices, **devices_tail = &devices;
static unsigned ndevices;
static const struct netdev_stack_ops *stack_ops;
static bool netdev_ready;

static inline void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static const struct netdev_stack_ops *stack(void)
{
	return __atomic_load_n(&stack_ops, __ATOMIC_ACQUIRE);
}

void netdev_rx(struct netdev *nd, const void *frame, size_t len)
{
	struct rx_slot *s;
	bool f;

	if (!nd->name[0])
		return;			/* not registered yet (an early interrupt): no owner */
	if (len < ETH_HLEN || len > nd->mtu + 18 || len > NETDEV_SLOT_BYTES) {
		count(&nd->stats.rx_errors, 1);
		return;
	}
	f = spin_lock_irqsave(&rxq.wq.lock);
	if (!netdev_ready || rxq.count == NETDEV_RXQ_SLOTS) {
		spin_unlock_irqrestore(&rxq.wq.lock, f);
		count(&nd->stats.rx_dropped, 1);
		return;
	}
	s = &rxq.slot[(rxq.head + rxq.count) % NETDEV_RXQ_SLOTS];
	s->nd = nd;
	s->len = len;
	memcpy(s->data, frame, len);
	rxq.count++;
	rxq.queued++;
	wq_wake_one_locked(&rxq.wq);
	spin_unlock_irqrestore(&rxq.wq.lock, f);
}

void netdev_link_changed(struct netdev *nd, bool up)
{
	bool f = spin_lock_irqsave(&rxq.wq.lock);

	nd->link_up = up;
	if (!nd->link_event) {
		nd->link_event = true;
		rxq.link_events++;
	}
	wq_wake_one_locked(&rxq.wq);
	spin_unlock_irqrestore(&rxq.wq.lock, f);
}

/* Reports the flagged link changes (rx thread). */
static void report_links(void)
{
	for (struct netdev *nd = __atomic_load_n(&devices, __ATOMIC_ACQUIRE); nd;
	     nd = __atomic_load_n(&nd->next, __ATOMIC_ACQUIRE)) {
		bool f = spin_lock_irqsave(&rxq.wq.lock), ev = nd->link_event, up = nd->link_up;
		const struct netdev_stack_ops *ops;

		if (ev) {
			nd->link_event = false;
			rxq.link_events--;
		}
		spin_unlock_irqrestore(&rxq.wq.lock, f);
		if (!ev)
			continue;
		pr_info("net: %s link %s\n", nd->name, up ? "up" : "down");
		if ((ops = stack()) && ops->link)
			ops->link(nd, up);
	}
}

static int rx_thread(void *arg)
{
	for (;;) {
		const struct netdev_stack_ops *ops;
		struct rx_slot *s;
		bool f;

		wait_event(&rxq.wq, rxq.count > 0 || rxq.link_events > 0);
		if (__atomic_load_n(&rxq.link_events, __ATOMIC_RELAXED))
			report_links();
		f = spin_lock_irqsave(&rxq.wq.lock);
		s = rxq.count ? &rxq.slot[rxq.head] : NULL;
		spin_unlock_irqrestore(&rxq.wq.lock, f);
		if (!s)
			continue;
		ops = stack();
		if (ops && ops->input) {
			count(&s->nd->stats.rx_packets, 1);
			count(&s->nd->stats.rx_bytes, s->len);
			ops->input(s->nd, s->data, s->len);
		} else {
			count(&s->nd->stats.rx_dropped, 1);	/* no stack yet */
		}
		f = spin_lock_irqsave(&rxq.wq.lock);
		rxq.head = (rxq.head + 1) % NETDEV_RXQ_SLOTS;
		rxq.count--;
		spin_unlock_irqrestore(&rxq.wq.lock, f);
	}
	return 0;
}

static void fmt_mac(char *buf, size_t n, const uint8_t *m)
{
	snprintf(buf, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int netdev_register(struct netdev *nd)
{
	const struct netdev_stack_ops *ops;
	char mac[18];

	if (!nd->ops || !nd->ops->xmit || !nd->driver)
		return -EINVAL;
	if (!nd->mtu)
		nd->mtu = 1500;
	mutex_lock(&netdev_mutex);
	if (!netdev_ready) {
		mutex_unlock(&netdev_mutex);
		return -EAGAIN;
	}
	snprintf(nd->name, sizeof(nd->name), "eth%u", ndevices++);
	nd->next = NULL;
	__atomic_store_n(devices_tail, nd, __ATOMIC_RELEASE);
	devices_tail = &nd->next;
	fmt_mac(mac, sizeof(mac), nd->mac);
	pr_info("net: %s: %s, MAC %s, link %s, mtu %u\n", nd->name, nd->driver, mac,
		nd->link_up ? "up" : "down", nd->mtu);
	if ((ops = stack()) && ops->attach)
		ops->attach(nd);
	mutex_unlock(&netdev_mutex);
	return 0;
}

void netdev_set_stack(const struct netdev_stack_ops *ops)
{
	mutex_lock(&netdev_mutex);
	__atomic_store_n(&stack_ops, ops, __ATOMIC_RELEASE);
	for (struct netdev *nd = devices; ops && ops->attach && nd; nd = nd->next)
		ops->attach(nd);
	mutex_unlock(&netdev_mutex);
}

const struct netdev_stack_ops *netdev_swap_stack(const struct netdev_stack_ops *ops)
{
	return __atomic_exchange_n(&stack_ops, ops, __ATOMIC_ACQ_REL);
}

struct netdev *netdev_first(void)
{
	return __atomic_load_n(&devices, __ATOMIC_ACQUIRE);
}

struct netdev *netdev_by_name(const char *name)
{
	for (struct netdev *nd = netdev_first(); nd; nd = __atomic_load_n(&nd->next,
									  __ATOMIC_ACQUIRE))
		if (strcmp(nd->name, name) == 0)
			return nd;
	return NULL;
}

uint64_t netdev_rx_queued(void)
{
	return __atomic_load_n(&rxq.queued, __ATOMIC_RELAXED);
}

static void put_net_dev(struct proc_text *t, const char *name, const struct netdev_stats *s)
{
	proc_printf(t, "%6s:%8lu %7lu %4lu %4lu %4u %5u %10u %9u %8lu %7lu %4lu %4lu %4u "
		    "%5u %7u %10u\n", name, s->rx_bytes, s->rx_packets, s->rx_errors,
		    s->rx_dropped, 0, 0, 0, 0, s->tx_bytes, s->tx_packets, s->tx_errors,
		    s->tx_dropped, 0, 0, 0, 0);
}

/* /proc/net/dev in Linux's layout (fifo, frame, compressed, multicast, colls, carrier: 0). */
static void gen_net_dev(struct proc_text *t)
{
	struct netdev_stats lo;

	proc_printf(t, "Inter-|   Receive                                                |  Transmit\n"
		    " face |bytes    packets errs drop fifo frame compressed multicast|"
		    "bytes    packets errs drop fifo colls carrier compressed\n");
	if (net_lo_stats(&lo))
		put_net_dev(t, "lo", &lo);
	for (struct netdev *nd = netdev_first(); nd; nd = __atomic_load_n(&nd->next,
									  __ATOMIC_ACQUIRE)) {
		struct netdev_stats s = nd->stats;	/* each counter read whole; no snapshot */

		put_net_dev(t, nd->name, &s);
	}
}

void netdev_init(void)
{
	for (unsigned i = 0; i < NETDEV_RXQ_SLOTS; i++) {
		rxq.slot[i].data = kmalloc(NETDEV_SLOT_BYTES);
		if (!rxq.slot[i].data) {
			pr_err("net: no memory for the receive queue; no networking\n");
			return;
		}
	}
	if (!thread_create("netrx", rx_thread, NULL)) {
		pr_err("net: cannot start the rx thread; no networking\n");
		return;
	}
	if (procfs_add("net/dev", gen_net_dev))
		pr_warn("net: cannot make /proc/net/dev\n");
	mutex_lock(&netdev_mutex);
	bool f = spin_lock_irqsave(&rxq.wq.lock);

	netdev_ready = true;
	spin_unlock_irqrestore(&rxq.wq.lock, f);
	mutex_unlock(&netdev_mutex);
}
