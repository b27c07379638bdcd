/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the syscall injections' filters look at in a call (kmod/inject_call.c),
 * and the passes of calls made again (kmod/inject_pass.c).
 */
#ifndef INSIGHT_INJECT_H
#define INSIGHT_INJECT_H

#include <linux/types.h>
#include <linux/insight.h>
#include <insight/inject_args.h>

/**
 * struct insight_call - what the filters look at in one syscall
 * @kinds: the INSIGHT_INJECT_FD_* kind of its fd, or 0 (no fd)
 * @port: its sockaddr's port, or its socket's peer's, or 0
 * @path: its path, or its fd's ("" if neither)
 */
struct insight_call {
	u32 kinds;
	u32 port;
	char path[INSIGHT_INJECT_PATH_MAX];
};

void insight_call_read(struct insight_call *c, long nr, const unsigned long *a);
bool insight_call_matches(const struct insight_inject_spec *sp, long nr,
			  const struct insight_call *c);

/* kmod/inject.c: whether an injection of syscall @nr is on the list (RCU) */
bool insight_syscall_armed(long nr);

/* kmod/inject_pass.c: the one call a task makes again, not injected again */
void insight_pass_give(long nr, unsigned long ip);
bool insight_pass_take(long nr, unsigned long ip);
void insight_pass_drop(long nr);

#endif
