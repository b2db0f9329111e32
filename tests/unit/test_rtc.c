/*
 * tests/unit/test_rtc.c — drivers/rtc_time.c: CMOS register decoding (BCD/binary, 12/24-hour,
 * century) and the date <-> epoch conversion, against values from Python's calendar.timegm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/errno.h>
#include <keel/rtc.h>
#include "stubs.h"

static const struct {
	struct rtc_date d;
	int64_t epoch;
} known[] = {
	{ { 1970, 1, 1, 0, 0, 0 }, 0 },
	{ { 1972, 2, 29, 0, 0, 0 }, 68169600 },
	{ { 2000, 2, 29, 12, 34, 56 }, 951827696 },
	{ { 2024, 12, 31, 23, 59, 59 }, 1735689599 },
	{ { 2038, 1, 19, 3, 14, 7 }, 2147483647 },
	{ { 2100, 3, 1, 0, 0, 0 }, 4107542400 },
};

static void date_to_epoch_matches_known_values(void **state)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct rtc_date *d = &known[i].d;

	(void)state;
		assert_true(rtc_date_valid(d));
		if (rtc_date_to_epoch(d) != known[i].epoch)
			fail_msg("%04d-%02d-%02d %02d:%02d:%02d: expected %lld, got %lld", d->year,
				 d->month, d->day, d->hour, d->min, d->sec,
				 (long long)known[i].epoch, (long long)rtc_date_to_epoch(d));
	}
}

static void epoch_to_date_inverts_date_to_epoch(void **state)
{
	struct rtc_date d;

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		rtc_epoch_to_date(known[i].epoch, &d);
		assert_memory_equal(&d, &known[i].d, sizeof(d));
	}
	/* Every day for three centuries, at an odd time of day. */
	for (int64_t e = 3723; e < 4102444800 + 200LL * 86400 * 365; e += 86400) {
		rtc_epoch_to_date(e, &d);
		if (!rtc_date_valid(&d) || rtc_date_to_epoch(&d) != e)
			fail_msg("epoch %lld -> %04d-%02d-%02d %02d:%02d:%02d does not round-trip",
				 (long long)e, d.year, d.month, d.day, d.hour, d.min, d.sec);
	}
}

static void date_valid_knows_month_lengths_and_leap_years(void **state)
{
	struct rtc_date ok29 = { 2000, 2, 29, 0, 0, 0 }, bad29 = { 1900 + 200, 2, 29, 0, 0, 0 };
	struct rtc_date apr31 = { 2024, 4, 31, 0, 0, 0 }, sec60 = { 2024, 1, 1, 0, 0, 60 };
	struct rtc_date early = { 1969, 12, 31, 23, 59, 59 }, m13 = { 2024, 13, 1, 0, 0, 0 };

	(void)state;
	assert_true(rtc_date_valid(&ok29));
	assert_false(rtc_date_valid(&bad29));		/* 2100 is not a leap year */
	assert_false(rtc_date_valid(&apr31));
	assert_false(rtc_date_valid(&sec60));
	assert_false(rtc_date_valid(&early));
	assert_false(rtc_date_valid(&m13));
}

static void decode_bcd_24h_without_century(void **state)
{
	struct rtc_regs r = { .sec = 0x56, .min = 0x34, .hour = 0x12, .day = 0x29, .month = 0x02,
			      .year = 0x00, .status_b = RTC_B_24H };
	struct rtc_date d, want = { 2000, 2, 29, 12, 34, 56 };

	(void)state;
	assert_int_equal(rtc_decode(&r, &d), 0);
	assert_memory_equal(&d, &want, sizeof(d));
	r.year = 0x69;
	r.day = 0x28;
	assert_int_equal(rtc_decode(&r, &d), 0);
	assert_int_equal(d.year, 2069);
	r.year = 0x70;
	assert_int_equal(rtc_decode(&r, &d), 0);
	assert_int_equal(d.year, 1970);
}

