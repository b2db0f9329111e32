/*
 * drivers/virtio/virtqueue.c — split virtqueues (virtio 1.0 section 2.6), keel/virtio.h.
 *
 * Layout: page 0 holds the descriptor table (16 bytes x size, at most 256 entries per page);
 * page 1 the avail ring at offset 0 and the used ring at VIRTQ_USED_OFF (4-aligned). Larger
 * queues are refused (keel's drivers use at most 256 entries).
 *
 * Invariants: free descriptors form a chain from free_head through `next`, num_free long; a
 * buffer in flight is a chain from its head, whose cookie is cookie[head]. avail->idx is only
 * written after the ring entry (release order), the device's used->idx is read before its
 * entries (acquire). Memory is coherent on x86, so no cache maintenance.
 */
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/virtio.h>
#include <keel/vm.h>

#define VIRTQ_MAX	256
#define VIRTQ_USED_OFF	1024		/* avail of 256: 6 + 512 bytes fits below */

int virtq_alloc(struct virtq *q, unsigned index, unsigned size)
{
	uint8_t *ring;

	if (size == 0 || size > VIRTQ_MAX || (size & (size - 1)))
		return -EINVAL;
	*q = (struct virtq){ .index = index, .size = size };
	q->pages[0] = page_alloc_zeroed(PAGE_KERNEL);
	q->pages[1] = page_alloc_zeroed(PAGE_KERNEL);
	q->cookie = kzalloc(size * sizeof(void *));
	if (!q->pages[0] || !q->pages[1] || !q->cookie) {
		virtq_free(q);
		return -ENOMEM;
	}
	ring = q->pages[1];
	q->desc = q->pages[0];
	q->avail = (volatile struct virtq_avail *)ring;
	q->used = (volatile struct virtq_used *)(ring + VIRTQ_USED_OFF);
	for (unsigned i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_head = 0;
	q->num_free = (uint16_t)size;
	return 0;
}

void virtq_free(struct virtq *q)
{
	for (unsigned i = 0; i < 2; i++)
		if (q->pages[i])
			page_free(q->pages[i]);
	kfree(q->cookie);
	*q = (struct virtq){ 0 };
}

int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n, void *cookie)
{
	uint16_t head = q->free_head, d = head, last = head;

	if (n == 0)
		return -EINVAL;
	if (q->num_free < n)
		return -ENOSPC;
	for (unsigned i = 0; i < n; i++) {
		q->desc[d].addr = segs[i].addr;
		q->desc[d].len = segs[i].len;
		q->desc[d].flags = (uint16_t)((segs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		last = d;
		d = q->desc[d].next;
	}
	q->free_head = q->desc[last].next;
	q->num_free = (uint16_t)(q->num_free - n);
	q->cookie[head] = cookie;
	q->avail->ring[q->avail_idx % q->size] = head;
	q->avail_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->avail->idx = q->avail_idx;
	return 0;
}

void virtq_kick(struct virtq *q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* avail->idx before the doorbell */
	*q->notify = (uint16_t)q->index;
}

void *virtq_get_used(struct virtq *q, uint32_t *len)
{
	uint16_t idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	uint32_t id;
	uint16_t d, n = 1;
	void *cookie;

	if (idx == q->last_used)
		return NULL;
	id = q->used->ring[q->last_used % q->size].id;
	*len = q->used->ring[q->last_used % q->size].len;
	q->last_used++;
	if (id >= q->size || !q->cookie[id])
		return NULL;		/* a device bug: never a wild pointer */
	cookie = q->cookie[id];
	q->cookie[id] = NULL;
	for (d = (uint16_t)id; (q->desc[d].flags & VIRTQ_DESC_F_NEXT) && n < q->size; n++)
		d = q->desc[d].next;
	q->desc[d].next = q->free_head;
	q->free_head = (uint16_t)id;
	q->num_free = (uint16_t)(q->num_free + n);
	return cookie;
}
