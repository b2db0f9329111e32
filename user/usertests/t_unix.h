/*
 * user/usertests/t_unix.h — helpers the AF_UNIX usertests share (t_unix.c).
 */
#ifndef T_UNIX_H
#define T_UNIX_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

/* A sockaddr_un for path (or an abstract name when abstract); returns its length. */
socklen_t un_addr(struct sockaddr_un *a, const char *name, bool abstract);
/* A socket of type bound to name and listening (backlog 8); *a and *len get its address. */
int un_listen(int type, const char *name, bool abstract, struct sockaddr_un *a, socklen_t *len);
/* A socket of type connected to a. */
int un_connect(int type, const struct sockaddr_un *a, socklen_t len);
/* poll(2) of one fd with no timeout: its revents. */
short poll1(int fd, short events);

#endif
