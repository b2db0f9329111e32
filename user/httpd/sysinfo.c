/*
 * user/httpd/sysinfo.c — the running system as JSON, read from /proc (Linux's formats).
 *
 * The same code runs on Linux and keel; what only keel has (/proc/keel: per-CPU context
 * switches and interrupts, #NM traps, TLB shootdown counters) is added when present and left
 * out otherwise. Nothing is cached: each answer reads the files again.
 */
#include <ctype.h>
#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "json.h"
#include "sysinfo.h"

#define USER_HZ 100	/* /proc's clock ticks (sysconf(_SC_CLK_TCK) on both systems) */

/* Reads a whole small file into buf (NUL-terminated); its length, or -1. */
static ssize_t slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	size_t got;

	if (!f)
		return -1;
	got = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[got] = 0;
	return (ssize_t)got;
}

/* A "Name:  value kB" field of /proc/meminfo, or -1. */
static long long meminfo_kb(const char *mi, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = mi; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == ':')
			return atoll(p + n + 1);
	return -1;
}

static void memory_fields(struct buf *b)
{
	static const struct { const char *json, *proc; } f[] = {
		{ "total_kb", "MemTotal" }, { "free_kb", "MemFree" },
		{ "available_kb", "MemAvailable" }, { "buffers_kb", "Buffers" },
		{ "cached_kb", "Cached" }, { "swap_total_kb", "SwapTotal" },
		{ "swap_free_kb", "SwapFree" },
	};
	static char mi[8192];

	slurp("/proc/meminfo", mi, sizeof(mi));
	buf_puts(b, "{");
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		buf_printf(b, "%s\"%s\": %lld", i ? ", " : "", f[i].json, meminfo_kb(mi, f[i].proc));
	buf_puts(b, "}");
}

void sysinfo_memory(struct buf *b)
{
	memory_fields(b);
	buf_puts(b, "\n");
}

void sysinfo_system(struct buf *b)
{
	struct utsname u;
	char text[256];
	double up = 0, l[3] = { 0 };
	int running = 0, total = 0;

	uname(&u);
	if (slurp("/proc/uptime", text, sizeof(text)) > 0)
		sscanf(text, "%lf", &up);
	if (slurp("/proc/loadavg", text, sizeof(text)) > 0)
		sscanf(text, "%lf %lf %lf %d/%d", &l[0], &l[1], &l[2], &running, &total);
	buf_puts(b, "{\"kernel\": ");
	json_string(b, u.sysname);
	buf_puts(b, ", \"release\": ");
	json_string(b, u.release);
	buf_puts(b, ", \"version\": ");
	json_string(b, u.version);
	buf_puts(b, ", \"machine\": ");
	json_string(b, u.machine);
	buf_puts(b, ", \"hostname\": ");
	json_string(b, u.nodename);
	buf_printf(b, ", \"uptime\": %.2f, \"load\": [%.2f, %.2f, %.2f], \"running\": %d, "
		   "\"threads\": %d, \"cpus\": %ld, \"memory\": ", up, l[0], l[1], l[2], running,
		   total, sysconf(_SC_NPROCESSORS_ONLN));
	memory_fields(b);
	buf_puts(b, "}\n");
}

/*
 * keel's per-CPU counters: /proc/keel/cpus "cpu ctx_switches interrupts tlb_shootdowns
 * tlb_ipis tlb_pages tlb_full_flushes", /proc/keel/fpu "cpu nm_traps ...".
 */
struct keel_cpu {
	long long ctxt, intr, shoot, ipis, pages, full, nm;
	bool have;
};

static void keel_cpus(struct keel_cpu *k, int n)
{
	static char text[8192];
	char *line, *save;

	if (slurp("/proc/keel/cpus", text, sizeof(text)) > 0)
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			struct keel_cpu v = { .have = true };
			int c;

			if (sscanf(line, "%d %lld %lld %lld %lld %lld %lld", &c, &v.ctxt, &v.intr,
				   &v.shoot, &v.ipis, &v.pages, &v.full) == 7 && c >= 0 && c < n)
				k[c] = v;
		}
	if (slurp("/proc/keel/fpu", text, sizeof(text)) > 0)
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			int c;
			long long nm;

			if (isdigit((unsigned char)line[0]) && sscanf(line, "%d %lld", &c, &nm) == 2 &&
			    c >= 0 && c < n)
				k[c].nm = nm;
		}
}

/* /proc/keel/tlb's "name value" lines as a JSON object, or nothing on Linux. */
static void keel_tlb(struct buf *b)
{
	char text[1024], *line, *save;
	bool first = true;

	if (slurp("/proc/keel/tlb", text, sizeof(text)) <= 0)
		return;
	buf_puts(b, ", \"tlb\": {");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32], value[32];

		if (sscanf(line, "%31s %31s", name, value) != 2)
			continue;
		buf_printf(b, "%s", first ? "" : ", ");
		json_string(b, name);
		buf_puts(b, ": ");
		if (isdigit((unsigned char)value[0]))
			buf_printf(b, "%lld", atoll(value));
		else
			json_string(b, value);
		first = false;
	}
	buf_puts(b, "}");
}

