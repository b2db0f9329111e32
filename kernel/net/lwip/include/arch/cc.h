/*
 * arch/cc.h — lwIP's compiler and platform glue for keel (lwIP includes it from lwip/arch.h).
 *
 * Types come from the compiler's freestanding <stdint.h>; there is no libc, so the printf
 * formats, byte swapping, diagnostics and assertions map onto keel's own (kprintf, panic). An
 * lwIP assertion is an internal invariant of the stack, never a check on what the network
 * sent, so it panics with lwIP's message and place.
 */
#ifndef KEEL_LWIP_ARCH_CC_H
#define KEEL_LWIP_ARCH_CC_H

#include <keel/types.h>
#include <keel/printf.h>
#include <keel/panic.h>

#define LWIP_NO_INTTYPES_H	1
#define LWIP_NO_UNISTD_H	1
#define LWIP_NO_CTYPE_H		1
#define LWIP_NO_LIMITS_H	0

#define X8_F	"02x"
#define U16_F	"u"
#define S16_F	"d"
#define X16_F	"x"
#define U32_F	"u"
#define S32_F	"d"
#define X32_F	"x"
#define SZT_F	"zu"

#define BYTE_ORDER	LITTLE_ENDIAN
#define lwip_htons(x)	((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x)	((u32_t)__builtin_bswap32((u32_t)(x)))

#define LWIP_PLATFORM_DIAG(x)	do { kprintf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)	panic("lwip: assertion \"%s\" failed at %s:%d", (x), __FILE__, __LINE__)

#define LWIP_RAND()	((u32_t)lwip_port_rand())
unsigned lwip_port_rand(void);

#endif
