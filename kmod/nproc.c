// SPDX-License-Identifier: GPL-2.0
/*
 * A program may forbid itself to fork with RLIMIT_NPROC (haproxy sets it
 * to 0 once it runs unprivileged), and a probe's clone() is the
 * program's own (kmod/fork.c): the soft limit is lifted for that clone
 * and given back in the trampoline, to the parent and to the child,
 * before either runs its own code again, or when the splitting thread
 * dies before it (another thread's execve(), a SIGKILL), so that a lifted
 * limit never outlives its clone.  Another thread of the process that
 * forks in that window is not refused; two splits at once lift it once,
 * and the second clone may then be refused (a degraded decision, as at a
 * cap).
 */
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "insight.h"

/* Lift the current process's soft limit: what it was (RLIM_INFINITY: no change). */
unsigned long insight_nproc_lift(void)
{
	struct rlimit *rl = &current->signal->rlim[RLIMIT_NPROC];
	unsigned long was;

	task_lock(current->group_leader);
	was = rl->rlim_cur;
	rl->rlim_cur = RLIM_INFINITY;
	task_unlock(current->group_leader);
	return was;
}

/* Give @task's process the soft limit @was that insight_nproc_lift() returned. */
void insight_nproc_restore(struct task_struct *task, unsigned long was)
{
	if (was == RLIM_INFINITY)
		return;
	task_lock(task->group_leader);
	task->signal->rlim[RLIMIT_NPROC].rlim_cur = was;
	task_unlock(task->group_leader);
}
