/*
 * main.c — kmain, the boot CPU's path from the first C instruction to a running kernel.
 *
 * The order is the dependency order: per-CPU block and traps first (so any fault is reported),
 * the console, the clock (so log lines carry time), boot information, command line, memory
 * (map, page tables, frames, heap), the scheduler, then what the command line asks for: the
 * in-kernel tests or the monitor, each in a kernel thread; kmain's own context ends as the boot
 * CPU's idle thread.
 */
#include <keel/block.h>
#include <keel/net.h>
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/boot.h>
#include <keel/cmdline.h>
#include <keel/console.h>
#include <keel/frame.h>
#include <keel/futex.h>
#include <keel/heap.h>
#include <keel/hpet.h>
#include <keel/ksyms.h>
#include <keel/ktest.h>
#include <keel/netdev.h>
#include <keel/pci.h>
#include <keel/log.h>
#include <keel/mm.h>
#include <keel/monitor.h>
#include <keel/panic.h>
#include <keel/printf.h>
#include <keel/proc.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/random.h>
#include <keel/rtc.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/socket.h>
#include <keel/time.h>
#include <keel/vfs.h>

extern char __kernel_phys_start[], __bss_end[];

static __noreturn void boot_fail(const char *why)
{
	console_display_early(&boot_info);	/* no screen yet: VGA text on BIOS machines */
	kprintf("keel: %s\nkeel: cannot continue; halting.\n", why);
	console_drain();
	arch_halt_forever();
}

static void log_boot_info(void)
{
	pr_info("boot: loaded by %s%s%s%s from %s, info block %#lx-%#lx\n", boot_info.loader,
		boot_info.loader_name[0] ? " (" : "", boot_info.loader_name,
		boot_info.loader_name[0] ? ")" : "", boot_info.efi ? "UEFI" : "BIOS",
		boot_info.info_start, boot_info.info_end);
	pr_info("boot: command line \"%s\"\n", boot_info.cmdline);
	for (unsigned i = 0; i < boot_info.nmodules; i++)
		pr_info("boot: module %u %#lx-%#lx \"%s\"\n", i, boot_info.modules[i].start,
			boot_info.modules[i].end, boot_info.modules[i].name);
}

static char init_path[256] = "/sbin/init";
static bool monitor_wanted;

static int set_init(const char *v)
{
	if (!v || v[0] != '/' || strlen(v) >= sizeof(init_path))
		return -EINVAL;
	strlcpy(init_path, v, sizeof(init_path));
	return 0;
}
CMDLINE_PARAM("init", set_init, "init=/ABSOLUTE/PATH");

static int set_monitor(const char *v)
{
	monitor_wanted = true;
	return v ? -EINVAL : 0;
}
CMDLINE_PARAM("monitor", set_monitor, "monitor (the kernel monitor instead of init)");

static bool monitor_requested(void)
{
	return monitor_wanted;
}

/* The first thread, on CPU 0 (the ktest runner's fault catches and the monitor's console
 * interrupt live there): the file system (it sleeps on locks, so it needs a thread), then the
 * tests, init (after which it is the reaper of dead user threads), or the monitor. */
static int first_thread(void *arg)
{
	int err;

	fs_init(&boot_info);
	netdev_init();			/* the rx queue and thread, before any NIC registers */
	net_drivers_init();		/* known to PCI before it probes, in bus order */
	block_drivers_init();		/* the buffer cache, and the disk drivers likewise */
	pci_init();
	net_init();			/* lwIP, lo, and a netif per NIC registered above */
	vfs_mount_boot();		/* mount=DEV:DIR, now that the disks are known */
	if (ktest_requested())
		ktest_run_and_poweroff();
	if (!monitor_requested()) {
		static char buf[BOOT_CMDLINE_MAX];
		static char *args[33];

		if (cmdline_init_args(boot_info.cmdline, buf, sizeof(buf), args, 33) < 0) {
			pr_warn("init: too many or too long arguments after --; init gets none\n");
			args[0] = NULL;
		}
		err = proc_start_init(init_path, args);
		if (!err)
			proc_reaper();
		pr_err("init: cannot start %s (error %d); the kernel monitor runs instead\n",
		       init_path, err);
	}
	monitor_run();
}

static void start_first_thread(void)
{
	cpumask_t boot_cpu = cpumask_of(0);

	arch_console_irq_init();	/* COM1 input wakes CPU 0 through the IOAPIC */
	if (!thread_create_on(ktest_requested() ? "ktest" : "first", first_thread, NULL,
			      &boot_cpu))
		boot_fail("no memory for the first thread");
}

__noreturn void kmain(uint32_t magic, phys_addr_t info);

__noreturn void kmain(uint32_t magic, phys_addr_t info)
{
	uint64_t boot_ns;

	arch_early_init();
	console_init();
	time_init();
	kprintf("\nkeel x86-64 kernel\n");
	if (!arch_boot_info(magic, info, &boot_info))
		boot_fail(magic == 0x2badb002 || magic == 0x36d76289 ?
			  "the Multiboot information block is missing or unreadable" :
			  "not started by a Multiboot loader (unknown magic in %eax)");
	console_display_early(&boot_info);	/* VGA text, when that is the screen */
	cmdline_parse(boot_info.cmdline);
	log_boot_info();
	arch_log_cpu();
	arch_log_time();
	mm_init(&boot_info);
	console_display_late(&boot_info);	/* the framebuffer console, through iomap */
	sched_init();
	acpi_init();			/* firmware tables, then the HPET they name */
	hpet_init();
	arch_time_refine();
	rtc_init();			/* the wall clock; the century register is in the FADT */
	random_init();
	smp_init();			/* interrupt controllers, then every other CPU */
	syscall_init();
	unix_init();			/* AF_UNIX into the socket family table */
	futex_init();			/* its hash table is sized by the CPU count */
	pr_info("kernel: image %lu KiB, %zu symbols\n",
		((uintptr_t)__bss_end - KERNEL_VMA_BASE - (uintptr_t)__kernel_phys_start) / 1024,
		ksyms_count());
	boot_ns = time_ns();
	pr_info("boot: done in %lu.%03lu ms since kernel entry\n", boot_ns / 1000000,
		boot_ns / 1000 % 1000);

	if (crash_requested())
		crash_now();
	start_first_thread();
	sched_start_cpu();		/* this context becomes CPU 0's idle thread */
}
