/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the syscall sandbox (sandbox.c), its replay of the request
 * (replay.c) and the probes' fault rules (fault.c).
 */
#ifndef _INSIGHT_SANDBOX_H
#define _INSIGHT_SANDBOX_H

#include <linux/task_work.h>
#include <insight/syscall_class.h>

struct insight_session;
struct insight_probe;
struct pt_regs;

/**
 * struct insight_sys_work - an intercepted syscall, finished in task context
 * @cb: the task_work
 * @s: the session (alive while @s->pending counts this work)
 * @p: the probe
 * @kind: what to do
 * @nr: syscall number
 * @args: its arguments
 */
struct insight_sys_work {
	struct callback_head cb;
	struct insight_session *s;
	struct insight_probe *p;
	enum insight_syscall_class kind;
	long nr;
	unsigned long args[6];
};

/* kmod/fault.c: a probe's fault rules */
u32 insight_fault_of(struct insight_session *s, struct insight_probe *p, long nr,
		     struct pt_regs *regs);
int insight_fault_store(struct insight_session *s, struct insight_probe *p, u32 nr,
			u32 err, const char *path);
void insight_faults_free(struct insight_probe *p);

/* kmod/replay.c: the replayed input, the reader, the request's end */
long insight_replay(struct insight_sys_work *w);
long insight_park(struct insight_session *s, long nr);
bool insight_request_done(struct insight_session *s, struct insight_probe *p,
			  long nr, int fd);

#endif /* _INSIGHT_SANDBOX_H */
