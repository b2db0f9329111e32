/*
 * monitor.c — the kernel monitor: `help`, `mem`, `cpus`, `sched`, `ktest [GLOB]`, `uptime`,
 * `reboot`, `poweroff`.
 *
 * Reads lines from the serial console with echo and backspace, and sleeps (hlt) between
 * keystrokes: the UART's receive interrupt wakes the CPU.
 */
#include <keel/monitor.h>
#include <keel/arch.h>
#include <keel/console.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/ktest.h>
#include <keel/printf.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/vm.h>

#define LINE_MAX	128

static void cmd_help(const char *arg)
{
	kprintf("commands:\n"
		"  help            this list\n"
		"  mem             frame allocator and heap statistics\n"
		"  cpus            the CPUs and their features\n"
		"  sched           per-CPU scheduler counters (switches, idle, IPIs, queues)\n"
		"  ktest [GLOB]    run in-kernel tests (all, or those matching GLOB)\n"
		"  uptime          time since kernel entry\n"
		"  reboot          reset the machine\n"
		"  poweroff        power the machine off\n");
}

static void cmd_mem(const char *arg)
{
	struct frame_stats st;
	struct heap_stats hs;

	frame_stats(&st);
	heap_stats(&hs);
	kprintf("frames: %zu total, %zu free (%zu MiB)\n", st.total_pages, st.free_pages,
		st.free_pages >> 8);
	kprintf("  order:       ");
	for (int k = 0; k <= MAX_ORDER; k++)
		kprintf("%6d", k);
	kprintf("\n  free blocks: ");
	for (int k = 0; k <= MAX_ORDER; k++)
		kprintf("%6zu", st.free_blocks[k]);
	kprintf("\n  used blocks: ");
	for (int k = 0; k <= MAX_ORDER; k++)
		kprintf("%6zu", st.alloc_blocks[k]);
	kprintf("\n  pages by state:");
	for (int s = 0; s < PAGE_STATE_COUNT; s++)
		if (st.state_pages[s])
			kprintf(" %s %zu,", page_state_name(s), st.state_pages[s]);
	kprintf("\nheap: %zu live objects, %zu bytes, %zu slab pages, %zu large blocks\n",
		hs.live_objects, hs.live_bytes, hs.slab_pages, hs.large_blocks);
	heap_dump();
	kprintf("page tables: %zu pages\n", vm_pagetable_pages());
}

static void cmd_ktest(const char *arg)
{
	int passed, skipped, failed = ktest_run(arg && *arg ? arg : "*", &passed, &skipped);

	ktest_print_summary(passed, failed, skipped);
}

static void cmd_uptime(const char *arg)
{
	uint64_t ns = time_ns();

	kprintf("up %lu.%03lu s\n", ns / NSEC_PER_SEC, ns / 1000000 % 1000);
}

static void cmd_cpus(const char *arg) { arch_log_cpu(); }
static void cmd_sched(const char *arg) { sched_dump(); }
static void cmd_reboot(const char *arg) { arch_reboot(); }
static void cmd_poweroff(const char *arg) { arch_poweroff(0); }

static const struct {
	const char *name;
	void (*fn)(const char *arg);
} commands[] = {
	{ "help", cmd_help }, { "mem", cmd_mem }, { "cpus", cmd_cpus }, { "sched", cmd_sched },
	{ "ktest", cmd_ktest },
	{ "uptime", cmd_uptime }, { "reboot", cmd_reboot }, { "poweroff", cmd_poweroff },
};

bool monitor_exec(char *line)
{
	char *arg;

	while (*line == ' ')
		line++;
	if (!*line)
		return true;
	arg = strchr(line, ' ');
	if (arg) {
		*arg++ = '\0';
		while (*arg == ' ')
			arg++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, line) == 0) {
			commands[i].fn(arg);
			return true;
		}
	}
	kprintf("unknown command \"%s\" (try help)\n", line);
	return false;
}

static void read_line(char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		int c = console_getc_wait();

		if (c == '\r' || c == '\n') {
			kprintf("\n");
			break;
		}
		if ((c == 0x7f || c == '\b') && n) {
			n--;
			kprintf("\b \b");
		} else if (c >= ' ' && c < 0x7f && n + 1 < size) {
			buf[n++] = (char)c;
			console_putc((char)c);
		}
	}
	buf[n] = '\0';
}

__noreturn void monitor_run(void)
{
	char line[LINE_MAX];

	arch_console_irq_init();
	kprintf("keel monitor: type 'help' for commands\n");
	for (;;) {
		kprintf("keel> ");
		read_line(line, sizeof(line));
		monitor_exec(line);
	}
}
