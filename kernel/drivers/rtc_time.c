/*
 * drivers/rtc_time.c — the pure half of the RTC driver: register decoding and calendar math.
 *
 * No I/O here, so the host unit tests link it alone. Dates are proleptic Gregorian, UTC, with
 * no leap seconds (as POSIX time). The day count uses the era-based "days from civil" method:
 * shifting the year to start in March puts the leap day last, so a day of the year is a pure
 * function of the month and the 400-year cycle (146097 days) does the rest.
 */
#include <keel/rtc.h>
#include <keel/errno.h>

#define SECS_PER_DAY		86400
#define DAYS_PER_ERA		146097	/* 400 Gregorian years */
#define DAYS_0000_TO_1970	719468	/* from 0000-03-01 to 1970-01-01 */

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

bool rtc_date_valid(const struct rtc_date *d)
{
	return d->year >= 1970 && d->year <= 9999 && d->month >= 1 && d->month <= 12 &&
	       d->day >= 1 && d->day <= days_in_month(d->year, d->month) &&
	       d->hour >= 0 && d->hour <= 23 && d->min >= 0 && d->min <= 59 &&
	       d->sec >= 0 && d->sec <= 59;
}

/* Days from 1970-01-01 to y-m-d (y >= 0). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;				/* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* 0..365, from March 1 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */
	return era * DAYS_PER_ERA + doe - DAYS_0000_TO_1970;
}

int64_t rtc_date_to_epoch(const struct rtc_date *d)
{
	return days_from_civil(d->year, d->month, d->day) * SECS_PER_DAY +
	       d->hour * 3600 + d->min * 60 + d->sec;
}

void rtc_epoch_to_date(int64_t epoch, struct rtc_date *d)
{
	int64_t days = epoch / SECS_PER_DAY, secs = epoch % SECS_PER_DAY;
	int64_t z = days + DAYS_0000_TO_1970, era = z / DAYS_PER_ERA;
	int64_t doe = z - era * DAYS_PER_ERA;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	d->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d->year = (int)(yoe + era * 400 + (d->month <= 2));
	d->hour = (int)(secs / 3600);
	d->min = (int)(secs / 60 % 60);
	d->sec = (int)(secs % 60);
}

/* A BCD byte's value, or -1 when a nibble is not a decimal digit. */
static int from_bcd(uint8_t v)
{
	if ((v & 0xf) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0xf);
}

static int field(uint8_t v, bool binary)
{
	return binary ? v : from_bcd(v);
}

int rtc_decode(const struct rtc_regs *r, struct rtc_date *d)
{
	bool bin = r->status_b & RTC_B_BINARY, pm = false;
	uint8_t hour = r->hour;
	int year;

	if (!(r->status_b & RTC_B_24H)) {
		pm = hour & 0x80;
		hour &= 0x7f;
	}
	d->sec = field(r->sec, bin);
	d->min = field(r->min, bin);
	d->hour = field(hour, bin);
	d->day = field(r->day, bin);
	d->month = field(r->month, bin);
	year = field(r->year, bin);
	if (d->sec < 0 || d->min < 0 || d->hour < 0 || d->day < 0 || d->month < 0 || year < 0 ||
	    year > 99)
		return -EINVAL;
	if (!(r->status_b & RTC_B_24H)) {
		if (d->hour < 1 || d->hour > 12)
			return -EINVAL;
		d->hour = d->hour % 12 + (pm ? 12 : 0);		/* 12 AM is 0, 12 PM is 12 */
	}
	if (r->has_century) {
		int c = field(r->century, bin);

		if (c < 19 || c > 99)
			return -EINVAL;
		d->year = c * 100 + year;
	} else {
		d->year = year < 70 ? 2000 + year : 1900 + year;
	}
	return rtc_date_valid(d) ? 0 : -EINVAL;
}