static void decode_binary_and_century(void **state)
{
	struct rtc_regs r = { .sec = 59, .min = 59, .hour = 23, .day = 31, .month = 12,
			      .year = 24, .century = 20, .has_century = true,
			      .status_b = RTC_B_24H | RTC_B_BINARY };
	struct rtc_date d, want = { 2024, 12, 31, 23, 59, 59 };

	(void)state;
	assert_int_equal(rtc_decode(&r, &d), 0);
	assert_memory_equal(&d, &want, sizeof(d));
	r.status_b = RTC_B_24H;				/* the same registers read as BCD */
	r.sec = 0x59, r.min = 0x59, r.hour = 0x23, r.day = 0x31, r.month = 0x12;
	r.year = 0x24, r.century = 0x20;
	assert_int_equal(rtc_decode(&r, &d), 0);
	assert_memory_equal(&d, &want, sizeof(d));
}

/* 12-hour mode: bit 7 of the hour is PM; 12 AM is midnight and 12 PM is noon. */
static void decode_12_hour_mode(void **state)
{
	static const struct { uint8_t raw; uint8_t b; int hour; } cases[] = {
		{ 0x12, 0, 0 }, { 0x92, 0, 12 }, { 0x01, 0, 1 }, { 0x81, 0, 13 }, { 0x91, 0, 23 },
		{ 0x11, 0, 11 }, { 12, RTC_B_BINARY, 0 }, { 0x80 | 12, RTC_B_BINARY, 12 },
		{ 0x80 | 11, RTC_B_BINARY, 23 },
	};
	struct rtc_date d;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool bin = cases[i].b & RTC_B_BINARY;
		struct rtc_regs r = { .sec = 0, .min = 0, .hour = cases[i].raw, .day = 1,
				      .month = 1, .year = bin ? 24 : 0x24, .status_b = cases[i].b };

		assert_int_equal(rtc_decode(&r, &d), 0);
		if (d.hour != cases[i].hour)
			fail_msg("hour register %#x (status B %#x): expected %d, got %d",
				 cases[i].raw, cases[i].b, cases[i].hour, d.hour);
	}
}

static void decode_refuses_garbage(void **state)
{
	struct rtc_regs good = { .sec = 0x00, .min = 0x00, .hour = 0x10, .day = 0x15,
				 .month = 0x06, .year = 0x24, .status_b = RTC_B_24H }, r;
	struct rtc_date d;

	(void)state;
	assert_int_equal(rtc_decode(&good, &d), 0);
	r = good, r.sec = 0x1a;				/* not BCD */
	assert_int_equal(rtc_decode(&r, &d), -EINVAL);
	r = good, r.hour = 0x24;
	assert_int_equal(rtc_decode(&r, &d), -EINVAL);
	r = good, r.month = 0x02, r.day = 0x30;		/* February 30 */
	assert_int_equal(rtc_decode(&r, &d), -EINVAL);
	r = good, r.status_b = 0, r.hour = 0x00;	/* no hour 0 on a 12-hour clock */
	assert_int_equal(rtc_decode(&r, &d), -EINVAL);
	r = good, r.has_century = true, r.century = 0xff;
	assert_int_equal(rtc_decode(&r, &d), -EINVAL);
	r = good, r.status_b = RTC_B_24H | RTC_B_BINARY, r.year = 200;
	assert_int_equal(rtc_decode(&r, &d), -EINVAL);
	r = good, r.month = 0x00;
	assert_int_equal(rtc_decode(&r, &d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(date_to_epoch_matches_known_values),
		cmocka_unit_test(epoch_to_date_inverts_date_to_epoch),
		cmocka_unit_test(date_valid_knows_month_lengths_and_leap_years),
		cmocka_unit_test(decode_bcd_24h_without_century),
		cmocka_unit_test(decode_binary_and_century),
		cmocka_unit_test(decode_12_hour_mode),
		cmocka_unit_test(decode_refuses_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
