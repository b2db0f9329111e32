/*
 * user/httpd/sysinfo.h — the REST resources' JSON bodies, read from /proc (sysinfo.c).
 */
#ifndef HTTPD_SYSINFO_H
#define HTTPD_SYSINFO_H

#include "httpd.h"

void sysinfo_system(struct buf *b);
void sysinfo_cpus(struct buf *b);
void sysinfo_memory(struct buf *b);
void sysinfo_processes(struct buf *b);
int sysinfo_process(struct buf *b, int pid);	/* -1: no such process */
void sysinfo_net(struct buf *b);

#endif
