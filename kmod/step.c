// SPDX-License-Identifier: GPL-2.0
/*
 * Single-step mode: a probe runs with the trap flag set, and a die
 * notifier sees its #DB after every instruction, with interrupts off.
 * When the next instruction is a conditional jump, the notifier logs the
 * direction its flags give (into log room reserved beforehand: nothing
 * may sleep here) and lets it run.
 *
 * user_enable_single_step() is not exported, so the module sets the
 * trap flag in the probe's saved registers itself, at a trap it handles,
 * and in one thread of the probe only.  It keeps a list of the threads
 * it set the flag on: only their steps are consumed (uprobes' own
 * single-steps and everyone else's go on as usual), and the flag is
 * cleared by the thread's own trap, never from another task: when
 * stepping is turned off, and after the session ended (the thread is then
 * an orphan on the list until its next step or its exit).  The flag is
 * marked TIF_FORCED_TF, so children and threads a stepped thread creates
 * start without it (copy_process()), and a fork record keeps the
 * program's own flags (insight_step_strip()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kdebug.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uprobes.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <insight/jcc.h>

#include "insight.h"

/**
 * struct insight_stepped - a thread the module set the trap flag on
 * @node: in insight_stepped_threads
 * @task: the thread (a reference is held)
 * @p: its probe (whose @stepped this is); NULL once the session ended:
 *	the flag then goes at the thread's next step
 * @pinned: it holds a reference to the module, so that the module stays
 *	to clear the flag (an orphan; see insight_steps_end())
 */
struct insight_stepped {
	struct list_head node;
	struct task_struct *task;
	struct insight_probe *p;
	bool pinned;
};

/* Under insight_step_lock, taken with interrupts off (the #DB notifier). */
static LIST_HEAD(insight_stepped_threads);
static DEFINE_SPINLOCK(insight_step_lock);

static struct insight_stepped *insight_stepped_find(struct task_struct *task)
{
	struct insight_stepped *e;

	list_for_each_entry(e, &insight_stepped_threads, node)
		if (e->task == task)
			return e;
	return NULL;
}

/*
 * Clear the module's trap flag from @e's thread, current, whose registers
 * are @regs, and unlink @e; the caller frees it after the lock.
 * TIF_FORCED_TF said the kernel, not the program, set the flag.
 */
static void insight_unstep_locked(struct insight_stepped *e, struct pt_regs *regs)
{
	regs->flags &= ~X86_EFLAGS_TF;
	clear_thread_flag(TIF_FORCED_TF);
	list_del(&e->node);
	if (e->p)
		e->p->stepped = NULL;
}

static void insight_stepped_free(struct insight_stepped *e)
{
	if (!e)
		return;
	put_task_struct(e->task);
	if (e->pinned)
		module_put(THIS_MODULE);
	kfree(e);
}

/*
 * Make current @p's stepped thread, with the entry *@new if it is not
 * NULL (taken: *@new becomes NULL).  A thread has one entry at most: an
 * orphan of current's (its flag still set: its old session ended before it
 * ran an instruction) is adopted instead, and true returned: the orphan's
 * module reference, if it held one, is to be dropped.  An entry of another
 * probe's (current exec'd from an image still explored) keeps current
 * unstepped.
 */
static bool insight_step_claim_locked(struct insight_probe *p,
				      struct insight_stepped **new)
{
	struct insight_stepped *e = insight_stepped_find(current);
	bool pinned;

	if (e && e->p)
		return false;
	if (e) {
		e->p = p;
		p->stepped = e;
		pinned = e->pinned;
		e->pinned = false;
		return pinned;
	}
	if (*new) {
		list_add(&(*new)->node, &insight_stepped_threads);
		p->stepped = *new;
		*new = NULL;
	}
	return false;
}

/*
 * At a trap of @p's current thread (a site, a fork): set the trap flag in
 * its registers @regs if @p is to be stepped and this is its stepped
 * thread (the first to trap once stepping was asked for: only that one
 * thread is stepped), or clear it if stepping is off.  TIF_FORCED_TF, as
 * ptrace sets it, makes copy_process() clear the flag in any child or
 * thread it creates, which are not stepped.
 */
