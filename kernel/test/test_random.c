/*
 * test/test_random.c — the random generator, the wall clock and the interruptible sleep as
 * the kernel runs them: output is neither constant nor repeated, the RTC gave a plausible
 * date, and sleeps are never short. (ChaCha20 itself is checked against RFC 8439 by the host
 * tests.)
 */
#include <keel/ktest.h>
#include <keel/random.h>
#include <keel/rtc.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>

#define MS	(1000 * 1000ULL)
#define EPOCH_2020	1577836800ULL	/* 2020-01-01 00:00:00 UTC */

KTEST(random_bytes_are_not_constant_or_repeated)
{
	uint8_t a[64], b[64], zero[64] = { 0 };
	uint64_t x = random_u64(), y = random_u64();

	random_bytes(a, sizeof(a));
	random_bytes(b, sizeof(b));
	KT_ASSERT(memcmp(a, zero, sizeof(a)) != 0, "64 random bytes were all zero");
	KT_ASSERT(memcmp(a, b, sizeof(a)) != 0, "two requests returned the same bytes");
	KT_ASSERT(x != y, "random_u64 repeated %#lx", x);
}

/* Bit balance over 64 KiB: a stuck or badly biased generator is far outside 50% +- 1%. */
KTEST(random_bytes_are_balanced_and_reseed)
{
	static uint8_t buf[64 * 1024];
	uint64_t ones = 0, bytes0, reseeds0, bytes1, reseeds1;

	random_stats(&bytes0, &reseeds0);
	for (int round = 0; round < 20; round++)	/* 1.25 MiB: past one reseed interval */
		random_bytes(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		for (uint8_t v = buf[i]; v; v &= v - 1)
			ones++;
	random_stats(&bytes1, &reseeds1);
	KT_ASSERT(ones > sizeof(buf) * 8 * 49 / 100 && ones < sizeof(buf) * 8 * 51 / 100,
		  "%lu one bits of %lu", ones, sizeof(buf) * 8);
	KT_ASSERT(bytes1 - bytes0 >= 20 * sizeof(buf), "byte counter moved by %lu",
		  bytes1 - bytes0);
	KT_ASSERT(reseeds1 > reseeds0, "no reseed after %lu bytes", bytes1 - bytes0);
}

KTEST(rtc_wall_clock_is_plausible_and_advances)
{
	struct rtc_date d;
	uint64_t a = rtc_realtime_ns(), b;

	KT_ASSERT(a / NSEC_PER_SEC > EPOCH_2020, "wall clock %lu s is before 2020",
		  a / NSEC_PER_SEC);
	KT_EQ(rtc_read(&d), 0);
	KT_ASSERT(d.year >= 2020 && d.year < 2200, "RTC year %d", d.year);
	/* The chip and the boot epoch + monotonic time agree within a couple of seconds. */
	KT_ASSERT((uint64_t)rtc_date_to_epoch(&d) + 2 >= a / NSEC_PER_SEC &&
		  (uint64_t)rtc_date_to_epoch(&d) <= a / NSEC_PER_SEC + 2,
		  "RTC says %ld, wall clock %lu", (long)rtc_date_to_epoch(&d), a / NSEC_PER_SEC);
	sched_sleep_ns(2 * MS);
	b = rtc_realtime_ns();
	KT_ASSERT(b >= a + 2 * MS, "wall clock moved %lu ns in a 2 ms sleep", b - a);
}

KTEST(sleep_until_is_never_early_in_a_kernel_thread)
{
	uint64_t t0 = time_ns(), dl = t0 + 10 * MS;

	KT_EQ(sleep_until(dl), 0);
	KT_ASSERT(time_ns() >= dl, "woke %lu ns early", dl - time_ns());
	KT_EQ(sleep_until(t0), 0);		/* a past deadline returns at once */
	KT_EQ(clock_abs_to_deadline(CLOCK_MONOTONIC, 0), 1);
	KT_EQ(clock_abs_to_deadline(CLOCK_REALTIME, 5), 1);	/* 1970: long past */
}
