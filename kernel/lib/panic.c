/*
 * lib/panic.c — the generic fatal path.
 *
 * panic() first offers the panic to an armed test catch (keel/fault.h), so a test can prove a
 * check fires. Otherwise it takes over the console, prints the message and a backtrace, and
 * stops every other CPU (each prints where it was) and then itself: halting for a person to read, or powering off with a failure status when a test run
 * asked for that (panic_poweroff), so a harness never waits for its timeout.
 */
#include <keel/panic.h>
#include <keel/arch.h>
#include <keel/console.h>
#include <keel/fault.h>
#include <keel/printf.h>

bool panic_poweroff;
static volatile int panicking;

void panic_begin(void)
{
	arch_irq_save();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		arch_halt_forever();		/* another CPU is already reporting */
	console_lock_break();
}

__noreturn void panic_stop(void)
{
	arch_stop_other_cpus();		/* they print where they were, then halt */
	if (panic_poweroff) {
		kprintf("keel: stopped after a fatal error; powering off\n");
		console_drain();
		arch_poweroff(PANIC_EXIT_STATUS);
	}
	kprintf("keel: stopped after a fatal error; the machine is halted\n");
	console_drain();
	arch_halt_forever();
}

__noreturn void panic(const char *fmt, ...)
{
	struct fault_catch *fc = fault_catch_current();
	va_list ap;

	va_start(ap, fmt);
	if (fc) {
		vsnprintf(fc->msg, sizeof(fc->msg), fmt, ap);
		va_end(ap);
		fc->vector = FAULT_PANIC;
		fault_catch_end();
		fault_catch_return(fc);
	}
	panic_begin();
	kprintf("\nPANIC: ");
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	arch_backtrace_here();
	panic_stop();
}
