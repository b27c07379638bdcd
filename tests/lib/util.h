/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by Insight's tests: modules, child processes, slab
 * figures.  Functions return 0 or a negative errno.
 */
#ifndef INSIGHT_TEST_UTIL_H
#define INSIGHT_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Path of insight.ko: $INSIGHT_KO, else the guest image's copy. */
const char *insight_ko(void);
/* Path of a test module NAME.ko: $INSIGHT_MODULES/NAME.ko. */
const char *test_module(const char *name);

int mod_load(const char *path, const char *params);
int mod_unload(const char *name);
bool mod_loaded(const char *name);
/* Load insight.ko unless it is loaded already. */
int insight_ensure_loaded(void);
int insight_ensure_unloaded(void);

/*
 * Run argv[0] (a path) with argv; its stdout and stderr go into @out
 * (NUL-terminated, truncated to @outlen - 1).  Returns the wait status,
 * or -errno if it could not be run.
 */
int run_capture(char *const argv[], char *out, size_t outlen);

/* @len bytes of process @pid's memory at @addr (its code: int3s show). */
int read_mem(int pid, unsigned long long addr, void *buf, size_t len);

/* Path of the insight CLI: $INSIGHT_CLI, else /insight/bin/insight. */
const char *insight_cli(void);

/* How many processes have @text in their command line (a VM's qemu, say). */
int processes_naming(const char *text);

/* Bytes held by in-use slab objects (/proc/slabinfo), after RCU frees
 * settled: an approximate figure (SLUB counts per-CPU slabs as full). */
long long slab_active_bytes(void);

/*
 * Slab objects still allocated whose allocation site or stack lies in
 * code that no symbol covers any more, i.e. in a module that has been
 * unloaded: exact, but needs a guest booted with slub_debug=U (SLUB
 * tracking, /sys/kernel/debug/slab/<cache>/alloc_traces).  -ENOENT
 * without it.
 */
long long orphan_slab_objects(void);

/*
 * The kernel log: an fd on /dev/kmsg past its current end (or -errno),
 * and whether a record read from it from there contains @text.
 */
int kmsg_from_now(void);
bool kmsg_has(int fd, const char *text);

/* Drop privileges to nobody (uid/gid 65534), losing all capabilities. */
int become_nobody(void);
/*
 * Become nobody with CAP_SYS_ADMIN and no other capability: enough for
 * insight.ko's commands, not for ptrace's CAP_SYS_PTRACE.  Dumpable, as
 * a process started as nobody is.
 */
int become_nobody_admin(void);

#endif /* INSIGHT_TEST_UTIL_H */
