/*
 * drivers/rtc.c — the CMOS real-time clock (MC146818 and compatibles) and the wall clock.
 *
 * The chip sits behind an index/data port pair; its date registers change once a second
 * during an "update in progress" window flagged by status register A. A read is therefore
 * taken only outside that window and repeated until two consecutive reads agree, so a date
 * torn across a second boundary (23:59:59 of one day and 00:00 of the next) is never used.
 * Format (BCD or binary, 12- or 24-hour) comes from status register B; decoding is in
 * rtc_time.c.
 *
 * The wall clock is realtime_offset + time_ns(): set once here from the chip and moved only
 * by rtc_set_realtime(). Locking: cmos_lock (irq-saving) serializes index/data port pairs;
 * the offset is one 64-bit word read and written atomically.
 */
#include <keel/rtc.h>
#include <keel/acpi.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/spinlock.h>
#include <keel/time.h>
#include <arch/io.h>

#define CMOS_INDEX	0x70		/* bit 7 would mask NMIs; keel leaves it clear */
#define CMOS_DATA	0x71
#define CMOS_SEC	0x00
#define CMOS_MIN	0x02
#define CMOS_HOUR	0x04
#define CMOS_DAY	0x07		/* day of month */
#define CMOS_MONTH	0x08
#define CMOS_YEAR	0x09
#define CMOS_STATUS_A	0x0a
#define CMOS_STATUS_B	0x0b
#define STATUS_A_UIP	0x80		/* update in progress: date registers are changing */

#define UIP_WAIT_NS	(10 * 1000 * 1000ULL)	/* the window lasts under 2 ms */
#define READ_TRIES	5

static struct spinlock cmos_lock = SPINLOCK_INIT("cmos");
static int64_t realtime_offset;		/* wall-clock ns at time_ns() == 0 */

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* One snapshot of the clock registers, taken outside an update; false if UIP never ends. */
static bool read_regs(struct rtc_regs *r, uint8_t century_reg)
{
	uint64_t give_up = time_ns() + UIP_WAIT_NS;
	bool f = spin_lock_irqsave(&cmos_lock), ok = false;

	while (cmos_read(CMOS_STATUS_A) & STATUS_A_UIP)
		if (time_ns() >= give_up)
			goto out;
	r->sec = cmos_read(CMOS_SEC);
	r->min = cmos_read(CMOS_MIN);
	r->hour = cmos_read(CMOS_HOUR);
	r->day = cmos_read(CMOS_DAY);
	r->month = cmos_read(CMOS_MONTH);
	r->year = cmos_read(CMOS_YEAR);
	r->has_century = century_reg != 0;
	r->century = century_reg ? cmos_read(century_reg) : 0;
	r->status_b = cmos_read(CMOS_STATUS_B);
	ok = true;
out:
	spin_unlock_irqrestore(&cmos_lock, f);
	return ok;
}

static bool regs_equal(const struct rtc_regs *a, const struct rtc_regs *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
	       a->month == b->month && a->year == b->year && a->century == b->century &&
	       a->status_b == b->status_b;
}

int rtc_read(struct rtc_date *d)
{
	const struct acpi_fadt *fadt = &acpi()->fadt;
	uint8_t century = fadt->present ? fadt->century : 0;
	struct rtc_regs a, b;

	if (fadt->present && (fadt->boot_arch & ACPI_BOOT_NO_CMOS_RTC))
		return -EIO;
	if (!read_regs(&a, century))
		return -EIO;
	for (int i = 0; i < READ_TRIES; i++) {
		if (!read_regs(&b, century))
			return -EIO;
		if (regs_equal(&a, &b))
			return rtc_decode(&b, d) == 0 ? 0 : -EIO;
		a = b;
	}
	return -EIO;
}

void rtc_init(void)
{
	struct rtc_date d;
	uint64_t now = time_ns();

	if (rtc_read(&d) != 0) {
		pr_warn("rtc: no readable CMOS clock; the wall clock starts at 1970-01-01\n");
		return;
	}
	__atomic_store_n(&realtime_offset, rtc_date_to_epoch(&d) * (int64_t)NSEC_PER_SEC -
			 (int64_t)now, __ATOMIC_RELAXED);
	pr_info("rtc: %04d-%02d-%02d %02d:%02d:%02d UTC\n", d.year, d.month, d.day, d.hour,
		d.min, d.sec);
}

uint64_t rtc_realtime_ns(void)
{
	return (uint64_t)(__atomic_load_n(&realtime_offset, __ATOMIC_RELAXED) +
			  (int64_t)time_ns());
}

void rtc_set_realtime(uint64_t ns)
{
	__atomic_store_n(&realtime_offset, (int64_t)ns - (int64_t)time_ns(), __ATOMIC_RELAXED);
}
