/*
 * keel/monitor.h — a tiny interactive kernel monitor on the console, until there is a shell.
 */
#ifndef KEEL_MONITOR_H
#define KEEL_MONITOR_H

#include <keel/types.h>

__noreturn void monitor_run(void);
/* Executes one command line; false if the command is unknown. */
bool monitor_exec(char *line);

#endif
