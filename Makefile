# SPDX-License-Identifier: GPL-2.0
#
# Insight's convenience Makefile; insight.ko itself is described by Kbuild.
#
#   make deps    install build/test dependencies, fetch guest kernel + kselftest
#   make         build insight.ko, bpf objects + skeletons, the CLI, the tests
#   make check   deps, build, host tests, then guest tests in qemu
#   make demo    boot the guest and run the demo
#   make bench   benchmarks on the host and in one guest boot -> $(O)/bench.json
#   make soak    the netlink fuzzer at length in one guest (SOAK_MESSAGES, SEED)
#   make sparse  run sparse over insight.ko (C=2)
#   make doc     the netlink ABI reference, from the uapi header's kernel-doc
#   make install   the CLI, insight.ko, bash completion, docs (DESTDIR, PREFIX)
#   make uninstall what make install put there
#   make dkms-src  insight.ko's sources and dkms.conf under
#                  /usr/src/insight-VERSION, for dkms install (DESTDIR)
#   make deb       the Debian packages insight-dkms and insight -> $(O)/deb
#
# Variables: O (output folder, default out), FLAVOUR (cloud-amd64 or
# amd64), KVER (6.1.0-NN-FLAVOUR, resolved from the metapackage when
# unset), KDIR (kernel headers), V=1 (show commands), SOAK_MESSAGES
# (default 2000000), SEED (replay a fuzzer run).

O ?= out
override O := $(abspath $(O))
FLAVOUR ?= cloud-amd64
# Resolved once and only when used: `make deps` may have to fetch apt
# lists before the metapackage can be read.
KVER ?= $(eval KVER := $(shell tools/kver.sh $(FLAVOUR)))$(KVER)
KDIR ?= /usr/src/linux-headers-$(KVER)
GUEST = $(O)/guest/$(KVER)
export O FLAVOUR

ifeq ($(V),1)
Q :=
KBUILD_V := V=1
else
Q := @
KBUILD_V :=
MAKEFLAGS += --no-print-directory
endif
say = $(if $(Q),@printf '  %-8s %s\n' '$(1)' '$(patsubst $(O)/%,%,$(2))')

# CC and CFLAGS may be given on the command line or in the environment.
ifeq ($(origin CC),default)
CC := gcc
endif
CFLAGS ?= -O2 -g
CLANG ?= clang
BPFTOOL ?= bpftool

UAPI := include/uapi/linux/insight.h
# -MMD -MP: each object's header dependencies, in a .d file beside it
CFLAGS_USER := $(CFLAGS) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP \
	-Iinclude/uapi -Iinclude -I/usr/include/libnl3 -I/usr/include/json-c -Iuser -I$(O)/bpf
CFLAGS_TEST := $(CFLAGS_USER) -I$(O)/ksft -Itests/lib -Iuser/explore -Wno-unused-parameter -Wno-sign-compare
NL_LIBS := -lnl-genl-3 -lnl-route-3 -lnl-3 -lpthread -lm
BPF_LIBS := -lbpf -lelf -lz -lzstd
JSON_LIBS := -ljson-c
DIS_LIBS := -lcapstone -ldw -lelf -lz -llzma -lbz2 -lzstd -lpthread
# The guest is a bare busybox: what runs there is linked statically.
STATIC := -static

.PHONY: all deps check demo demo-fmap bench soak image kmod testmods clean sparse help doc man \
	install uninstall dkms-src deb deb-guest
.DEFAULT_GOAL := all
# never keep a target whose recipe failed half way
.DELETE_ON_ERROR:

all: kmod testmods $(O)/insight unit-tests host-tests guest-tests bench-tools image doc man

help:
	@sed -n '3,17p' Makefile

deps:
	$(Q)tools/deps.sh

$(O)/guest/current/vmlinux $(O)/ksft/kselftest_harness.h &:
	$(Q)tools/deps.sh guest ksft

