/*
 * keel/list.h — intrusive circular doubly linked lists.
 *
 * A list head is a node that links to itself when empty. Nodes are embedded in the objects they
 * link; container_of() gets the object back. Pure: no locking, no allocation.
 */
#ifndef KEEL_LIST_H
#define KEEL_LIST_H

#include <keel/types.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }

static inline void list_init(struct list_node *h)
{
	h->next = h->prev = h;
}

static inline bool list_empty(const struct list_node *h)
{
	return h->next == h;
}

static inline void __list_insert(struct list_node *n, struct list_node *prev,
				 struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* Inserts n right after h (LIFO use). */
static inline void list_push(struct list_node *h, struct list_node *n)
{
	__list_insert(n, h, h->next);
}

/* Inserts n right before h, i.e. at the tail (FIFO use). */
static inline void list_append(struct list_node *h, struct list_node *n)
{
	__list_insert(n, h->prev, h);
}

static inline void list_remove(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

#define list_entry(n, type, member)	container_of(n, type, member)
#define list_first(h, type, member)	list_entry((h)->next, type, member)
#define list_for_each(it, h) \
	for (struct list_node *it = (h)->next; it != (h); it = it->next)
/* Iterates over the objects of type linked through member; var is declared by the macro. */
#define list_for_each_entry(var, h, type, member) \
	for (type *var = list_entry((h)->next, type, member); &var->member != (h); \
	     var = list_entry(var->member.next, type, member))
#define list_for_each_entry_reverse(var, h, type, member) \
	for (type *var = list_entry((h)->prev, type, member); &var->member != (h); \
	     var = list_entry(var->member.prev, type, member))
/* As list_for_each_entry, but var may be removed (and freed) by the loop body. */
#define list_for_each_entry_safe(var, h, type, member) \
	for (type *var = list_entry((h)->next, type, member), \
	     *var##_next = list_entry(var->member.next, type, member); \
	     &var->member != (h); \
	     var = var##_next, var##_next = list_entry(var->member.next, type, member))

#endif
