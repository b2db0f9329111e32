/*
 * net/inet/proc.c — /proc/net/tcp and /proc/net/udp in Linux's format (net/ipv4/tcp_ipv4.c,
 * udp.c): one line per lwIP pcb, addresses as the hex of the 32-bit network-order word as it
 * sits in memory (127.0.0.1 is 0100007F), ports in hex, Linux's state numbers. Fields keel has
 * no value for (timers, uid, inode) are 0. Generated under the core lock.
 */
#include "internal.h"
#include <keel/net.h>
#include <keel/procfs.h>
#include <keel/log.h>
#include <lwip/tcp.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/udp.h>

#define PROC_NET_HEADER \
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  " \
	"timeout inode\n"

/* lwIP's enum tcp_state (CLOSED..TIME_WAIT) as Linux's TCP_* numbers. */
static const uint8_t linux_tcp_state[] = {
	[CLOSED] = 7, [LISTEN] = 10, [SYN_SENT] = 2, [SYN_RCVD] = 3, [ESTABLISHED] = 1,
	[FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8, [CLOSING] = 11, [LAST_ACK] = 9,
	[TIME_WAIT] = 6,
};

static void proc_line(struct proc_text *t, unsigned sl, const ip_addr_t *lip, uint16_t lport,
		      const ip_addr_t *rip, uint16_t rport, unsigned st, uint32_t tx, uint32_t rx)
{
	proc_printf(t, "%4u: %08X:%04X %08X:%04X %02X %08X:%08X 00:00000000 00000000     0        "
		    "0 0 1\n", sl, ip4_addr_get_u32(ip_2_ip4(lip)), lport,
		    ip4_addr_get_u32(ip_2_ip4(rip)), rport, st, tx, rx);
}

/* The socket's unread bytes, when the pcb belongs to a keel socket. */
static uint32_t tcp_rx_queue(const struct tcp_pcb *pcb)
{
	const struct inet_sock *isk = pcb->callback_arg;

	return isk ? (uint32_t)isk->rx_bytes : 0;
}

/* Listening pcbs are the smaller struct tcp_pcb_listen (no remote end, no queues). */
static void gen_tcp(struct proc_text *t)
{
	struct tcp_pcb *const *lists[] = { &tcp_bound_pcbs, &tcp_active_pcbs, &tcp_tw_pcbs };
	unsigned sl = 0;

	proc_printf(t, PROC_NET_HEADER);
	net_lock();
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
		proc_line(t, sl++, &l->local_ip, l->local_port, IP4_ADDR_ANY, 0,
			  linux_tcp_state[LISTEN], 0, 0);
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		for (struct tcp_pcb *p = *lists[i]; p; p = p->next)
			proc_line(t, sl++, &p->local_ip, p->local_port, &p->remote_ip,
				  p->remote_port, linux_tcp_state[p->state],
				  p->snd_lbb - p->lastack, tcp_rx_queue(p));
	net_unlock();
}

static void gen_udp(struct proc_text *t)
{
	unsigned sl = 0;

	proc_printf(t, PROC_NET_HEADER);
	net_lock();
	for (struct udp_pcb *p = udp_pcbs; p; p = p->next) {
		const struct inet_sock *isk = p->recv_arg;

		proc_line(t, sl++, &p->local_ip, p->local_port, &p->remote_ip, p->remote_port,
			  (p->flags & UDP_FLAGS_CONNECTED) ? 1 : 7, 0,
			  isk ? (uint32_t)isk->dq_bytes : 0);
	}
	net_unlock();
}

void inet_proc_init(void)
{
	if (procfs_add("net/tcp", gen_tcp) || procfs_add("net/udp", gen_udp))
		pr_warn("net: cannot make /proc/net/tcp and /proc/net/udp\n");
}
