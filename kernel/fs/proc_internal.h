/*
 * fs/proc_internal.h — what the files of /proc share: procfs.c (the generated-file machinery
 * and /proc itself), proc_sys.c (system-wide files), proc_pid.c (/proc/<pid>/...).
 */
#ifndef FS_PROC_INTERNAL_H
#define FS_PROC_INTERNAL_H

#include "internal.h"
#include <keel/procfs.h>
#include <keel/sched.h>
#include <keel/time.h>

#define PROC_INO_BASE	0x40000000ULL		/* /proc/<pid>: + pid * 16 + entry */
#define PROC_FD_INO_BASE (1ULL << 48)		/* /proc/<pid>/fd/N: + pid << 20 + N */
#define PROC_SYS_INO	(PROC_INO_BASE - 64)	/* system files: - index */
#define USER_HZ		100			/* clock ticks of /proc and times(2) */

/* Scheduler ticks to USER_HZ ticks: /proc counts in 1/100 s. */
static inline uint64_t proc_ticks_to_hz(uint64_t ticks)
{
	return ticks * SCHED_TICK_NS / (NSEC_PER_SEC / USER_HZ);
}

typedef void (*proc_gen_fn)(struct proc_text *sb, int pid);

/* Generated files and /proc/<pid> nodes: priv is one of these (freed with the inode). */
struct proc_node {
	proc_gen_fn gen;
	proc_text_fn text;		/* registered files (procfs_add): used instead of gen */
	int pid;
	int fd;				/* /proc/<pid>/fd/N */
	bool inspect;			/* opening needs cred_may_inspect(pid) (environ, maps) */
};

/* 0 when the caller may look into process pid's memory (keel/cred.h), else -EACCES. */
int proc_pid_may_inspect(int pid);

/* Appends n bytes (NULs too) to the file being generated. */
void proc_write(struct proc_text *sb, const void *data, size_t n);

extern const struct file_ops proc_gen_fops;
extern const struct inode_ops proc_gen_iops;	/* a generated file: releases its node */
void proc_node_release(struct inode *ino);
/* A node with a proc_node; parent (counted) and name set so paths can be rebuilt. */
struct inode *proc_node_new(struct inode *parent, const char *name, uint32_t mode,
			    const struct inode_ops *iops, const struct file_ops *fops,
			    proc_gen_fn gen, int pid);

/* proc_sys.c: the system-wide files at the top of /proc, in readdir order. */
struct proc_sys_file {
	const char *name;
	proc_gen_fn gen;
};
extern const struct proc_sys_file proc_sys_files[];
extern const size_t proc_sys_nfiles;
extern const struct inode_ops proc_keel_iops;	/* /proc/keel */

/* proc_pid.c */
extern const struct inode_ops proc_pid_iops;	/* /proc/<pid>: priv is its proc_node */

/* proc_stack.c: /proc/<pid>/stack */
void proc_gen_stack(struct proc_text *sb, int pid);

#endif
