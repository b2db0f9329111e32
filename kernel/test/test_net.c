/*
 * test/test_net.c — the NIC drivers and the netdev core, end to end against QEMU's user
 * networking (slirp), with hand-built frames and no TCP/IP stack.
 *
 * The test puts its own stack ops in (netdev_swap_stack), sends an ARP request for the
 * gateway 10.0.2.2 from 10.0.2.15 and a DHCP DISCOVER, and waits for slirp's ARP reply and
 * DHCP OFFER; then it puts the previous ops back. A run without a NIC has nothing to test and
 * says so; tests/run_tests.py boots one run per NIC (--net user --nic X) and also checks that
 * eth0 was that driver and that the test passed.
 */
#include <keel/ktest.h>
#include <keel/log.h>
#include <keel/netdev.h>
#include <keel/random.h>
#include <keel/sched.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>

#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define SLIRP_GW	0x0a000202u	/* 10.0.2.2 */
#define SLIRP_GUEST	0x0a00020fu	/* 10.0.2.15, the first address slirp's DHCP hands out */
#define TRIES		5
#define WAIT_NS		(500 * 1000000ull)

enum want { WANT_NONE, WANT_ARP_REPLY, WANT_DHCP_OFFER };

static struct {
	struct spinlock lock;
	enum want want;
	uint32_t xid;
	uint8_t mac[ETH_ALEN];
	uint8_t got[ETH_ALEN];		/* the answer's sender MAC */
	uint32_t yiaddr;		/* DHCP: the offered address */
	unsigned seen;			/* frames the test's input saw */
	struct completion done;
} nt = { .lock = SPINLOCK_INIT("net-test"), .done = COMPLETION_INIT(nt.done, "net-test") };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

static bool is_arp_reply(const uint8_t *f, size_t len)
{
	return len >= 42 && get16(f + 12) == ETH_P_ARP && get16(f + 20) == 2 &&
	       get32(f + 28) == SLIRP_GW && get32(f + 38) == SLIRP_GUEST &&
	       memcmp(f + 32, nt.mac, ETH_ALEN) == 0;
}

/* A BOOTP reply to our xid whose option 53 says OFFER (2). Options are walked bounded. */
static bool is_dhcp_offer(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH_HLEN, *udp, *bp;
	size_t ihl;

	if (len < ETH_HLEN + 20 || get16(f + 12) != ETH_P_IP || ip[9] != 17)
		return false;
	ihl = (ip[0] & 0xf) * 4u;
	udp = ip + ihl;
	bp = udp + 8;
	if (ihl < 20 || len < ETH_HLEN + ihl + 8 + 240 || get16(udp + 2) != 68 || bp[0] != 2 ||
	    get32(bp + 4) != nt.xid || get32(bp + 236) != 0x63825363)
		return false;
	for (const uint8_t *o = bp + 240; o + 2 <= f + len && o[0] != 255;) {
		if (o[0] == 0) {
			o++;
			continue;
		}
		if (o[0] == 53 && o[1] == 1 && o + 3 <= f + len) {
			nt.yiaddr = get32(bp + 16);
			return o[2] == 2;
		}
		o += 2 + o[1];
	}
	return false;
}

static void test_input(struct netdev *nd, const void *frame, size_t len)
{
	const uint8_t *f = frame;
	bool flags = spin_lock_irqsave(&nt.lock), hit;

	nt.seen++;
	hit = (nt.want == WANT_ARP_REPLY && is_arp_reply(f, len)) ||
	      (nt.want == WANT_DHCP_OFFER && is_dhcp_offer(f, len));
	if (hit) {
		memcpy(nt.got, f + 6, ETH_ALEN);
		nt.want = WANT_NONE;
	}
	spin_unlock_irqrestore(&nt.lock, flags);
	if (hit)
		complete(&nt.done);
}

static const struct netdev_stack_ops test_ops = { .input = test_input };

static void expect(enum want w)
{
	bool f = spin_lock_irqsave(&nt.lock);

	nt.want = w;
	spin_unlock_irqrestore(&nt.lock, f);
}

/* Sends frame until the awaited answer arrives: the number of sends it took, or 0 when TRIES
 * sends went unanswered. */
static unsigned exchange(struct netdev *nd, enum want w, const uint8_t *frame, size_t len)
{
	completion_reinit(&nt.done);
	expect(w);
	for (unsigned i = 0; i < TRIES; i++) {
		if (nd->ops->xmit(nd, frame, len) == 0 && completion_wait_timeout(&nt.done, WAIT_NS))
			return i + 1;
	}
	expect(WANT_NONE);
	return 0;
}

