/*
 * keel/tlb_stats.h — the TLB counters (keel/tlb.h), apart so per-CPU data can hold them
 * without pulling in the page-table headers.
 */
#ifndef KEEL_TLB_STATS_H
#define KEEL_TLB_STATS_H

#include <keel/types.h>

/* Counters since boot, summed over CPUs (/proc/keel/tlb). */
struct tlb_stats {
	uint64_t shootdowns;		/* batches that changed translations of a loaded mm */
	uint64_t ipis;			/* shootdown IPIs sent */
	uint64_t pages;			/* pages flushed one by one (INVLPG / INVPCID), all CPUs */
	uint64_t full;			/* whole-context flushes, all CPUs */
	uint64_t lazy_skipped;		/* IPIs not sent because the target was in lazy-TLB mode */
	uint64_t switches;		/* address-space loads */
	uint64_t switch_flushes;	/* ... that had to flush the tag (new slot or behind) */
};

#endif
