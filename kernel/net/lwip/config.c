/*
 * net/lwip/config.c — the `ip=` kernel word and /etc/resolv.conf.
 *
 *   ip=dhcp                       DHCP on every NIC (the default)
 *   ip=ADDR/PREFIX[,GW[,DNS]]     that address on eth0 (the other NICs stay unconfigured)
 *   ip=off                        NICs get no address (lo still works)
 *
 * The word is parsed at boot by net_parse_ip (pure, so a ktest can feed it bad words) into
 * net_ip_config; netif.c applies it.
 */
#include "port.h"
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/vfs.h>

struct net_ip_config net_ip_config = { .mode = NET_IP_DHCP };

/* Dotted quad a.b.c.d, each 0..255, nothing else; into *out (host order). */
static bool parse_quad(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	unsigned parts = 0, cur = 0, digits = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!digits || cur > 255 || parts == 4)
				return false;
			v = v << 8 | cur;
			parts++;
			cur = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			cur = cur * 10 + (unsigned)(s[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	*out = v;
	return parts == 4;
}

int net_parse_ip(const char *v, struct net_ip_config *c)
{
	const char *slash, *comma, *end;
	uint64_t prefix;
	char pbuf[4];

	memset(c, 0, sizeof(*c));
	if (!v)
		return -EINVAL;
	if (!strcmp(v, "dhcp")) {
		c->mode = NET_IP_DHCP;
		return 0;
	}
	if (!strcmp(v, "off")) {
		c->mode = NET_IP_OFF;
		return 0;
	}
	slash = strchr(v, '/');
	if (!slash || !parse_quad(v, (size_t)(slash - v), &c->addr))
		return -EINVAL;
	comma = strchr(slash, ',');
	end = comma ? comma : slash + strlen(slash);
	if (end - slash - 1 < 1 || end - slash - 1 > 2)
		return -EINVAL;
	memcpy(pbuf, slash + 1, (size_t)(end - slash - 1));
	pbuf[end - slash - 1] = 0;
	if (!parse_u64(pbuf, &prefix) || prefix > 32)
		return -EINVAL;
	c->netmask = prefix ? ~0u << (32 - prefix) : 0;
	for (unsigned i = 0; comma && i < 2; i++) {
		const char *next = strchr(comma + 1, ',');
		size_t len = next ? (size_t)(next - comma - 1) : strlen(comma + 1);

		if (!parse_quad(comma + 1, len, i == 0 ? &c->gw : &c->dns))
			return -EINVAL;
		comma = next;
	}
	if (comma)
		return -EINVAL;		/* more than ADDR/PREFIX,GW,DNS */
	c->mode = NET_IP_STATIC;
	return 0;
}

static int set_ip(const char *v)
{
	return net_parse_ip(v, &net_ip_config);
}
CMDLINE_PARAM("ip", set_ip, "ip=dhcp|off|ADDR/PREFIX[,GW[,DNS]]");

/* Writes "nameserver A.B.C.D" into /etc/resolv.conf (creating /etc). Thread context, no
 * locks held. */
int net_write_resolv_conf(uint32_t dns)
{
	char text[48];
	struct file *f;
	int n, err;

	n = snprintf(text, sizeof(text), "nameserver %u.%u.%u.%u\n", dns >> 24, (dns >> 16) & 255,
		     (dns >> 8) & 255, dns & 255);
	err = vfs_mkdir(NULL, "/etc", 0755);
	if (err && err != -EEXIST)
		return err;
	err = vfs_open(NULL, "/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
	if (err)
		return err;
	err = file_write(f, text, (size_t)n) == n ? 0 : -EIO;
	file_put(f);
	return err;
}