# ---- insight.ko (kbuild, out of tree, W=1) --------------------------------
KMOD_SRCS := Kbuild $(wildcard kmod/*.c kmod/*.S kmod/*.h include/insight/*.h) $(UAPI)
TESTMOD_SRCS := $(wildcard tests/modules/*.c) tests/modules/Kbuild

kmod: $(O)/insight.ko
testmods: $(O)/modules/.stamp

# kbuild writes objects next to the sources it is given: give it a tree
# of symlinks in $(O) so the source tree stays clean.
# $(call kbuild,BUILD-DIR,SOURCE-ROOT,FILES,EXTRA-ARGS)
define kbuild
	$(Q)set -e; for f in $(3); do \
		mkdir -p $(1)/$$(dirname $$f); ln -sfn $(CURDIR)/$(2)$$f $(1)/$$f; done
	$(Q)test -d $(KDIR) || { echo "no kernel headers at $(KDIR) (run: make deps)"; exit 1; }
	+$(Q)$(MAKE) -C $(KDIR) M=$(1) O= W=1 $(KBUILD_V) $(4) modules
endef

$(O)/insight.ko: $(KMOD_SRCS)
	$(call say,KBUILD,$@)
	$(call kbuild,$(O)/kbuild,,$(KMOD_SRCS))
	$(Q)cp $(O)/kbuild/insight.ko $@

$(O)/modules/.stamp: $(TESTMOD_SRCS)
	$(call say,KBUILD,$(O)/modules)
	$(call kbuild,$(O)/kbuild-tests,tests/modules/,$(TESTMOD_SRCS:tests/modules/%=%))
	$(Q)mkdir -p $(O)/modules && cp $(O)/kbuild-tests/*.ko $(O)/modules/ && touch $@

# The netlink ABI reference, from the uapi header's kernel-doc.
# ---- manual pages (rst2man): insight(8), insight-CMD(8), insight.ko(4) ------
# A subcommand's NAME, SYNOPSIS, DESCRIPTION and OPTIONS come from its
# --help (tools/manpage.sh), the rest from Documentation/man/.
MAN_CMDS := version status sites explore record trace inject faults campaign shadow
MAN_PAGES := $(O)/man/insight.8 $(O)/man/insight.ko.4 \
	$(patsubst %,$(O)/man/insight-%.8,$(MAN_CMDS))
man: $(MAN_PAGES)

$(O)/man/insight-%.8: Documentation/man/insight-%.8.rst Documentation/man/exit-status.inc \
		tools/manpage.sh $(O)/insight
	$(call say,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/manpage.sh $(O)/insight $* Documentation/man/exit-status.inc $< >$@.rst
	$(Q)rst2man --strict $@.rst >$@.tmp && mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }

$(O)/man/%: Documentation/man/%.rst
	$(call say,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rst2man --strict $< >$@.tmp && mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }

doc: $(O)/Documentation/abi-reference.rst
$(O)/Documentation/abi-reference.rst: $(UAPI)
	$(call say,KDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)perl $(KDIR)/scripts/kernel-doc -rst $< 2>/dev/null >$@

sparse: $(KMOD_SRCS)
	$(call kbuild,$(O)/kbuild,,$(KMOD_SRCS),C=2)

# ---- eBPF: vmlinux.h from the guest's BTF, objects, skeletons -------------
$(O)/bpf/vmlinux.h: | $(O)/guest/current/vmlinux
	$(call say,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(O)/guest/current/vmlinux format c >$@.tmp && mv $@.tmp $@

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(O)/bpf/vmlinux.h
	$(call say,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -MMD -MP \
		-I$(O)/bpf -Iinclude/uapi -Iinclude -c $< -o $@

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(call say,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf >$@.tmp && mv $@.tmp $@

BPF_SKELS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.skel.h,$(wildcard bpf/*.bpf.c))
# keep the objects the skeletons are made from
.SECONDARY: $(BPF_SKELS:.skel.h=.bpf.o)

# ---- userspace: libinsight, the CLI --------------------------------------
# Every .c below user/ (the CLI's subcommands, user/explore/, user/ptrace/)
# is one object; each program below links the objects it needs.
USER_SRCS := $(wildcard user/*.c user/*/*.c)
CLI_OBJS := $(patsubst user/%.c,$(O)/user/%.o,$(USER_SRCS)) $(O)/user/syscalls.o
UNISTD_64 := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
uobj = $(patsubst %,$(O)/user/%.o,$(1))

$(O)/user/syscalls.c: tools/gen-syscalls.sh $(UNISTD_64)
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/gen-syscalls.sh $(UNISTD_64) >$@.tmp && mv $@.tmp $@

$(O)/user/syscalls.o: $(O)/user/syscalls.c
	$(call say,CC,$@)
	$(Q)$(CC) $(CFLAGS_USER) -c $< -o $@

# An object without its .d (built before -MMD, or the .d lost) is rebuilt:
# each .d is a target of its own (end of file), so a missing one is new.
$(O)/user/%.o: user/%.c $(O)/user/%.d
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_USER) -c $< -o $@

# A skeleton is a real prerequisite of the objects that include it (the
# first build has no .d files yet to say so).
$(O)/user/stream.o: $(O)/bpf/stream.skel.h

