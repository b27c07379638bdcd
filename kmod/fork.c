// SPDX-License-Identifier: GPL-2.0
/*
 * The fork of a probe at a branch, done by the kernel.
 *
 * kernel_clone() is not exported, so a probe is split by making it run
 * clone() itself, without waking the coordinator:
 *
 * 1. At a FORK site, the trap handler saves the probe's registers in a
 *    fork record and points it at a trampoline: a page of a shmem file,
 *    mapped into the target once, holding "syscall; nop; ud2".  It sets
 *    up clone(CLONE_PARENT) in the registers and the record's id in rbx,
 *    which the syscall preserves in both processes.
 * 2. The probe returns to userspace and executes the syscall: the kernel
 *    creates the child the ordinary way (copy-on-write memory).
 * 3. Parent and child both trap on a uprobe at the nop that follows.  Its
 *    handler restores the saved registers exactly, sets the instruction
 *    pointer to the natural direction in the parent and to the other one
 *    in the child (rax == 0 tells them apart), and the child registers
 *    itself as a probe.
 *
 * CLONE_PARENT makes every probe a sibling of the target, never its
 * child: the target gets no SIGCHLD and no zombies from exploration; the
 * target's parent (the coordinator, when it started the target) reaps
 * them.  Two traps and one clone per fork; no userspace round trip.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/pid.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>
#include <asm/unistd.h>

#include "insight.h"

/* syscall; nop (the resume point, trapped); ud2 (never reached) */
static const u8 insight_tramp_code[] = { 0x0f, 0x05, 0x90, 0x0f, 0x0b };
#define INSIGHT_TRAMP_RESUME	2

/**
 * struct insight_fork - a fork between its decision and its resume
 * @refs: one for the parent's resume, one for the child's
 * @regs: the forking probe's registers at the branch
 * @mm: the forking probe's mm (tells the parent from the child)
 * @parent: the forking probe's id
 * @site: index of the site
 * @seq: sequence number of the parent's decision in its log
 * @parent_ip: where the parent goes on
 * @taken_ip: the jump's target
 * @not_taken_ip: the next instruction
 * @natural_taken: whether the flags take the jump
 * @child_taken: the child's direction, unless it is held
 * @hold: the child is a snapshot, held until PROBE_RESUME
 * @in_off: the parent's offset in the replayed input at the branch
 * @addr: the site's address
 * @stepping: the parent was single-stepped (the child inherits the flag)
 * @lock: serialises the end of the split between parent and child
 * @ended: CREATED or QUOTA was sent for this split (under @lock)
 * @child: the new probe, once registered (under @lock)
 */
struct insight_fork {
	refcount_t refs;
	struct pt_regs regs;
	struct mm_struct *mm;
	u32 parent;
	u32 site;
	u64 seq;
	unsigned long parent_ip;
	unsigned long taken_ip;
	unsigned long not_taken_ip;
	bool natural_taken;
	bool child_taken;
	bool hold;
	u64 in_off;
	unsigned long addr;
	bool stepping;
	struct mutex lock;
	bool ended;
	struct insight_probe *child;
};
static void insight_fork_put(struct insight_session *s, u32 id,
			     struct insight_fork *f)
{
	if (refcount_dec_and_test(&f->refs)) {
		xa_erase(&s->forks, id);
		kfree(f);
	}
}

/*
 * A split that did not happen: count it, tell the owner which probe did
 * not split, where, and the sequence number of its decision there.
 */
static void insight_degraded(struct insight_session *s, u32 probe, u32 site,
			     u64 seq)
{
	struct insight_ev ev = {
		.kind = INSIGHT_EVENT_QUOTA, .probe = probe, .site = site,
		.fork_seq = seq,
	};

	spin_lock(&s->lock);
	s->degraded++;
	spin_unlock(&s->lock);
	insight_event(s, &ev, GFP_KERNEL);
}

/*
 * End split @f exactly once, from whichever of parent and child reaches
 * the trampoline first: register the new process (@pid, @mm; NULL when
 * the clone failed or the child is already gone) as a probe and send
 * CREATED, or send QUOTA for the parent when there is no probe to
 * register.  The child may be killed before it first runs: registered by
 * the parent, it then ends with an EXITED or KILLED event like any probe.
 * Returns the new probe, or NULL.
 */