static size_t build_arp(uint8_t *f, const uint8_t *mac)
{
	memset(f, 0, 60);
	memset(f, 0xff, ETH_ALEN);
	memcpy(f + 6, mac, ETH_ALEN);
	put16(f + 12, ETH_P_ARP);
	put16(f + 14, 1);		/* Ethernet */
	put16(f + 16, ETH_P_IP);
	f[18] = ETH_ALEN;
	f[19] = 4;
	put16(f + 20, 1);		/* request */
	memcpy(f + 22, mac, ETH_ALEN);
	put32(f + 28, SLIRP_GUEST);
	put32(f + 38, SLIRP_GW);
	return 60;			/* the minimum frame, padded */
}

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t build_discover(uint8_t *f, const uint8_t *mac, uint32_t xid)
{
	uint8_t *ip = f + ETH_HLEN, *udp = ip + 20, *bp = udp + 8, *o = bp + 240;
	size_t blen = 240 + 8, len;

	memset(f, 0, ETH_HLEN + 20 + 8 + blen);
	memset(f, 0xff, ETH_ALEN);
	memcpy(f + 6, mac, ETH_ALEN);
	put16(f + 12, ETH_P_IP);
	bp[0] = 1, bp[1] = 1, bp[2] = ETH_ALEN;	/* BOOTREQUEST over Ethernet */
	put32(bp + 4, xid);
	put16(bp + 10, 0x8000);			/* reply by broadcast: we have no address */
	memcpy(bp + 28, mac, ETH_ALEN);
	put32(bp + 236, 0x63825363);
	const uint8_t opts[] = { 53, 1, 1, 55, 3, 1, 3, 6, 255 };	/* DISCOVER; mask, gw, dns */
	memcpy(o, opts, sizeof(opts));
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)(8 + blen));	/* checksum 0: none (allowed over IPv4) */
	ip[0] = 0x45, ip[8] = 64, ip[9] = 17;
	put16(ip + 2, (uint16_t)(20 + 8 + blen));
	put32(ip + 16, 0xffffffffu);
	put16(ip + 10, ip_checksum(ip, 20));
	len = ETH_HLEN + 20 + 8 + blen;
	return len;
}

/* Both exchanges on one device; a failed check fails t. */
static void check_device(struct ktest_ctx *t, struct netdev *nd)
{
	const struct netdev_stack_ops *old;
	uint8_t frame[400];
	uint64_t rx0, tx0;
	unsigned arp, dhcp;

	for (unsigned i = 0; i < 200 && !nd->link_up; i++)
		sched_sleep_ns(10000000);
	KT_ASSERT(nd->link_up, "%s (%s): link still down after 2 s", nd->name, nd->driver);
	memcpy(nt.mac, nd->mac, ETH_ALEN);
	nt.xid = (uint32_t)random_u64();
	nt.seen = 0;
	rx0 = nd->stats.rx_packets;
	tx0 = nd->stats.tx_packets;
	old = netdev_swap_stack(&test_ops);
	dhcp = exchange(nd, WANT_DHCP_OFFER, frame, build_discover(frame, nd->mac, nt.xid));
	arp = exchange(nd, WANT_ARP_REPLY, frame, build_arp(frame, nd->mac));
	netdev_swap_stack(old);
	KT_ASSERT(arp, "%s (%s): no ARP reply for 10.0.2.2 (%u frames seen, rx %lu tx %lu)",
		  nd->name, nd->driver, nt.seen, nd->stats.rx_packets - rx0,
		  nd->stats.tx_packets - tx0);
	KT_ASSERT(dhcp, "%s (%s): no DHCP OFFER (%u frames seen)", nd->name, nd->driver, nt.seen);
	KT_EQ(nt.yiaddr, SLIRP_GUEST);
	KT_ASSERT(nd->stats.rx_packets - rx0 >= 2 && nd->stats.tx_packets - tx0 >= 2,
		  "counters: rx +%lu tx +%lu", nd->stats.rx_packets - rx0,
		  nd->stats.tx_packets - tx0);
	pr_info("net_arp_and_dhcp_on_slirp: %s (%s): ARP reply after %u send(s), DHCP OFFER of "
		"10.0.2.15 after %u\n", nd->name, nd->driver, arp, dhcp);
}

/* Every device, each on its own slirp network (keel-run gives each --nic one). */
KTEST(net_arp_and_dhcp_on_slirp)
{
	if (!netdev_first())
		KT_SKIP("no network device in this run, nothing to test");
	for (struct netdev *nd = netdev_first(); nd && !t->failed; nd = nd->next)
		check_device(t, nd);
}
