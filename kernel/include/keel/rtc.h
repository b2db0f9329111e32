/*
 * keel/rtc.h — the wall clock: the CMOS real-time clock read once at boot (kernel/drivers/).
 *
 * rtc_init() reads the MC146818-compatible CMOS clock (which keeps UTC on every machine and
 * emulator keel targets) and records the wall-clock time at the moment time_ns() was read;
 * from then on the wall clock is that epoch plus monotonic time, so it never jumps unless
 * rtc_set_realtime() moves it. The date arithmetic (rtc_time.c) is pure and host-tested.
 */
#ifndef KEEL_RTC_H
#define KEEL_RTC_H

#include <keel/types.h>

/* A calendar date and time of day, UTC. month 1..12, day 1..31, hour 0..23. */
struct rtc_date {
	int year, month, day, hour, min, sec;
};

/* The clock registers as read from the chip, undecoded. */
struct rtc_regs {
	uint8_t sec, min, hour, day, month, year;
	uint8_t century;		/* the FADT's century register, if has_century */
	bool has_century;
	uint8_t status_b;		/* RTC_B_* format bits */
};

#define RTC_B_24H	0x02		/* hours 0..23 (else 1..12 with bit 7 = PM) */
#define RTC_B_BINARY	0x04		/* binary fields (else BCD) */

/* Decodes raw registers into *d: BCD or binary, 12- or 24-hour; a two-digit year without a
 * century register is 2000..2069 for 00..69 and 1970..1999 otherwise. 0, or -EINVAL when a
 * field is not a valid BCD number or the date does not exist. */
int rtc_decode(const struct rtc_regs *r, struct rtc_date *d);
/* True when d names a real moment (leap years included; no leap seconds) at or after 1970. */
bool rtc_date_valid(const struct rtc_date *d);
/* Seconds since 1970-01-01 00:00:00 UTC for a valid date. */
int64_t rtc_date_to_epoch(const struct rtc_date *d);
/* The inverse, for any epoch >= 0. */
void rtc_epoch_to_date(int64_t epoch, struct rtc_date *d);

/* Reads the CMOS clock and sets the boot epoch. Once, at boot, after acpi_init (the century
 * register) and time_init. Without a usable clock the wall clock starts at 0 (1970). */
void rtc_init(void);
/* Nanoseconds since 1970-01-01 UTC now (CLOCK_REALTIME). */
uint64_t rtc_realtime_ns(void);
/* Moves the wall clock so that it reads ns now (clock_settime, settimeofday). */
void rtc_set_realtime(uint64_t ns);
/* Reads the chip now: 0 and *d, or -EIO when it cannot be read or holds an invalid date. */
int rtc_read(struct rtc_date *d);

#endif
