/*
 * string.h — the libc header lwIP includes, for lwIP's files and keel's port only (they alone
 * have kernel/net/lwip/include on their include path): keel's own string functions.
 */
#ifndef KEEL_LWIP_STRING_H
#define KEEL_LWIP_STRING_H
#include <keel/string.h>
#endif