void sysinfo_cpus(struct buf *b)
{
	static char text[16384];
	static struct keel_cpu k[256];
	char *line, *save;
	bool first = true;

	memset(k, 0, sizeof(k));
	keel_cpus(k, 256);
	buf_puts(b, "{\"cpus\": [");
	if (slurp("/proc/stat", text, sizeof(text)) > 0)
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long v[8] = { 0 };
			int c;

			if (strncmp(line, "cpu", 3) || !isdigit((unsigned char)line[3]) ||
			    sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &c, &v[0],
				   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 5)
				continue;
			unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
			buf_printf(b, "%s{\"cpu\": %d, \"online\": true, \"busy_ms\": %llu, "
				   "\"idle_ms\": %llu", first ? "" : ", ", c, busy * 1000 / USER_HZ,
				   (v[3] + v[4]) * 1000 / USER_HZ);
			if (c >= 0 && c < 256 && k[c].have)
				buf_printf(b, ", \"ctx_switches\": %lld, \"interrupts\": %lld, "
					   "\"nm_traps\": %lld, \"tlb_shootdowns\": %lld, "
					   "\"tlb_ipis\": %lld, \"tlb_pages_flushed\": %lld, "
					   "\"tlb_full_flushes\": %lld", k[c].ctxt, k[c].intr, k[c].nm,
					   k[c].shoot, k[c].ipis, k[c].pages, k[c].full);
			buf_puts(b, "}");
			first = false;
		}
	buf_puts(b, "]");
	keel_tlb(b);
	buf_puts(b, "}\n");
}

/* ---- processes ---- */

/* One process's fields from /proc/PID/stat (comm is between the first '(' and the last ')'). */
static int process_fields(struct buf *b, int pid)
{
	char path[64], text[2048], *open, *close, state;
	long long f[52] = { 0 };
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (slurp(path, text, sizeof(text)) <= 0 || !(open = strchr(text, '(')) ||
	    !(close = strrchr(text, ')')) || close < open)
		return -1;
	*close = 0;
	if (sscanf(close + 2, "%c", &state) != 1)
		return -1;
	for (char *p = close + 3; *p && n < 52; n++) {	/* fields 4... (ppid first) */
		f[n] = strtoll(p, &p, 10);
		while (*p == ' ')
			p++;
	}
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	buf_printf(b, "{\"pid\": %d, \"ppid\": %lld, \"name\": ", pid, f[0]);
	json_string(b, open + 1);
	buf_printf(b, ", \"state\": \"%c\", \"threads\": %lld, \"utime_ms\": %lld, "
		   "\"stime_ms\": %lld, \"vsize_kb\": %lld, \"rss_kb\": %lld", state, f[16],
		   f[10] * 1000 / USER_HZ, f[11] * 1000 / USER_HZ, f[19] / 1024, f[20] * page_kb);
	return 0;
}

void sysinfo_processes(struct buf *b)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool first = true;

	buf_puts(b, "{\"processes\": [");
	while (d && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		size_t mark = b->len;
		if (!first)
			buf_puts(b, ", ");
		if (process_fields(b, atoi(e->d_name))) {
			b->len = mark;	/* it ended while we looked */
			continue;
		}
		buf_puts(b, "}");
		first = false;
	}
	if (d)
		closedir(d);
	buf_puts(b, "]}\n");
}

int sysinfo_process(struct buf *b, int pid)
{
	char path[64], text[4096];
	ssize_t n;

	if (process_fields(b, pid))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	buf_puts(b, ", \"cmdline\": [");
	n = slurp(path, text, sizeof(text));
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(text + i) + 1) {
		buf_puts(b, i ? ", " : "");
		json_string(b, text + i);
	}
	buf_puts(b, "]}\n");
	return 0;
}

/* ---- network interfaces ---- */

/* An interface's IPv4 address, netmask and MAC through the SIOCGIF ioctls. */
static void if_addresses(struct buf *b, int s, const char *name)
{
	struct ifreq ifr;
	char a[INET_ADDRSTRLEN];

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
		buf_printf(b, ", \"up\": %s", ifr.ifr_flags & IFF_UP ? "true" : "false");
	if (s >= 0 && ioctl(s, SIOCGIFADDR, &ifr) == 0) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, a, sizeof(a));
		buf_printf(b, ", \"ipv4\": \"%s\"", a);
		if (ioctl(s, SIOCGIFNETMASK, &ifr) == 0) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr, a,
				  sizeof(a));
			buf_printf(b, ", \"netmask\": \"%s\"", a);
		}
	}
	if (s >= 0 && ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
		const unsigned char *m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;

		buf_printf(b, ", \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\"", m[0], m[1], m[2],
			   m[3], m[4], m[5]);
	}
}

void sysinfo_net(struct buf *b)
{
	static char text[16384];
	char *line, *save;
	bool first = true;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	buf_puts(b, "{\"interfaces\": [");
	if (slurp("/proc/net/dev", text, sizeof(text)) > 0)
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *colon = strchr(line, ':'), *name = line;
			unsigned long long v[16] = { 0 };

			if (!colon || strchr(line, '|'))
				continue;
			*colon = 0;
			while (*name == ' ')
				name++;
			if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
				   "%llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
				   &v[9], &v[10], &v[11]) != 12)
				continue;
			buf_printf(b, "%s{\"name\": ", first ? "" : ", ");
			json_string(b, name);
			buf_printf(b, ", \"rx_bytes\": %llu, \"rx_packets\": %llu, \"rx_errors\": %llu, "
				   "\"rx_dropped\": %llu, \"tx_bytes\": %llu, \"tx_packets\": %llu, "
				   "\"tx_errors\": %llu, \"tx_dropped\": %llu", v[0], v[1], v[2], v[3],
				   v[8], v[9], v[10], v[11]);
			if_addresses(b, s, name);
			buf_puts(b, "}");
			first = false;
		}
	if (s >= 0)
		close(s);
	buf_puts(b, "]}\n");
}
