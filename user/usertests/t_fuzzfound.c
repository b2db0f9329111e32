/*
 * user/usertests/t_fuzzfound.c — regression tests for the kernel bugs sysfuzz found
 * (docs/reliability.md lists them). Each reproduces the fuzzer's minimized call sequence in
 * plain code, and passes on Linux as well.
 */
#include "ut.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* An empty sendmsg on a listening TCP socket: keel handed the listener to lwIP's tcp_output,
 * whose assertion panicked the kernel. Linux (and now keel) say EPIPE. */
static void tcp_empty_send_on_listener(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct msghdr m = { 0 };
	int l = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(l >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(l, (void *)&sa, sizeof(sa)) == 0);
	CHECK(listen(l, 4) == 0);
	CHECK_ERR(sendmsg(l, &m, MSG_NOSIGNAL), EPIPE);
	CHECK_ERR(send(l, "", 0, MSG_NOSIGNAL), EPIPE);
	CHECK_ERR(send(l, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT), EPIPE);
	close(l);
}

const struct ut_test ut_fuzzfound_tests[] = {
	{ "tcp_empty_send_on_listener", tcp_empty_send_on_listener, 0 },
	{ NULL, NULL, 0 },
};
