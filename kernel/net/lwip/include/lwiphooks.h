/*
 * lwiphooks.h — keel's hooks into lwIP's input path (LWIP_HOOK_FILENAME in lwipopts.h).
 *
 * One today: a SYN to a listener whose backlog is full of half-open connections makes room by
 * dropping the oldest of them (kernel/net/lwip/synflood.c). lwIP counts a connection in
 * SYN_RCVD against the backlog for TCP_SYN_RCVD_TIMEOUT (20 s) and has no SYN cookies, so
 * without this a burst of spoofed SYNs would refuse every real client for 20 s.
 */
#ifndef KEEL_LWIPHOOKS_H
#define KEEL_LWIPHOOKS_H

struct tcp_pcb;
struct tcp_hdr;
struct pbuf;

/* ERR_OK (0): lwIP goes on with the segment as usual. */
signed char keel_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr);

#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
	keel_tcp_inpacket((pcb), (hdr))

#endif
