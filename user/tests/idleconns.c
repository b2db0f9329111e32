/*
 * idleconns — the httpd suite's slowloris client, run inside the guest (tests/httpd_test.py):
 * the host's connections reach a keel guest through QEMU's user-mode networking one at a
 * time, too slowly to ever hold many open at once, so the connection cap is tested from here.
 *
 *   idleconns PORT N SECONDS
 *
 * Opens N connections to 127.0.0.1:PORT at once, sends each an unfinished request, then
 * waits up to SECONDS for every one to be answered and closed. Prints one line:
 *   idleconns: N refused R timed_out T other O
 * (R answered 503, T answered 408, O anything else or nothing). Runs on Linux too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_N 1000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int open_idle(int port)
{
	static const char part[] = "GET / HTTP/1.1\r\nHost: t\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, part, sizeof(part) - 1, MSG_NOSIGNAL) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The first bytes each connection got; pfd[i].fd < 0 once it is answered or closed. */
static void collect(struct pollfd *pfd, char (*got)[16], int n, int seconds)
{
	long long deadline = now_ms() + seconds * 1000LL;
	int open = n;

	while (open > 0 && now_ms() < deadline) {
		if (poll(pfd, n, 100) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			size_t have = strlen(got[i]);
			ssize_t r = recv(pfd[i].fd, got[i] + have, sizeof(got[i]) - 1 - have, 0);

			if (r > 0 && have + r < sizeof(got[i]) - 1)
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			open--;
		}
	}
}

int main(int argc, char **argv)
{
	static struct pollfd pfd[MAX_N];
	static char got[MAX_N][16];
	int port, n, seconds, refused = 0, timed_out = 0, other = 0;

	if (argc != 4 || (port = atoi(argv[1])) <= 0 || (n = atoi(argv[2])) <= 0 || n > MAX_N ||
	    (seconds = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: idleconns PORT N SECONDS (N at most %d)\n", MAX_N);
		return 2;
	}
	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = open_idle(port), .events = POLLIN };
	collect(pfd, got, n, seconds);
	for (int i = 0; i < n; i++) {
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
		if (!strncmp(got[i], "HTTP/1.1 503", 12))
			refused++;
		else if (!strncmp(got[i], "HTTP/1.1 408", 12))
			timed_out++;
		else
			other++;
	}
	printf("idleconns: %d refused %d timed_out %d other %d\n", n, refused, timed_out, other);
	return 0;
}
