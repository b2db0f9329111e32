/*
 * arch/x86_64/test_fpu.c — ktests of the vector-state plumbing that user programs cannot reach:
 * the exception-table catch around XRSTOR of a user image, and the image checks before it.
 */
#include <keel/ktest.h>
#include <keel/errno.h>
#include <keel/string.h>
#include "fpu.h"

static char img[XSTATE_MAX] __aligned(64);

static void good_image(void)
{
	memset(img, 0, sizeof(img));
	*(uint16_t *)img = 0x37f;
	*(uint32_t *)(img + 24) = 0x1f80;
}

KTEST(fpu_xrstor_of_a_bad_header_is_caught_not_fatal)
{
	good_image();
	KT_EQ(fpu_try_restore_std(img), 0);
	if (xstate.kind == XS_FXSAVE)
		return;				/* no header to break */
	((uint64_t *)(img + 512))[0] = 1ULL << 62;	/* XSTATE_BV outside XCR0 */
	KT_EQ(fpu_try_restore_std(img), -EFAULT);
	good_image();
	((uint64_t *)(img + 512))[2] = 1;		/* a reserved header word */
	KT_EQ(fpu_try_restore_std(img), -EFAULT);
	good_image();
	KT_EQ(fpu_try_restore_std(img), 0);		/* and the CPU is none the worse */
}

KTEST(fpu_image_checks_refuse_what_xrstor_would)
{
	good_image();
	KT_ASSERT(xstate_std_image_ok(img), "the init image was refused");
	*(uint32_t *)(img + 24) = 0xffffffff;
	KT_ASSERT(!xstate_std_image_ok(img), "reserved MXCSR bits accepted");
	good_image();
	if (xstate.kind != XS_FXSAVE) {
		((uint64_t *)(img + 512))[1] = 1ULL << 63;	/* compacted XCOMP_BV */
		KT_ASSERT(!xstate_std_image_ok(img), "a compacted header accepted");
	}
}