static struct insight_probe *insight_split_end(struct insight_session *s,
					       struct insight_fork *f, u32 id,
					       struct pid *pid,
					       struct mm_struct *mm)
{
	struct insight_ev ev = {
		.kind = INSIGHT_EVENT_CREATED, .parent = f->parent,
		.site = f->site, .fork_seq = f->seq,
	};
	struct insight_probe *child;

	mutex_lock(&f->lock);
	if (!f->ended) {
		f->ended = true;
		child = pid && mm ? insight_probe_new(s, pid, mm, f->parent,
						      f->seq) : NULL;
		if (child) {
			child->in_off = f->in_off;
			insight_fpos_inherit(s, f->parent, child);
			child->stepping = f->stepping;	/* its registers hold the flag */
			/*
			 * A snapshot counts against max_snapshots from now on,
			 * not only once it first runs to insight_hold(): its
			 * parent may reach its next split before that.  A
			 * resume that comes first is seen by insight_hold().
			 */
			if (f->hold)
				WRITE_ONCE(child->held, true);
			if (mm != current->mm)
				WRITE_ONCE(child->pending_fork, id);
			f->child = child;
			ev.probe = child->id;
			insight_event(s, &ev, GFP_KERNEL);
		} else {
			insight_degraded(s, f->parent, f->site, f->seq);
		}
	}
	child = f->child;
	mutex_unlock(&f->lock);
	return child;
}

/* The parent of split @f, back from clone() with @ret: end the split. */
static void insight_split_parent(struct insight_session *s,
				 struct insight_fork *f, u32 id, long ret)
{
	struct insight_probe *child;
	struct task_struct *task = NULL;
	struct mm_struct *mm = NULL;
	struct pid *pid = NULL;

	if (ret > 0)
		pid = find_get_pid(ret);
	if (pid)
		task = get_pid_task(pid, PIDTYPE_PID);
	if (task)
		mm = get_task_mm(task);
	child = insight_split_end(s, f, id, pid, mm);
	/*
	 * A child that died before it first ran never drops its reference
	 * to the record; whoever clears pending_fork does (see
	 * insight_probe_exited()).
	 */
	if (child && !insight_probe_running(child) &&
	    xchg(&child->pending_fork, 0))
		insight_fork_put(s, id, f);
	if (mm)
		mmput(mm);
	if (task)
		put_task_struct(task);
	put_pid(pid);
}

/*
 * Probe @p exits (sched_process_exit, atomic context): if it was
 * registered by its parent and dies before it first ran, drop its
 * reference to the fork record.
 */
void insight_probe_exited(struct insight_session *s, struct insight_probe *p)
{
	u32 id = xchg(&p->pending_fork, 0);
	struct insight_fork *f;

	if (!id)
		return;
	f = xa_load(&s->forks, id);
	if (f)
		insight_fork_put(s, id, f);
}

static void insight_hold(struct insight_session *s, struct insight_probe *child,
			 struct insight_fork *f, u32 id, struct pt_regs *regs);
static int insight_split(struct insight_session *s, struct insight_probe *self,
			 struct insight_fork *f, struct pt_regs *regs);

/* At the trampoline's nop, in the parent and in the child of a fork. */
static int insight_tramp_handler(struct uprobe_consumer *uc,
				 struct pt_regs *regs)
{
	struct insight_session *s = container_of(uc, struct insight_session, tramp_uc);
	u32 id = regs->bx, flags;
	struct insight_probe *child, *parent;
	struct insight_fork *f;
	bool forked;

	f = xa_load(&s->forks, id);
	if (!f)
		return 0;	/* not one of ours: the ud2 that follows stops it */

	if (current->mm != f->mm) {
		child = insight_split_end(s, f, id, task_pid(current), current->mm);
		if (!child) {
			send_sig(SIGKILL, current, 1);	/* untracked: never run */
			insight_fork_put(s, id, f);
			return 0;
		}
		WRITE_ONCE(child->pending_fork, 0);
		if (f->hold) {
			insight_hold(s, child, f, id, regs);
			return 0;
		}
		flags = INSIGHT_DECISION_FORK | INSIGHT_DECISION_DEVIATED |
			(f->child_taken ? INSIGHT_DECISION_TAKEN : 0);
		insight_path_log(&child->path, f->site, f->addr, flags);
		*regs = f->regs;
		instruction_pointer_set(regs, f->child_taken ? f->taken_ip :
							      f->not_taken_ip);
		insight_step_apply(child, regs);
		insight_fork_put(s, id, f);
		return 0;
	}

