/*
 * user/httpd/rest.c — the REST interface: a route table of method + path pattern → handler.
 *
 * A pattern is literal segments and "{pid}" (a positive decimal number). A path that matches
 * some route but not with this method answers 405 with Allow (HEAD goes with GET); a path
 * that matches none answers 404. Every answer is JSON; errors are {"error": "..."}.
 * The caller (main.c) has authenticated the request already.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "json.h"
#include "sysinfo.h"

typedef void route_fn(struct request *r, struct response *rs, long pid);

static void get_system(struct request *r, struct response *rs, long pid)
{
	sysinfo_system(&rs->body);
}

static void get_cpus(struct request *r, struct response *rs, long pid)
{
	sysinfo_cpus(&rs->body);
}

static void get_memory(struct request *r, struct response *rs, long pid)
{
	sysinfo_memory(&rs->body);
}

static void get_processes(struct request *r, struct response *rs, long pid)
{
	sysinfo_processes(&rs->body);
}

static void get_net(struct request *r, struct response *rs, long pid)
{
	sysinfo_net(&rs->body);
}

static void get_process(struct request *r, struct response *rs, long pid)
{
	if (sysinfo_process(&rs->body, (int)pid))
		resp_error(rs, 404, "no such process");
}

/* "TERM", "SIGTERM" or a number to a signal number, or 0. */
static int signal_number(const char *s, int kind)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "STOP", SIGSTOP },
		{ "CONT", SIGCONT }, { "ALRM", SIGALRM },
	};

	if (kind == JSON_NUMBER) {
		char *end;
		long n = strtol(s, &end, 10);

		return *end || n < 1 || n > 64 ? 0 : (int)n;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcasecmp(s, sigs[i].name))
			return sigs[i].sig;
	return 0;
}

/* POST {"signal": "TERM"}: kill(pid, sig). init and httpd itself are not for the API to end. */
static void post_signal(struct request *r, struct response *rs, long pid)
{
	const char *type = http_header(r, "Content-Type");
	char name[32];
	int kind, sig;

	if (type && strncasecmp(type, "application/json", 16)) {
		resp_error(rs, 415, "the body must be application/json");
		return;
	}
	kind = json_member(r->body.p ? r->body.p : "", r->body.len, "signal", name, sizeof(name));
	if (kind < 0) {
		resp_error(rs, 400, "the body is not a JSON object");
		return;
	}
	if (kind != JSON_STRING && kind != JSON_NUMBER) {
		resp_error(rs, 400, "\"signal\" must be a signal name or number");
		return;
	}
	if (!(sig = signal_number(name, kind))) {
		resp_error(rs, 400, "unknown signal");
		return;
	}
	if (pid == 1 || pid == getpid()) {
		resp_error(rs, 403, "init and httpd itself cannot be signalled through the API");
		return;
	}
	if (kill((pid_t)pid, sig)) {
		resp_error(rs, errno == ESRCH ? 404 : errno == EPERM ? 403 : 500,
			   errno == ESRCH ? "no such process" : strerror(errno));
		return;
	}
	buf_printf(&rs->body, "{\"pid\": %ld, \"signal\": %d, \"sent\": true}\n", pid, sig);
}

static const struct route {
	const char *method, *pattern;
	route_fn *fn;
} routes[] = {
	{ "GET", "/api/v1/system", get_system },
	{ "GET", "/api/v1/cpus", get_cpus },
	{ "GET", "/api/v1/memory", get_memory },
	{ "GET", "/api/v1/processes", get_processes },
	{ "GET", "/api/v1/processes/{pid}", get_process },
	{ "POST", "/api/v1/processes/{pid}/signal", post_signal },
	{ "GET", "/api/v1/net", get_net },
};

/* Whether path matches pattern segment by segment; a {pid} segment's number goes to *pid. */
static bool match(const char *pattern, const char *path, long *pid)
{
	while (*pattern) {
		if (!strncmp(pattern, "{pid}", 5)) {
			char *end;

			if (*path < '1' || *path > '9')
				return false;
			*pid = strtol(path, &end, 10);
			if (*pid <= 0 || *pid > 4194304 || (*end && *end != '/'))
				return false;
			pattern += 5;
			path = end;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *path == 0 || (path[0] == '/' && path[1] == 0);
}

void rest_handle(struct request *r, struct response *rs)
{
	char allow[64] = "";
	long pid = 0;
	bool get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");

	resp_json(rs, 200);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];

		if (!match(rt->pattern, r->path, &pid))
			continue;
		if (!strcmp(rt->method, r->method) || (get && !strcmp(rt->method, "GET"))) {
			rt->fn(r, rs, pid);
			return;
		}
		snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
			 *allow ? ", " : "", !strcmp(rt->method, "GET") ? "GET, HEAD" : rt->method);
	}
	if (*allow) {
		resp_header(rs, "Allow: %s", allow);
		resp_error(rs, 405, "method not allowed here");
		return;
	}
	resp_error(rs, 404, "no such resource");
}
