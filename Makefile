# keel — top-level build. `make help` lists the targets.
#
# The kernel is linked twice: the first link gives the addresses for the symbol table
# (tools/gen-ksyms), the second puts the table in .ksyms; tools/check-image then proves the
# second link moved no function and that the file layout matches the Multiboot1 header.

BUILD    ?= build
DEBUG    ?= 1
CC       := gcc
LD       := ld
PYTHON   := python3
V        ?= 0
ifeq ($(V),0)
Q        := @
say       = @printf '  %-7s %s\n' $(1) $(2);
else
Q        :=
say       =
endif

KCFLAGS  := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mno-red-zone \
            -mgeneral-regs-only -mcmodel=kernel -fno-stack-protector \
            -fno-omit-frame-pointer -fno-optimize-sibling-calls -fno-tree-loop-distribute-patterns -fcf-protection=none \
            -fno-asynchronous-unwind-tables -Wall -Wextra -Werror -Wno-unused-parameter \
            -Wstrict-prototypes -Wmissing-prototypes -Ikernel/include \
            -Ikernel/arch/x86_64/include -MMD -MP
ifeq ($(DEBUG),1)
KCFLAGS  += -DKEEL_DEBUG
endif
# UBSAN=1 (opt-in until the two ktest findings in docs/reliability.md are fixed):
UBSAN    ?= 0
ifeq ($(UBSAN),1)
# The undefined-behaviour sanitizer (kernel/lib/ubsan.c holds keel's handlers: log, panic).
# On: shifts past the width or of negative values, signed overflow, division by zero, array
# indexes out of bounds (known sizes), VLA bounds, invalid bool/enum loads, ctz/clz of 0,
# __builtin_unreachable. Off: null and alignment (x86 allows unaligned access and the kernel
# probes bad pointers on purpose under fault catches), object-size (needs -O and miscounts
# flexible arrays), pointer-overflow (the direct map and address arithmetic wrap by design),
# float checks (no FP in the kernel). keel's own files only; lwIP is third-party.
KSAN     := -fsanitize=shift,signed-integer-overflow,integer-divide-by-zero,bounds,vla-bound \
            -fsanitize=bool,enum,builtin,unreachable
endif
# The handlers and the printf they use are not instrumented (a report must not recurse).
KSAN_OFF := $(BUILD)/kernel/lib/ubsan.c.o $(BUILD)/kernel/lib/printf.c.o
$(KSAN_OFF): KSAN :=
KASFLAGS := $(filter-out -std=gnu11 -Wstrict-prototypes -Wmissing-prototypes,$(KCFLAGS)) -D__ASSEMBLER__
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

KSRCS    := $(shell find kernel -name '*.c' -o -name '*.S' | grep -v 'kernel\.ld\.S' | sort)
KOBJS    := $(patsubst %,$(BUILD)/%.o,$(KSRCS))

# lwIP (docs/net.md): Debian's source package, unpacked by tools/fetch-lwip into $(LWIP_DIR),
# compiled with the kernel's flags plus the port's headers (kernel/net/lwip/include). Only
# lwIP's own files get the -Wno- below; keel's files that include lwIP's headers (kernel/net,
# the network ktests) get the include paths.
# The source tree does not depend on the build's flags: one copy serves build/ and build/release.
LWIP_DIR   ?= build/third_party/lwip
LWIP_STAMP := $(LWIP_DIR)/.keel-lwip-ok
LWIP_FILES := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c \
              core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c \
              core/tcp.c core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
              core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
              core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c api/tcpip.c netif/ethernet.c
LWIP_OBJS  := $(patsubst %.c,$(BUILD)/lwip/%.o,$(LWIP_FILES))
LWIP_INC   := -Ikernel/net/lwip/include -I$(LWIP_DIR)/src/include
LWIP_USERS := $(filter $(BUILD)/kernel/net/%,$(KOBJS))
KOBJS      += $(LWIP_OBJS)
# The console font (docs/boot.md): a Debian console font re-laid out by tools/mkfont into a
# Latin-1-indexed PSF2 and linked in as a blob (_binary_font_psf_start/_end); never committed.
FONT_SRC ?= /usr/share/consolefonts/Lat15-Terminus16.psf.gz
KOBJS    += $(BUILD)/font.o
KERNEL   := $(BUILD)/keel.elf

.PHONY: all kernel user iso run debug test conformance bench fuzz clean help setup