	forked = (long)regs->ax > 0;
	insight_split_parent(s, f, id, regs->ax);
	*regs = f->regs;
	instruction_pointer_set(regs, f->parent_ip);
	parent = insight_probe_of_mm(s, current->mm);
	if (parent)
		insight_step_apply(parent, regs);
	if (!forked)
		insight_fork_put(s, id, f);	/* no child will resume */
	if (f->parent == 0 && atomic_dec_and_test(&s->target_forking))
		wake_up_var(&s->target_forking);
	insight_fork_put(s, id, f);
	return 0;
}

static bool insight_tramp_filter(struct uprobe_consumer *uc,
				 enum uprobe_filter_ctx ctx, struct mm_struct *mm)
{
	struct insight_session *s = container_of(uc, struct insight_session, tramp_uc);

	return insight_probe_of_mm(s, mm) != NULL;
}

/* Create the trampoline file and its uprobe (at ATTACH, any context). */
int insight_fork_init(struct insight_session *s)
{
	loff_t pos = 0;
	ssize_t n;
	int err;

	s->tramp_file = shmem_file_setup("insight-fork", PAGE_SIZE, VM_NORESERVE);
	if (IS_ERR(s->tramp_file)) {
		err = PTR_ERR(s->tramp_file);
		s->tramp_file = NULL;
		return err;
	}
	n = kernel_write(s->tramp_file, insight_tramp_code,
			 sizeof(insight_tramp_code), &pos);
	if (n != sizeof(insight_tramp_code)) {
		err = n < 0 ? n : -EIO;
		goto err_fput;
	}
	s->tramp_uc.handler = insight_tramp_handler;
	s->tramp_uc.filter = insight_tramp_filter;
	err = uprobe_register(file_inode(s->tramp_file), INSIGHT_TRAMP_RESUME,
			      &s->tramp_uc);
	if (err)
		goto err_fput;
	return 0;

err_fput:
	fput(s->tramp_file);
	s->tramp_file = NULL;
	return err;
}

/* Map the trampoline into the current task (the target), once. */
static unsigned long insight_tramp_map(struct insight_session *s)
{
	unsigned long addr = READ_ONCE(s->tramp_addr);

	if (addr)
		return addr;
	addr = vm_mmap(s->tramp_file, 0, PAGE_SIZE, PROT_READ | PROT_EXEC,
		       MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(addr))
		return 0;
	WRITE_ONCE(s->tramp_addr, addr);
	return addr;
}
/*
 * Send probe @self through the trampoline to split it: it goes on at
 * @f->parent_ip and its child takes @f->child_taken's direction, or is
 * held (@f->hold).  @regs are @self's live registers, @f->regs the ones
 * at the branch.  0, or -errno when the split cannot happen (the caller
 * then runs the branch itself).
 */
static int insight_split(struct insight_session *s, struct insight_probe *self,
			 struct insight_fork *f, struct pt_regs *regs)
{
	unsigned int running, held;
	unsigned long tramp;
	u32 id;

	insight_probes_count(s, &running, &held);
	if (running >= insight_max_probes ||
	    (f->hold && held >= insight_max_snapshots))
		return -EAGAIN;
	tramp = self->id ? READ_ONCE(s->tramp_addr) : insight_tramp_map(s);
	if (!tramp)
		return -ENOMEM;
	if (xa_alloc(&s->forks, &id, f, xa_limit_31b, GFP_KERNEL))
		return -ENOMEM;
	refcount_set(&f->refs, 2);
	mutex_init(&f->lock);
	f->ended = false;
	f->child = NULL;
	f->mm = current->mm;
	f->parent = self->id;
	f->in_off = self->in_off;
	f->stepping = self->stepping;
	if (!self->id)
		atomic_inc(&s->target_forking);

