/*
 * stdio.h — the libc header lwIP's arch.h includes for its default diagnostics; keel's cc.h
 * replaces those with kprintf, so nothing is needed from here.
 */
#ifndef KEEL_LWIP_STDIO_H
#define KEEL_LWIP_STDIO_H
#include <keel/printf.h>
#endif
