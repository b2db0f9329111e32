/*
 * tests/unit/krename.h — gives the kernel's libc-named functions k_ names in a host binary.
 *
 * lib/string.c and lib/printf.c define memset, strlen, snprintf and friends under their
 * standard names; linked into a host program those would replace the C library's. The
 * Makefile force-includes this file into every kernel object, so the kernel's code calls
 * k_memset and so on (the kernel's own versions, which is what we want to test). A test that
 * needs the kernel's prototypes includes it around the keel header:
 *
 *	#include "krename.h"
 *	#include <keel/string.h>		declares k_memset, ...
 *	#define KRENAME_UNDO
 *	#include "krename.h"			memset is libc's again
 *
 * No include guard: it is meant to be read twice.
 */
#ifndef KRENAME_UNDO
#define memset		k_memset
#define memcpy		k_memcpy
#define memmove		k_memmove
#define memcmp		k_memcmp
#define memchr		k_memchr
#define strrchr		k_strrchr
#define strlen		k_strlen
#define strnlen		k_strnlen
#define strcmp		k_strcmp
#define strncmp		k_strncmp
#define strchr		k_strchr
#define strlcpy		k_strlcpy
#define snprintf	k_snprintf
#define vsnprintf	k_vsnprintf
#else
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef memchr
#undef strrchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy
#undef snprintf
#undef vsnprintf
#undef KRENAME_UNDO
#endif