	/* clone(CLONE_PARENT, same stack, no tids, no tls) at the trampoline */
	regs->ax = __NR_clone;
	regs->di = CLONE_PARENT;
	regs->si = 0;
	regs->dx = 0;
	regs->r10 = 0;
	regs->r8 = 0;
	regs->bx = id;
	instruction_pointer_set(regs, tramp);
	return 0;
}

/*
 * A FORK or SNAPSHOT decision of probe @self at @site, from the site's
 * trap handler.  At a cap, or without memory, the branch runs naturally
 * and the decision is counted as degraded.
 */
void insight_fork(struct insight_session *s, struct insight_probe *self,
		  struct insight_site *site, struct pt_regs *regs, bool natural,
		  bool hold)
{
	u32 flags = natural ? INSIGHT_DECISION_TAKEN : 0;
	struct insight_fork *f;
	u64 seq;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		goto natural;
	f->regs = *regs;
	f->site = site->index;
	f->addr = site->addr;
	f->taken_ip = site->target;
	f->not_taken_ip = site->next;
	f->natural_taken = natural;
	f->parent_ip = natural ? site->target : site->next;
	f->child_taken = !natural;
	f->hold = hold;
	if (insight_split(s, self, f, regs)) {
		kfree(f);
		goto natural;
	}
	/* the child, which reads it, exists only once this handler returned */
	f->seq = insight_path_log(&self->path, site->index, site->addr,
				  flags | INSIGHT_DECISION_FORK);
	return;

natural:
	seq = insight_path_log(&self->path, site->index, site->addr, flags);
	insight_degraded(s, self->id, site->index, seq);
	instruction_pointer_set(regs, natural ? site->target : site->next);
}

/*
 * The child of a SNAPSHOT split, in its trampoline handler: wait (only
 * SIGKILL interrupts) until PROBE_RESUME picks a direction, then take it,
 * first leaving a new held snapshot behind if asked to.
 */
static void insight_hold(struct insight_session *s, struct insight_probe *child,
			 struct insight_fork *f, u32 id, struct pt_regs *regs)
{
	struct insight_ev ev = { .kind = INSIGHT_EVENT_PAUSED, .probe = child->id };
	struct insight_fork *again;
	bool taken, keep;
	u32 flags;

	*regs = f->regs;
	again = kmemdup(f, sizeof(*f), GFP_KERNEL);
	insight_fork_put(s, id, f);
	if (!again) {
		send_sig(SIGKILL, current, 1);	/* cannot be resumed: discard */
		return;
	}
	WRITE_ONCE(child->held, true);
	ev.site = again->site;
	insight_event(s, &ev, GFP_KERNEL);
	if (wait_var_event_killable(&child->resume, READ_ONCE(child->resume))) {
		kfree(again);
		return;		/* killed: it never returns to userspace */
	}
	WRITE_ONCE(child->held, false);
	taken = (child->resume & 0xffff) == 1 + INSIGHT_POLICY_TAKEN;
	keep = child->resume & INSIGHT_RESUME_KEEP;
	child->resume = 0;
	flags = INSIGHT_DECISION_FORK | INSIGHT_DECISION_FORCED |
		(taken ? INSIGHT_DECISION_TAKEN : 0) |
		(taken != again->natural_taken ? INSIGHT_DECISION_DEVIATED : 0);
	again->parent_ip = taken ? again->taken_ip : again->not_taken_ip;
	again->seq = insight_path_log(&child->path, again->site, again->addr, flags);
	if (keep && !insight_split(s, child, again, regs))
		return;		/* a new snapshot will be held here */
	if (keep)
		insight_degraded(s, child->id, again->site, again->seq);
	instruction_pointer_set(regs, again->parent_ip);
	insight_step_apply(child, regs);
	kfree(again);
}
/* Remove the trampoline's uprobe and free what forks left pending. */
void insight_fork_exit(struct insight_session *s)
{
	struct insight_fork *f;
	unsigned long id;

	if (!s->tramp_file)
		return;
	uprobe_unregister(file_inode(s->tramp_file), INSIGHT_TRAMP_RESUME,
			  &s->tramp_uc);
	xa_for_each(&s->forks, id, f)
		kfree(f);
	xa_destroy(&s->forks);
	fput(s->tramp_file);
	s->tramp_file = NULL;
}
