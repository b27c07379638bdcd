// SPDX-License-Identifier: GPL-2.0
/*
 * Single-step mode: a probe runs with the trap flag set, and a die
 * notifier sees its #DB after every instruction, with interrupts off.
 * When the next instruction is a conditional jump, the notifier logs the
 * direction its flags give (into log room reserved beforehand: nothing
 * may sleep here) and lets it run.  Only probes' single-steps are
 * consumed; uprobes' own single-steps and everyone else's go on as usual.
 *
 * user_enable_single_step() is not exported, so the module sets the
 * trap flag in the probe's saved registers itself, at a trap it handles.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kdebug.h>
#include <linux/rculist.h>
#include <linux/uaccess.h>
#include <linux/uprobes.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <insight/jcc.h>

#include "insight.h"

/* Set or clear the trap flag of @p's registers as asked; at its traps. */
void insight_step_apply(struct insight_probe *p, struct pt_regs *regs)
{
	if (READ_ONCE(p->step)) {
		regs->flags |= X86_EFLAGS_TF;
		p->stepping = true;
	} else if (p->stepping) {
		regs->flags &= ~X86_EFLAGS_TF;
		p->stepping = false;
	}
}

int insight_probe_step(struct insight_session *s, u32 id, bool on)
{
	struct insight_probe *p = insight_probe_get(s, id);

	if (!p)
		return -ENOENT;
	if (on)
		insight_path_reserve(&p->path, insight_max_log);
	WRITE_ONCE(p->step, on);
	return 0;
}

static int insight_die_notify(struct notifier_block *nb, unsigned long val,
			      void *data)
{
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;
	unsigned long *dr6 = (unsigned long *)args->err;
	struct insight_session *s;
	struct insight_probe *p = NULL;
	u32 n = 8, hints;
	u8 insn[8];
	int cc, ret = NOTIFY_DONE;

	if (val != DIE_DEBUG || !user_mode(regs) || !(*dr6 & DR_STEP) ||
	    !current->mm)
		return NOTIFY_DONE;
	if (current->utask && current->utask->active_uprobe)
		return NOTIFY_DONE;	/* uprobes' own single-step */
	rcu_read_lock();
	list_for_each_entry_rcu(s, &insight_sessions, node) {
		p = insight_probe_of_mm(s, current->mm);
		if (p)
			break;
	}
	if (!p || !p->stepping)
		goto out;
	*dr6 &= ~DR_STEP;	/* consumed: no SIGTRAP */
	ret = NOTIFY_STOP;
	if (!READ_ONCE(p->step)) {
		regs->flags &= ~X86_EFLAGS_TF;
		p->stepping = false;
		goto out;
	}
	if (copy_from_user_nofault(insn, (void __user *)regs->ip, n)) {
		n = 2;		/* the 8 bytes may run into a page not readable now */
		if (copy_from_user_nofault(insn, (void __user *)regs->ip, n))
			goto out;	/* not readable now: it faults when it runs */
	}
	/* branch hints (cs/ds segment prefixes) do not change the jump */
	hints = insight_jcc_hints(insn, n);
	cc = insight_jcc_cond(insn + hints, n - hints);
	if (cc >= 0)
		insight_path_log(&p->path, INSIGHT_SITE_NONE, regs->ip,
				 INSIGHT_DECISION_STEPPED |
				 (insight_jcc_taken(cc, regs->flags) ?
				  INSIGHT_DECISION_TAKEN : 0));
out:
	rcu_read_unlock();
	return ret;
}

static struct notifier_block insight_die_nb = {
	.notifier_call = insight_die_notify,
};

int __init insight_step_init(void)
{
	return register_die_notifier(&insight_die_nb);
}

void insight_step_exit(void)
{
	unregister_die_notifier(&insight_die_nb);
}
