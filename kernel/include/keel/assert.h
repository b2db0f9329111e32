/*
 * keel/assert.h — saying which lock a function needs, and checking it in the debug build.
 *
 * A function whose comment says "X held" (the *_locked functions) states it with
 * assert_spin_held(&X) or assert_mutex_held(&X) as its first line. In the debug build
 * (KEEL_DEBUG) a caller that does not hold the lock panics there, naming the function and the
 * lock; in the release build the check compiles to nothing (the argument is not evaluated
 * beyond its type).
 */
#ifndef KEEL_ASSERT_H
#define KEEL_ASSERT_H

#include <keel/panic.h>
#include <keel/spinlock.h>
#include <keel/sync.h>

#ifdef KEEL_DEBUG
#define assert_spin_held(l) do {						\
	if (unlikely(!spin_held(l)))						\
		panic("%s: spinlock %s is not held by this CPU", __func__, (l)->name);	\
} while (0)
#define assert_mutex_held(m) do {						\
	if (unlikely(!mutex_held(m)))						\
		panic("%s: mutex %s is not held by this thread", __func__, (m)->name);	\
} while (0)
#else
#define assert_spin_held(l)	((void)sizeof(l))
#define assert_mutex_held(m)	((void)sizeof(m))
#endif

#endif
