/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a campaign's stack (user/campaign/run.c): start and stop its
 * components, run commands under a deadline.
 */
#ifndef INSIGHT_CAMPAIGN_RUN_H
#define INSIGHT_CAMPAIGN_RUN_H

#include <stddef.h>
#include <sys/types.h>
#include "stack.h"

/* Called about every 50 ms while a command runs (the dry run polls its streams). */
typedef void (*run_idle_fn)(void *arg);

/*
 * Run sh -c @cmd in a process group of its own for at most @seconds, its
 * stdout into @out (@len bytes, NUL-terminated; NULL: discarded), stdin
 * and stderr /dev/null.  Its exit status, 128 + a signal, or -ETIMEDOUT
 * (the group was killed), -EINTR (*@stop became true: killed), -errno.
 */
int run_cmd(const char *cmd, double seconds, char *out, size_t len,
	    run_idle_fn idle, void *arg, volatile int *stop);

/*
 * Start every component in order, each ready (its "ready" command
 * succeeds) before the next: 0, or -1 with the component and why in
 * @why.  What was started stays started: stack_stop() stops it.
 */
int stack_start(struct stack *s, char *why, size_t len, volatile int *stop);
/* Stop every component, last first: SIGTERM to its group, then SIGKILL. */
void stack_stop(struct stack *s);
/* The pid in file @path, or 0. */
pid_t run_pidfile(const char *path);
/* Whether process @pid runs (exists, and is not a zombie). */
bool run_alive(pid_t pid);
/* Whether component @c has ended (its status then in c->status). */
bool stack_ended(struct stack_component *c);

#endif /* INSIGHT_CAMPAIGN_RUN_H */
