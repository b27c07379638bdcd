// SPDX-License-Identifier: GPL-2.0
/*
 * Passes for syscalls that an injection's work makes again (kmod/inject.c):
 * the call made again must not meet the injection a second time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "inject.h"

/*
 * A pass for the one call the current task makes again after its work:
 * its re-entry into the kprobe (same number, same ip) is not looked at.
 * A pass names the task by its start time too, so that a task_struct
 * reused by a new task never inherits one.  None is given for a syscall
 * that no injection has any more, and the last removal of a syscall
 * takes its passes back (the call made again meets no probe to take
 * it).  A handful of slots: one left over (a task that died, or never
 * made the call again) costs that task one call not injected.
 */
#define INSIGHT_PASSES	64
static struct {
	struct task_struct *task;
	u64 start;
	long nr;
	unsigned long ip;
} insight_passes[INSIGHT_PASSES];
static DEFINE_SPINLOCK(insight_pass_lock);

void insight_pass_give(long nr, unsigned long ip)
{
	static unsigned int next;
	unsigned long flags;

	spin_lock_irqsave(&insight_pass_lock, flags);
	rcu_read_lock();
	if (insight_syscall_armed(nr)) {
		insight_passes[next].task = current;
		insight_passes[next].start = current->start_time;
		insight_passes[next].nr = nr;
		insight_passes[next].ip = ip;
		next = (next + 1) % INSIGHT_PASSES;
	}
	rcu_read_unlock();
	spin_unlock_irqrestore(&insight_pass_lock, flags);
}

bool insight_pass_take(long nr, unsigned long ip)
{
	unsigned long flags;
	bool found = false;
	int i;

	spin_lock_irqsave(&insight_pass_lock, flags);
	for (i = 0; i < INSIGHT_PASSES && !found; i++) {
		if (insight_passes[i].task == current &&
		    insight_passes[i].start == current->start_time &&
		    insight_passes[i].nr == nr && insight_passes[i].ip == ip) {
			insight_passes[i].task = NULL;
			found = true;
		}
	}
	spin_unlock_irqrestore(&insight_pass_lock, flags);
	return found;
}

/* Syscall @nr's last injection is off the list: its passes go. */
void insight_pass_drop(long nr)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&insight_pass_lock, flags);
	rcu_read_lock();
	if (!insight_syscall_armed(nr))
		for (i = 0; i < INSIGHT_PASSES; i++)
			if (insight_passes[i].nr == nr)
				insight_passes[i].task = NULL;
	rcu_read_unlock();
	spin_unlock_irqrestore(&insight_pass_lock, flags);
}
