/*
 * keel/fpu_stats.h — counters of the user vector-state switching (arch/x86_64/fpu.c), per CPU
 * and per thread, shown in /proc/keel/fpu. Its own header because struct cpu embeds one and
 * keel/arch.h cannot be included from <arch/percpu.h>.
 */
#ifndef KEEL_FPU_STATS_H
#define KEEL_FPU_STATS_H

#include <keel/types.h>

struct fpu_stats {
	uint64_t nm_traps;		/* #NM taken (lazy) */
	uint64_t saves;			/* register file saved to a thread's area */
	uint64_t restores;		/* ... loaded from one */
	uint64_t clean_skips;		/* switches that found the incoming state already loaded */
	uint64_t remote_flushes;	/* lazy: another CPU asked to save a state it held */
};

#endif
