/*
 * net/lwip/synflood.c — half-open connections cannot lock a listener out (lwiphooks.h).
 *
 * Called by lwIP for each segment to a pcb, under the core lock, after the lookup of the
 * active and TIME_WAIT lists is over and before the listener sees the segment. A SYN (without
 * ACK) to a listener with accepts_pending at its backlog evicts the listener's oldest
 * SYN_RCVD connection, silently (no RST toward what is most likely a spoofed address), so the
 * new SYN is taken. Connections that completed the handshake are never evicted: they wait for
 * accept() and still count. Evicting the oldest is what keeps a burst from starving clients
 * that arrive after it; a flood that never stops can still crowd them out (no SYN cookies).
 */
#include "port.h"
#include <keel/log.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>
#include "lwiphooks.h"

static uint64_t evicted;

/* The listener's SYN_RCVD connection that has waited longest, or NULL. */
static struct tcp_pcb *oldest_half_open(const struct tcp_pcb_listen *lpcb)
{
	struct tcp_pcb *old = NULL;

	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
		if (p->state == SYN_RCVD && p->listener == lpcb &&
		    (!old || (u32_t)(tcp_ticks - p->tmr) > (u32_t)(tcp_ticks - old->tmr)))
			old = p;
	return old;
}

static bool is_power_of_ten(uint64_t n)
{
	while (n >= 10 && n % 10 == 0)
		n /= 10;
	return n == 1;
}

signed char keel_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr)
{
	struct tcp_pcb_listen *lpcb = (struct tcp_pcb_listen *)pcb;
	u8_t flags = TCPH_FLAGS(hdr);
	struct tcp_pcb *old;

	if (pcb->state != LISTEN || (flags & (TCP_SYN | TCP_ACK)) != TCP_SYN ||
	    lpcb->accepts_pending < lpcb->backlog || !(old = oldest_half_open(lpcb)))
		return ERR_OK;
	tcp_abandon(old, 0);		/* frees it; accepts_pending drops by one */
	if (is_power_of_ten(++evicted))		/* 1, 10, 100...: a line, not a flood */
		pr_warn("net: port %u: listen backlog full of half-open connections (a SYN "
			"flood?); dropped the oldest (%lu so far)\n", lpcb->local_port,
			evicted);
	return ERR_OK;
}
