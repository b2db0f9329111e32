/*
 * keel/procfs.h — files other subsystems add to /proc (fs/procreg.c).
 *
 * procfs_add("net/dev", gen) makes /proc/net/dev a read-only file whose text gen() writes when
 * it is opened (one consistent snapshot per open); the directories on the way are made as
 * needed and list their entries in registration order. Entries are never removed. Names must
 * not collide with /proc's own entries or with numbers (those are processes).
 */
#ifndef KEEL_PROCFS_H
#define KEEL_PROCFS_H

#include <keel/types.h>

struct proc_text;

/* Appends formatted text to the file being generated (a failed allocation drops the rest
 * and makes the open fail with -ENOMEM). */
void proc_printf(struct proc_text *t, const char *fmt, ...) __printf(2, 3);

typedef void (*proc_text_fn)(struct proc_text *t);
/* 0, -EEXIST, -EINVAL (empty or bad path), -ENOMEM. Thread context. */
int procfs_add(const char *path, proc_text_fn gen);

#endif