void insight_step_apply(struct insight_probe *p, struct pt_regs *regs)
{
	struct insight_stepped *new = NULL, *gone = NULL;
	bool want, unpin = false;
	unsigned long flags;

	if (READ_ONCE(p->step) && !READ_ONCE(p->stepped)) {
		new = kmalloc(sizeof(*new), GFP_KERNEL);
		if (new) {
			new->task = get_task_struct(current);
			new->p = p;
			new->pinned = false;
		}
	}
	spin_lock_irqsave(&insight_step_lock, flags);
	want = READ_ONCE(p->step);	/* under the lock: see insight_steps_end() */
	if (want && !p->stepped)
		unpin = insight_step_claim_locked(p, &new);
	if (p->stepped && p->stepped->task == current) {
		if (want) {
			regs->flags |= X86_EFLAGS_TF;
			set_thread_flag(TIF_FORCED_TF);
		} else {
			gone = p->stepped;
			insight_unstep_locked(gone, regs);
		}
	}
	spin_unlock_irqrestore(&insight_step_lock, flags);
	/* safe: a site or fork handler of a live session runs this */
	if (unpin)
		module_put(THIS_MODULE);
	insight_stepped_free(new);
	insight_stepped_free(gone);
}

/* Take the module's trap flag out of @regs, a copy of current's (a fork record). */
void insight_step_strip(struct insight_probe *p, struct pt_regs *regs)
{
	unsigned long flags;

	spin_lock_irqsave(&insight_step_lock, flags);
	if (p->stepped && p->stepped->task == current)
		regs->flags &= ~X86_EFLAGS_TF;
	spin_unlock_irqrestore(&insight_step_lock, flags);
}

/*
 * The session of @s ends: no probe of it is stepped any more.  A stepped
 * thread's registers cannot be touched from here (it may be running, or
 * its flags sit in a signal frame), so its entry stays as an orphan: at
 * its next step, whenever that comes, the die notifier clears the flag
 * and consumes the trap.  Each orphan holds a reference to the module
 * (rmmod says it is in use until the thread ran or exited), except when
 * the module is going already (the session ends in rmmod:
 * insight_step_exit() deals with those).
 */
void insight_steps_end(struct insight_session *s)
{
	struct insight_stepped *e, *tmp;
	struct insight_probe *p;
	LIST_HEAD(gone);

	/*
	 * s->lock keeps the probe list still (the session is ending: no
	 * probe is added to it any more); step->off and the orphaning are
	 * under insight_step_lock, which insight_step_apply() claims under:
	 * a handler under way never steps a thread again after this.
	 */
	spin_lock(&s->lock);
	spin_lock_irq(&insight_step_lock);
	list_for_each_entry(p, &s->probes, node) {
		WRITE_ONCE(p->step, false);
		e = p->stepped;
		if (!e)
			continue;
		p->stepped = NULL;
		e->p = NULL;
		/*
		 * An exec (or the exit) replaced the thread's mm and its
		 * flags: nothing of the module's is left in them.  Compared
		 * only: p->mm is pinned, an exec never comes back to it.
		 */
		if (READ_ONCE(e->task->mm) == p->mm)
			e->pinned = try_module_get(THIS_MODULE);	/* an orphan */
		else
			list_move(&e->node, &gone);
	}
	spin_unlock_irq(&insight_step_lock);
	spin_unlock(&s->lock);
	list_for_each_entry_safe(e, tmp, &gone, node)
		insight_stepped_free(e);
}

/* sched_process_exit (via kmod/event.c): @task's flag no longer matters. */
void insight_step_exited(struct task_struct *task)
{
	struct insight_stepped *e;
	unsigned long flags;

	if (list_empty(&insight_stepped_threads))	/* racy: a hint only */
		return;
	spin_lock_irqsave(&insight_step_lock, flags);
	e = insight_stepped_find(task);
	if (e) {
		list_del(&e->node);
		if (e->p)
			e->p->stepped = NULL;
	}
	spin_unlock_irqrestore(&insight_step_lock, flags);
	insight_stepped_free(e);
}