# make run: ACCEL=auto takes KVM when /dev/kvm is usable and is not the paravirtual kvm_pvm
# (under which every page-table write traps and keel's boot takes ~12 s instead of 0.06 s).
ACCEL    ?= auto
RUN_ACCEL = $(shell if [ "$(ACCEL)" != auto ]; then echo $(ACCEL); \
              elif [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then \
              echo kvm; else echo tcg; fi)
QEMU_CPU  = $(if $(filter kvm,$(RUN_ACCEL)),max$(comma)-arch-capabilities,max)
comma    := ,
QEMU_RUN  = qemu-system-x86_64 -accel $(RUN_ACCEL) -cpu $(QEMU_CPU) -m 256 -smp 2 \
            -no-reboot -display none -serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=4
# make run's NIC: virtio-net on QEMU's user network (DHCP gives 10.0.2.15; the host is 10.0.2.2),
# the host's 127.0.0.1:HOSTFWD forwarded to guest port 80, where /etc/rc.httpd starts httpd
# (init's --rc; RC= boots without it; an APPEND with its own `--` needs RC=); HOSTFWD= gives no
# forward.
HOSTFWD  ?= 8080
RC       ?= /etc/rc.httpd
RUN_NET   = -netdev user,id=n0$(if $(HOSTFWD),$(comma)hostfwd=tcp:127.0.0.1:$(HOSTFWD)-:80) \
            -device virtio-net-pci,netdev=n0

# make run's disk: an ext2 image kept across runs (made with mke2fs -d at first use), mounted
# by the kernel at /home (the mount= word; docs/storage.md). DISK= boots without one.
DISK     ?= $(BUILD)/disk.img
DISK_MB  ?= 256
RUN_DISK  = $(if $(DISK),-drive file=$(abspath $(DISK))$(comma)format=raw$(comma)if=none$(comma)id=disk0 \
            -device virtio-blk-pci$(comma)drive=disk0)
RUN_APPEND= $(strip $(if $(DISK),mount=/dev/vda:/home) $(APPEND) $(if $(RC),-- --rc $(RC)))

all: kernel user

kernel: $(KERNEL)

help:
	@echo "make run     build and boot keel in QEMU (serial on this terminal, Ctrl-A X quits)"
	@echo "make test    build and run every test; ends with 'N passed, N failed'"
	@echo "make iso     build/keel.iso, a GRUB image for Bochs, QEMU and real PCs"
	@echo "make debug   QEMU halted at the first instruction with a GDB stub"
	@echo "make bench   benchmarks into bench/results/"
	@echo "make conformance  busybox's own testsuite, keel vs Linux (docs/testing.md)"
	@echo "make fuzz    sysfuzz on keel: SECONDS=N SEED=S (docs/reliability.md)"

$(BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(KCFLAGS) $(KSAN) $(CFLAGS_EXTRA) -c $< -o $@

$(LWIP_STAMP): tools/fetch-lwip
	$(call say,FETCH,lwip)tools/fetch-lwip $(LWIP_DIR)

$(LWIP_OBJS): $(BUILD)/lwip/%.o: $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(call say,CC,lwip/$*.c)$(CC) $(KCFLAGS) $(LWIP_INC) -Wno-missing-prototypes \
		-Wno-sign-compare -Wno-type-limits -Wno-address -c $(LWIP_DIR)/src/$*.c -o $@

$(LWIP_USERS): CFLAGS_EXTRA := $(LWIP_INC)
$(LWIP_USERS): | $(LWIP_STAMP)

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(call say,AS,$<)$(CC) $(KASFLAGS) -c $< -o $@

$(BUILD)/font.psf: tools/mkfont tools/psf.py
	@mkdir -p $(dir $@)
	$(call say,FONT,$@)$(PYTHON) tools/mkfont $(FONT_SRC) $@

$(BUILD)/font.o: $(BUILD)/font.psf
	$(Q)cd $(BUILD) && objcopy -I binary -O elf64-x86-64 -B i386:x86-64 \
		--rename-section .data=.rodata.font,alloc,load,readonly,data,contents font.psf font.o

$(BUILD)/kernel.ld: kernel/kernel.ld.S kernel/include/keel/memlayout.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -D__ASSEMBLER__ -Ikernel/include $< -o $@

$(BUILD)/ksyms-empty.o: tools/gen-ksyms
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/gen-ksyms --empty > $(BUILD)/ksyms-empty.S
	$(Q)$(CC) $(KASFLAGS) -c $(BUILD)/ksyms-empty.S -o $@

$(BUILD)/keel.pass1.elf: $(KOBJS) $(BUILD)/ksyms-empty.o $(BUILD)/kernel.ld
	$(call say,LD,$@)$(LD) $(KLDFLAGS) -T $(BUILD)/kernel.ld -o $@ $(KOBJS) $(BUILD)/ksyms-empty.o

$(KERNEL): $(BUILD)/keel.pass1.elf tools/gen-ksyms tools/check-image
	$(call say,KSYMS,$@)$(PYTHON) tools/gen-ksyms $(BUILD)/keel.pass1.elf > $(BUILD)/ksyms.S
	$(Q)$(CC) $(KASFLAGS) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(call say,LD,$@)$(LD) $(KLDFLAGS) -T $(BUILD)/kernel.ld -o $@.tmp $(KOBJS) $(BUILD)/ksyms.o
	$(call say,CHECK,$@)$(PYTHON) tools/check-image $@.tmp $(BUILD)/keel.pass1.elf
	$(Q)mv $@.tmp $@

-include $(KOBJS:.o=.d)

# ---- user space (user/Makefile): programs in $(BUILD)/user/bin, the root tree $(BUILD)/initrd,
# and $(BUILD)/initrd.cpio, which tools/keel-run and `make run` pass as the initrd module.
user:
	$(Q)$(MAKE) -s --no-print-directory -C user BUILD=$(abspath $(BUILD))

# Flags live here: a changed Makefile rebuilds everything.
$(KOBJS) $(BUILD)/kernel.ld: Makefile

setup:
	@tools/setup

# Interactive: KVM when it works (QEMU falls back to TCG by itself), serial on this terminal.
$(BUILD)/disk.img:
	@mkdir -p $(BUILD)/disk-skel
	@printf 'This is /home on keel: an ext2 filesystem in %s that survives reboots.\n' \
		$(abspath $@) > $(BUILD)/disk-skel/README
	$(call say,MKE2FS,$@)mke2fs -q -t ext2 -d $(BUILD)/disk-skel $@ $(DISK_MB)M

run: setup kernel user $(DISK)
	@echo "keel: booting in QEMU ($(RUN_ACCEL)); Ctrl-A X quits"
	@echo "keel: $(if $(DISK),$(DISK) (ext2) mounted at /home,no disk)"
	@echo "keel: virtio-net on QEMU's user network$(if $(HOSTFWD),; 127.0.0.1:$(HOSTFWD) -> guest port 80)"
	@$(if $(RC),echo "keel: $(RC) starts httpd: the dashboard at http://localhost:$(HOSTFWD)/ (user admin; password printed at its first boot)")
	@# isa-debug-exit: a guest power-off with status 0 makes QEMU exit 1. QEMU names the
	@# module by the path given, so it runs in $(BUILD) to call it "initrd.cpio".
	cd $(BUILD) && $(QEMU_RUN) $(RUN_NET) $(RUN_DISK) -kernel $(abspath $(KERNEL)) \
		-initrd initrd.cpio -append "$(RUN_APPEND)" || [ $$? -eq 1 ]

# QEMU stopped at the first instruction; build/keel.gdb loads the symbols and connects.
debug: setup kernel
	@printf 'file %s\ntarget remote localhost:1234\nhbreak kmain\n' $(KERNEL) > $(BUILD)/keel.gdb
	@echo "keel: QEMU waits for gdb. In another terminal: gdb -x $(BUILD)/keel.gdb, then 'continue'"
	qemu-system-x86_64 -accel tcg -cpu max -m 256 -no-reboot -display none \
		-serial mon:stdio -s -S -kernel $(KERNEL) -append "$(APPEND)"

iso: $(BUILD)/keel.iso

$(BUILD)/keel.iso: $(KERNEL) user tools/mkiso
	$(call say,ISO,$@)tools/mkiso $@ $(KERNEL) --cmdline "$(APPEND)" \
		--module $(BUILD)/initrd.cpio:initrd.cpio

# Everything: host unit tests, ktests on QEMU (1 and 2 CPUs) and Bochs, integration checks.
test: setup kernel user
	@$(PYTHON) tests/run_tests.py $(TESTFLAGS)

# busybox's whole testsuite on keel and on Linux, compared (tests/busybox_test.py; docs/testing.md);
# make test runs a bounded subset of it (suite busybox). The summary is build/busytest/summary.txt.
conformance: setup kernel user
	@$(PYTHON) tests/run_tests.py --only conformance

# sysfuzz on keel at 4 CPUs for SECONDS (default 300) with SEED (default: random, printed);
# a host watchdog fails the run on a hang, a panic or a broken-invariant line.
SECONDS  ?= 300
SEED     ?= 0
fuzz: setup kernel user
	@$(PYTHON) tests/fuzz_test.py --seconds $(SECONDS) --seed $(SEED) --calls 1000000000

# keel (the release build, DEBUG=0) and Linux side by side on QEMU TCG (tools/bench); ACCEL=kvm
# measures keel alone. BENCHFLAGS passes more options, e.g. BENCHFLAGS="--smp 2 --args=-q".
bench: setup kernel user
	$(Q)$(MAKE) --no-print-directory DEBUG=0 BUILD=$(BUILD)/release kernel
	@$(PYTHON) tools/bench --kernel $(BUILD)/release/keel.elf \
		$(if $(filter kvm,$(ACCEL)),--accel kvm) $(BENCHFLAGS)
	@# the GRE tunnel's cost between two keel VMs (docs/netlab.md): root and Open vSwitch only
	@if [ "$$(id -u)" -eq 0 ] && command -v ovs-vswitchd >/dev/null; then \
		NETLAB_KERNEL=$(abspath $(BUILD)/release/keel.elf) tools/netlab bench; \
	else echo "bench: netlab skipped (needs root and openvswitch-switch)"; fi

clean:
	rm -rf $(BUILD)
