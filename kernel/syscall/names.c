/*
 * syscall/names.c — the names of Linux's x86-64 system calls, by number, from the one list
 * (uapi/syscalls.h).
 *
 * Only for the log: an unimplemented call is reported by name ("pid 7 (sh): syscall 157
 * (prctl) not implemented"). Numbers x86-64 never assigned (335..423: the gap below the
 * numbers every architecture shares since 5.1) have no name.
 */
#include <keel/syscall.h>
#include <uapi/syscalls.h>

static const char *const names[] = {
#define SYSCALL_NAME_(nr, name) [nr] = #name,
	LINUX_SYSCALLS(SYSCALL_NAME_)
#undef SYSCALL_NAME_
};

const char *syscall_name(unsigned nr)
{
	return nr < ARRAY_SIZE(names) && names[nr] ? names[nr] : "?";
}