/*
 * STEP, under insight_lock.  A session that steps holds a reference to
 * the module until its end (insight_session_end()): rmmod says the module
 * is in use, so such a session never ends within an unload, where a
 * thread blocked in the kernel with the flag set could not be waited for
 * and would get SIGTRAP.  Its end comes from its socket's release, and
 * the orphans it leaves pin the module in turn.  -ENODEV when the module
 * is being unloaded.
 */
int insight_probe_step(struct insight_session *s, u32 id, bool on)
{
	struct insight_probe *p = insight_probe_get(s, id);

	lockdep_assert_held(&insight_lock);
	if (!p)
		return -ENOENT;
	if (on && !s->step_pinned) {
		if (!try_module_get(THIS_MODULE))
			return -ENODEV;
		s->step_pinned = true;
	}
	if (on)
		insight_path_reserve(&p->path, insight_max_log);
	WRITE_ONCE(p->step, on);
	return 0;
}

/* Log the direction of the conditional jump at @regs->ip, if it is one. */
static void insight_step_log(struct insight_probe *p, struct pt_regs *regs)
{
	u32 n = 8, hints;
	u8 insn[8];
	int cc;

	if (copy_from_user_nofault(insn, (void __user *)regs->ip, n)) {
		n = 2;		/* the 8 bytes may run into a page not readable now */
		if (copy_from_user_nofault(insn, (void __user *)regs->ip, n))
			return;	/* not readable now: it faults when it runs */
	}
	/* branch hints (cs/ds segment prefixes) do not change the jump */
	hints = insight_jcc_hints(insn, n);
	cc = insight_jcc_cond(insn + hints, n - hints);
	if (cc >= 0)
		insight_path_log(&p->path, INSIGHT_SITE_NONE, regs->ip,
				 INSIGHT_DECISION_STEPPED |
				 (insight_jcc_taken(cc, regs->flags) ?
				  INSIGHT_DECISION_TAKEN : 0));
}

/*
 * A #DB from user mode, interrupts off.  Only the steps of threads the
 * module set the flag on are consumed (no SIGTRAP); a thread no longer
 * stepped (turned off, or its session ended) has the flag cleared.
 */
static int insight_die_notify(struct notifier_block *nb, unsigned long val,
			      void *data)
{
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;
	unsigned long *dr6 = (unsigned long *)args->err;
	struct insight_stepped *e, *gone = NULL;
	unsigned long flags;
	int ret = NOTIFY_DONE;

	if (val != DIE_DEBUG || !user_mode(regs) || !(*dr6 & DR_STEP))
		return NOTIFY_DONE;
	if (current->utask && current->utask->active_uprobe)
		return NOTIFY_DONE;	/* uprobes' own single-step */
	if (list_empty(&insight_stepped_threads))	/* racy: a hint only */
		return NOTIFY_DONE;
	spin_lock_irqsave(&insight_step_lock, flags);
	e = insight_stepped_find(current);
	if (!e)
		goto out;
	*dr6 &= ~DR_STEP;	/* consumed: no SIGTRAP */
	ret = NOTIFY_STOP;
	if (!e->p || !READ_ONCE(e->p->step)) {
		gone = e;
		insight_unstep_locked(e, regs);
	} else {
		insight_step_log(e->p, regs);
	}
out:
	spin_unlock_irqrestore(&insight_step_lock, flags);
	/* a module_put() here is safe: unregistering waits for notifiers */
	insight_stepped_free(gone);
	return ret;
}

static struct notifier_block insight_die_nb = {
	.notifier_call = insight_die_notify,
};

int __init insight_step_init(void)
{
	return register_die_notifier(&insight_die_nb);
}

/*
 * Module unload, every session ended.  No thread is left stepped: a
 * session that stepped pinned the module until its end, and its orphans
 * until their next step or exit.
 */
void insight_step_exit(void)
{
	struct insight_stepped *e, *tmp;
	unsigned long flags;
	LIST_HEAD(left);

	spin_lock_irqsave(&insight_step_lock, flags);
	list_splice_init(&insight_stepped_threads, &left);
	spin_unlock_irqrestore(&insight_step_lock, flags);
	unregister_die_notifier(&insight_die_nb);
	list_for_each_entry_safe(e, tmp, &left, node)
		insight_stepped_free(e);
}