$(O)/insight: $(CLI_OBJS)
	$(call say,LD,$@)
	$(Q)tools/static-ld.sh $(CC) $(STATIC) -o $@ $^ $(NL_LIBS) $(DIS_LIBS) $(BPF_LIBS) $(JSON_LIBS)

# ---- tests ----------------------------------------------------------------
# tests/unit: pure (no privileges, no kernel features); tests/host: on the
# build host (root, BPF, ptrace, the CLI); tests/guest: in the qemu guest.
# tests/lib is an archive: a test links only the members it uses (and
# must then link the user objects those need, below)
TEST_LIB_OBJS := $(patsubst tests/lib/%.c,$(O)/tests/lib/%.o,$(wildcard tests/lib/*.c))
TEST_LIB := $(O)/tests/lib/libtest.a
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*_test.c))
HOST_TESTS := $(patsubst tests/host/%.c,$(O)/tests/host/%,$(wildcard tests/host/*_test.c))
GUEST_TESTS := $(patsubst tests/guest/%.c,$(O)/tests/guest/%,$(wildcard tests/guest/*_test.c))
KSFT := $(O)/ksft/kselftest_harness.h

$(O)/tests/lib/%.o: tests/lib/%.c $(O)/tests/lib/%.d | $(KSFT)
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_TEST) -c $< -o $@

$(TEST_LIB): $(TEST_LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# What each test links besides the harness and tests/lib: user objects
# (TEST_OBJS) and libraries (TEST_LIBS), by the test's name.
OBJS_NL := $(patsubst user/%.c,$(O)/user/%.o,$(wildcard user/libinsight/*.c))
OBJS_SITES := $(call uobj,sites plt fnstarts)
OBJS_PTRACE := $(patsubst user/%.c,$(O)/user/%.o,$(wildcard user/ptrace/*.c))
# the failure record (user/record.c) and what it uses
OBJS_RECORD := $(call uobj,record format) $(O)/user/syscalls.o
OBJS_EXPLORE := $(filter-out %/cmd_explore.o,$(patsubst user/%.c,$(O)/user/%.o,$(wildcard user/explore/*.c)))
TEST_OBJS.match_test := $(call uobj,match)
# tests that write failure records (tests/lib/failure_record.c)
$(foreach t,record_format explore cli,$(eval TEST_OBJS.$(t)_test := $(OBJS_RECORD)))
$(foreach t,record_format explore cli,$(eval TEST_LIBS.$(t)_test := $(JSON_LIBS)))
TEST_OBJS.stream_test := $(call uobj,stream proctree)
TEST_LIBS.stream_test := $(BPF_LIBS)
TEST_OBJS.elfsym_test := $(call uobj,elfsym)
TEST_LIBS.elfsym_test := $(DIS_LIBS)
TEST_LIBS.campaign_test := $(JSON_LIBS)
TEST_OBJS.fmap_test := $(call uobj,campaign/fmap campaign/fmap_out campaign/run campaign/stack proctree \
	campaign/advise)
TEST_LIBS.fmap_test := $(JSON_LIBS)
TEST_OBJS.manerrors_test := $(call uobj,manerrors)
TEST_LIBS.manerrors_test := -lz
TEST_OBJS.sites_test := $(OBJS_SITES)
TEST_LIBS.sites_test := $(DIS_LIBS)
TEST_OBJS.shadow_test := $(call uobj,shadow/qmp)
TEST_OBJS.shadow_cmdline_test := $(call uobj,shadow/cmdline)
TEST_OBJS.shadow_net_test := $(call uobj,shadow/peers) $(call uobj,shadow/netlog)
TEST_LIBS.shadow_test := $(JSON_LIBS)
# the backend contract (tests/guest/backend*_test.c, and their host builds)
BACKEND_TESTS := backend backend_probes backend_resume backend_done backend_caps backend_open \
	backend_peer backend_fault backend_nproc backend_eventfd
$(foreach t,$(BACKEND_TESTS),$(eval TEST_OBJS.$(t)_test := $(OBJS_PTRACE) $(OBJS_NL) \
	$(call uobj,backend_kmod)))
$(foreach t,$(BACKEND_TESTS),$(eval TEST_LIBS.$(t)_test := $(NL_LIBS)))
TEST_OBJS.search_test := $(OBJS_EXPLORE) $(call uobj,match format) $(O)/user/syscalls.o
TEST_OBJS.report_test := $(TEST_OBJS.search_test)
$(foreach t,search report,$(eval TEST_LIBS.$(t)_test += $(DIS_LIBS)))
TEST_OBJS.jcc_test :=
GUEST_NL_TESTS := attach caps_smp deny event fork fork_token fuzz genl idle_fork inject session \
	sandbox shared_maps step teardown threads
$(foreach t,$(GUEST_NL_TESTS),$(eval TEST_OBJS.$(t)_test := $(OBJS_NL)))
$(foreach t,$(GUEST_NL_TESTS),$(eval TEST_LIBS.$(t)_test := $(NL_LIBS)))
$(foreach t,session sandbox cli teardown,$(eval TEST_OBJS.$(t)_test += $(OBJS_SITES)))
$(foreach t,session sandbox cli teardown,$(eval TEST_LIBS.$(t)_test += $(DIS_LIBS)))

.SECONDEXPANSION:
$(O)/tests/%: tests/%.c $(O)/tests/%.d $(TEST_LIB) $$(TEST_OBJS.$$(notdir $$@)) | $(KSFT)
	$(call say,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/static-ld.sh $(CC) $(CFLAGS_TEST) $(STATIC) -o $@ $< $(TEST_LIB) \
		$(TEST_OBJS.$(notdir $@)) $(TEST_LIBS.$(notdir $@)) -lpthread -lm

# programs the guest tests run as targets (static, -O2, known branches)
TARGETS := $(patsubst tests/targets/%.c,$(O)/tests/guest/targets/%,$(wildcard tests/targets/*.c))
$(O)/tests/guest/targets/%: tests/targets/%.c
	$(call say,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Wall -Wextra -Werror $(STATIC) -o $@ $<
# webish linked dynamically: its libc calls go through the PLT; and the
# same stripped of its symbols (-s), as Debian ships its servers
TARGETS += $(O)/tests/guest/targets/webish_dyn $(O)/tests/guest/targets/webish_stripped
$(O)/tests/guest/targets/webish_dyn $(O)/tests/guest/targets/webish_stripped: tests/targets/webish.c
	$(call say,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Wall -Wextra -Werror $(if $(filter %_stripped,$@),-s) -o $@ $<
# 32-bit targets: no 32-bit libc here, so freestanding (-nostdlib)
TARGETS32 := $(patsubst tests/targets32/%.c,$(O)/tests/guest/targets/%,$(wildcard tests/targets32/*.c))
TARGETS += $(TARGETS32)
$(TARGETS32): $(O)/tests/guest/targets/%: tests/targets32/%.c
	$(call say,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -m32 -O2 -Wall -Wextra -Werror -nostdlib -static -ffreestanding -fno-pic \
		-no-pie -o $@ $<

unit-tests: $(UNIT_TESTS)
host-tests: $(HOST_TESTS)
guest-tests: $(GUEST_TESTS) $(TARGETS)
.PHONY: unit-tests host-tests guest-tests bench-tools

# ---- benchmarks -----------------------------------------------------------
BENCH_TOOLS := $(patsubst tools/bench/%.c,$(O)/bench/%,$(wildcard tools/bench/*.c))
bench-tools: $(BENCH_TOOLS)

$(O)/bench/%: tools/bench/%.c $(OBJS_NL) $(O)/tests/lib/target.o
	$(call say,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/static-ld.sh $(CC) $(CFLAGS_USER) -Itests/lib $(STATIC) -o $@ $< \
		$(filter %.o,$^) $(NL_LIBS)

# ---- the guest image ------------------------------------------------------
IMAGE := $(O)/guest/initrd.cpio.gz
image: $(IMAGE)

$(IMAGE): $(O)/insight.ko $(O)/modules/.stamp $(O)/insight $(GUEST_TESTS) $(TARGETS) \
		$(BENCH_TOOLS) tests/guest/run.sh tools/vm/init tools/vm/mkimage \
		$(wildcard tests/suite/* tests/stack/* tests/realworld/*)
	$(call say,IMAGE,$@)
	$(Q)tools/vm/mkimage $@ $(O)/insight.ko:insight/insight.ko \
		$(O)/insight:insight/bin/insight $(O)/modules:insight/modules \
		$(O)/tests/guest:insight/tests tests/guest/run.sh:insight/tests/run \
		tests/suite:insight/suite tests/stack:insight/stack tests/realworld:insight/realworld \
		$(O)/bench:insight/bench /usr/share/man/man2:usr/share/man/man2

# ---- the README's commands -----------------------------------------------
check:
	$(Q)$(MAKE) deps
	$(Q)$(MAKE) all deb deb-guest
	$(Q)INSIGHT_KERNEL_DOC=$(KDIR)/scripts/kernel-doc tools/check.sh

demo:
	$(Q)$(MAKE) deps
	$(Q)$(MAKE) all
	$(Q)tools/demo.sh

demo-fmap:
	$(Q)$(MAKE) deps
	$(Q)$(MAKE) all
	$(Q)tools/demo-fmap.sh

bench:
	$(Q)$(MAKE) deps
	$(Q)tools/deps.sh bench
	$(Q)$(MAKE) all
	$(Q)tools/bench/run.sh

# The fuzzer (tests/guest/fuzz_test.c) with SOAK_MESSAGES requests, in a
# guest with every SLUB check on (a use-after-free shows); 1.2 ms a request
# under TCG with slub_debug=U, so the guest gets 3 ms each and ten minutes.
SOAK_MESSAGES ?= 2000000
soak:
	$(Q)$(MAKE) deps
	$(Q)$(MAKE) all
	$(Q)tools/vm/run --smp 1 --append slub_debug=FZPU \
		--timeout $$(( $(SOAK_MESSAGES) * 3 / 1000 + 600 )) \
		--env INSIGHT_FUZZ_MESSAGES=$(SOAK_MESSAGES) \
		$(if $(SEED),--env INSIGHT_FUZZ_SEED=$(SEED)) -- /insight/tests/fuzz_test

# ---- install (DESTDIR, PREFIX) ---------------------------------------------
# The CLI in sbin (root's tool: it needs CAP_SYS_ADMIN and BPF), insight.ko
# under the kernel's updates/ (depmod run unless DESTDIR is set), the bash
# completion, the documentation.  INSTALLED lists what goes where.
PREFIX ?= /usr/local
INSTALL_MODDIR = /lib/modules/$(KVER)/updates
INSTALLED = $(PREFIX)/sbin/insight:$(O)/insight:0755 \
	$(INSTALL_MODDIR)/insight.ko:$(O)/insight.ko:0644 \
	$(PREFIX)/share/bash-completion/completions/insight:tools/completion/insight.bash:0644 \
	$(foreach d,$(wildcard Documentation/*.rst),$(PREFIX)/share/doc/insight/$(notdir $(d)):$(d):0644) \
	$(foreach m,$(MAN_PAGES),$(PREFIX)/share/man/man$(subst .,,$(suffix $(m)))/$(notdir $(m)):$(m):0644)

install: $(O)/insight $(O)/insight.ko $(MAN_PAGES)
	$(Q)set -e; for e in $(INSTALLED); do \
		dst=$${e%%:*}; rest=$${e#*:}; \
		install -D -m $${rest##*:} $${rest%:*} "$(DESTDIR)$$dst"; \
	done
	$(Q)if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

uninstall:
	$(Q)for e in $(INSTALLED); do rm -f "$(DESTDIR)$${e%%:*}"; done
	$(Q)rmdir --ignore-fail-on-non-empty "$(DESTDIR)$(PREFIX)/share/doc/insight" \
		2>/dev/null || true
	$(Q)if [ -z "$(DESTDIR)" ]; then mandb -q 2>/dev/null || true; fi
	$(Q)if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

# ---- DKMS and the Debian packages (Documentation/install.rst) ---------------
# The version is dkms.conf's PACKAGE_VERSION, and nowhere else.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SRCS := dkms.conf $(KMOD_SRCS)
dkms-src:
	$(Q)set -e; for f in $(DKMS_SRCS); do \
		install -D -m 0644 $$f "$(DESTDIR)/usr/src/insight-$(VERSION)/$$f"; \
	done

deb: $(O)/insight $(MAN_PAGES)
	$(Q)tools/deb/build.sh $(VERSION)

# the clean bookworm guest make check installs the packages in
DEB_GUEST := $(O)/deb-guest/bookworm.cpio.gz
deb-guest: $(DEB_GUEST)
$(DEB_GUEST): tools/deb/root.sh tools/vm/init
	$(call say,ROOT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/deb/root.sh $(KVER) $@ $(O)/deb-guest/extra

clean:
	rm -rf $(O)

# header dependencies (-MMD): each .d an explicit target, so that a
# missing one makes its object out of date (see $(O)/user/%.o)
DEPFILES := $(CLI_OBJS:.o=.d) $(TEST_LIB_OBJS:.o=.d) $(UNIT_TESTS:=.d) $(HOST_TESTS:=.d) \
	$(GUEST_TESTS:=.d)
$(DEPFILES):
# header dependencies of everything built so far (-MMD)
-include $(shell find $(O)/user $(O)/tests $(O)/bpf $(O)/bench -name '*.d' 2>/dev/null)
