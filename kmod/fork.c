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
 * The fork record's id in rbx is only a hint: anyone can jump to the
 * trampoline (its address is in /proc/PID/maps) with any rbx.  A record
 * is tied to the two tasks that may end it, the thread that split and
 * the child its clone() made (seen by the sched_process_fork tracepoint,
 * before the child first runs), and each of them claims its reference
 * exactly once, under the xarray's lock; any other entry is ignored and
 * dies on the ud2.
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
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>
#include <asm/unistd.h>

#include "insight.h"

/* syscall; nop (the resume point, trapped); ud2 (never reached) */
static const u8 insight_tramp_code[] = { 0x0f, 0x05, 0x90, 0x0f, 0x0b };
#define INSIGHT_TRAMP_RESUME	2

/*
 * r9, unused by clone(), holds this while a probe is sent through the
 * trampoline: the fork tracepoint looks no further for any other fork
 * of the system.  A filter, not a secret (a signal handler may see it).
 */
static u64 insight_fork_cookie;
static struct tracepoint *insight_tp_fork;

/**
 * struct insight_fork - a fork between its decision and its resume
 * @refs: one for the parent's resume, one for the child's
 * @regs: the forking probe's registers at the branch
 * @task: the thread that splits (a reference is held)
 * @child_task: the process its clone() made (a reference is held; set
 *	under the xarray lock by the fork tracepoint, NULL until then)
 * @parent_back: @task claimed its reference (under the xarray lock)
 * @child_back: the child's reference was claimed (under the xarray lock)
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
 * @as_tgid: the process id the child sees as its own (the target's)
 * @as_tid: the thread id its thread sees as its own (the target thread's)
 * @nproc: the process's soft RLIMIT_NPROC before the clone lifted it,
 *	given back to parent and child (RLIM_INFINITY: nothing to give back)
 * @addr: the site's address
 * @lock: serialises the end of the split between parent and child
 * @ended: CREATED or QUOTA was sent for this split (under @lock)
 * @child: the new probe, once registered (under @lock)
 */
struct insight_fork {
	refcount_t refs;
	struct pt_regs regs;
	struct task_struct *task;
	struct task_struct *child_task;
	bool parent_back;
	bool child_back;
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
	pid_t as_tgid;
	pid_t as_tid;
	unsigned long nproc;
	unsigned long addr;
	struct mutex lock;
	bool ended;
	struct insight_probe *child;
};

static void insight_fork_free(struct insight_fork *f)
{
	if (f->child_task)
		put_task_struct(f->child_task);
	put_task_struct(f->task);
	kfree(f);
}

static void insight_fork_put(struct insight_session *s, u32 id,
			     struct insight_fork *f)
{
	if (refcount_dec_and_test(&f->refs)) {
		xa_erase(&s->forks, id);
		insight_fork_free(f);
	}
}

enum insight_side { INSIGHT_NOBODY, INSIGHT_PARENT, INSIGHT_CHILD };

/*
 * Claim the reference of the current task to fork record @id: the
 * splitting thread's once, the child's once.  Returns the record and
 * which side the caller is, or NULL for anyone else (a forged entry).
 */
static struct insight_fork *insight_fork_claim(struct insight_session *s,
					       u32 id, enum insight_side *side)
{
	struct insight_fork *f;

	*side = INSIGHT_NOBODY;
	xa_lock(&s->forks);
	f = xa_load(&s->forks, id);
	if (f && f->task == current && !f->parent_back) {
		f->parent_back = true;
		*side = INSIGHT_PARENT;
	} else if (f && f->child_task == current && !f->child_back) {
		f->child_back = true;
		*side = INSIGHT_CHILD;
	} else {
		f = NULL;
	}
	xa_unlock(&s->forks);
	return f;
}

/*
 * Drop the child's reference to record @id for a child that will never
 * claim it (it died before it first ran, or the clone failed): once.
 */
static void insight_fork_drop_child(struct insight_session *s, u32 id)
{
	struct insight_fork *f;
	bool drop = false;

	xa_lock(&s->forks);
	f = xa_load(&s->forks, id);
	if (f && !f->child_back) {
		f->child_back = true;
		drop = true;
	}
	xa_unlock(&s->forks);
	if (drop)
		insight_fork_put(s, id, f);
}

/*
 * sched_process_fork: the splitting thread's clone() at the trampoline
 * made @child, before @child first runs: it is the only task that may
 * resume as the record's child.
 */
static void insight_on_fork(void *data, struct task_struct *parent,
			    struct task_struct *child)
{
	struct pt_regs *regs = task_pt_regs(parent);
	struct insight_session *s;
	struct insight_fork *f;

	if (regs->r9 != insight_fork_cookie || parent != current)
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(s, &insight_sessions, node) {
		if (regs->ip != READ_ONCE(s->tramp_addr) + INSIGHT_TRAMP_RESUME)
			continue;
		xa_lock(&s->forks);
		f = xa_load(&s->forks, (u32)regs->bx);
		if (f && f->task == parent && !f->child_task)
			f->child_task = get_task_struct(child);
		xa_unlock(&s->forks);
	}
	rcu_read_unlock();
}

static void insight_find_fork_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		insight_tp_fork = tp;
}

/* At module load: see the clones made at trampolines. */
int __init insight_forks_init(void)
{
	insight_fork_cookie = get_random_u64() | 1;	/* never 0 */
	for_each_kernel_tracepoint(insight_find_fork_tp, NULL);
	if (!insight_tp_fork)
		return -EOPNOTSUPP;
	return tracepoint_probe_register(insight_tp_fork, insight_on_fork, NULL);
}

void insight_forks_exit(void)
{
	tracepoint_probe_unregister(insight_tp_fork, insight_on_fork, NULL);
	tracepoint_synchronize_unregister();
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
 * register, or once the session has begun to end; either way its room
 * under the caps is no longer reserved.  The child may be killed before
 * it first runs: registered by the parent, it then ends with an EXITED
 * or KILLED event like any probe.  Returns the new probe, or NULL.
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
		child = pid && mm && !READ_ONCE(s->ending) ?
			insight_probe_new(s, pid, mm, f->parent, f->seq) : NULL;
		if (child) {
			child->in_off = f->in_off;
			child->as_tgid = f->as_tgid;
			child->as_tid = f->as_tid;
			insight_fpos_inherit(s, f->parent, child);
			/*
			 * A snapshot counts against max_snapshots from now on,
			 * not only once it first runs to insight_hold(): its
			 * parent may reach its next split before that.  A
			 * resume that comes first is seen by insight_hold().
			 */
			if (f->hold)
				WRITE_ONCE(child->held, true);
			f->child = child;
		}
		/* counted as a probe now (or never): the reservation goes */
		insight_probes_unreserve(s, f->hold);
		if (child) {
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

/*
 * The parent of split @f, back from clone(): end the split with the
 * child the fork tracepoint saw (never with a pid taken from registers
 * the program controls).
 */
static void insight_split_parent(struct insight_session *s,
				 struct insight_fork *f, u32 id)
{
	struct task_struct *task = f->child_task;
	struct insight_probe *child;
	struct mm_struct *mm = NULL;
	struct pid *pid = NULL;

	if (task) {
		pid = get_task_pid(task, PIDTYPE_PID);
		mm = get_task_mm(task);
	}
	child = insight_split_end(s, f, id, pid, mm);
	if (!child) {
		/* not a probe: it must never run, nor claim the record */
		if (task)
			send_sig(SIGKILL, task, 1);
		insight_fork_drop_child(s, id);
	}
	if (mm)
		mmput(mm);
	put_pid(pid);
}

/*
 * Task @task exits (sched_process_exit, atomic context): the references
 * it would have claimed go, so that no record outlives both its tasks
 * (a child killed before it first ran, a thread killed between its split
 * and its clone).
 */
void insight_forks_task_gone(struct insight_session *s, struct task_struct *task)
{
	struct insight_fork *f;
	unsigned long id;
	unsigned int n;

	if (xa_empty(&s->forks))
		return;
	xa_lock(&s->forks);
	xa_for_each(&s->forks, id, f) {
		n = 0;
		if (f->task == task && !f->parent_back) {
			f->parent_back = true;
			n++;
			insight_nproc_restore(task, f->nproc);
			if (f->parent == 0 &&
			    atomic_dec_and_test(&s->target_forking))
				wake_up_var(&s->target_forking);
			if (!f->child_task && !f->child_back) {
				f->child_back = true;	/* no clone made it */
				n++;
			}
		}
		if (f->child_task == task && !f->child_back) {
			f->child_back = true;
			n++;
		}
		if (n && refcount_sub_and_test(n, &f->refs)) {
			__xa_erase(&s->forks, id);
			insight_fork_free(f);
		}
	}
	xa_unlock(&s->forks);
}

/* Whether a split of a probe other than the target is under way. */
bool insight_forks_of_probes(struct insight_session *s)
{
	struct insight_fork *f;
	unsigned long id;
	bool found = false;

	xa_lock(&s->forks);
	xa_for_each(&s->forks, id, f)
		if (f->parent)
			found = true;
	xa_unlock(&s->forks);
	return found;
}

/* The target is between a split and its resume from the trampoline. */
bool insight_target_forking(struct insight_session *s)
{
	return atomic_read(&s->target_forking) > 0;
}

static void insight_hold(struct insight_session *s, struct insight_probe *child,
			 struct insight_fork *f, u32 id, struct pt_regs *regs);
static int insight_split(struct insight_session *s, struct insight_probe *self,
			 struct insight_fork *f, struct pt_regs *regs);

/* The child of split @f at the trampoline's nop: register, then go on. */
static void insight_split_child(struct insight_session *s,
				struct insight_fork *f, u32 id,
				struct pt_regs *regs)
{
	struct insight_probe *child;
	u32 flags;

	insight_nproc_restore(current, f->nproc);
	child = insight_split_end(s, f, id, task_pid(current), current->mm);
	if (!child) {
		send_sig(SIGKILL, current, 1);	/* untracked: never run */
		insight_fork_put(s, id, f);
		return;
	}
	/* its memory shared with others becomes its own, or it dies */
	if (insight_shared_maps_private()) {
		send_sig(SIGKILL, current, 1);
		insight_fork_put(s, id, f);
		return;
	}
	if (f->hold) {
		insight_hold(s, child, f, id, regs);
		return;
	}
	flags = INSIGHT_DECISION_FORK | INSIGHT_DECISION_DEVIATED |
		(f->child_taken ? INSIGHT_DECISION_TAKEN : 0);
	insight_path_log(&child->path, f->site, f->addr, flags);
	*regs = f->regs;
	instruction_pointer_set(regs, f->child_taken ? f->taken_ip :
						      f->not_taken_ip);
	insight_step_apply(child, regs);
	insight_fork_put(s, id, f);
}

/* At the trampoline's nop, in the parent and in the child of a fork. */
static int insight_tramp_handler(struct uprobe_consumer *uc,
				 struct pt_regs *regs)
{
	struct insight_session *s = container_of(uc, struct insight_session, tramp_uc);
	struct insight_probe *parent;
	struct insight_fork *f;
	enum insight_side side;
	u32 id = regs->bx;

	f = insight_fork_claim(s, id, &side);
	if (!f)
		return 0;	/* not one of ours: the ud2 that follows stops it */
	if (side == INSIGHT_CHILD) {
		insight_split_child(s, f, id, regs);
		return 0;
	}
	insight_nproc_restore(current, f->nproc);
	insight_split_parent(s, f, id);
	*regs = f->regs;
	instruction_pointer_set(regs, f->parent_ip);
	parent = insight_probe_of_mm(s, current->mm);
	if (parent)
		insight_step_apply(parent, regs);
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
	unsigned long tramp;
	u32 id;

	if (!insight_probes_reserve(s, f->hold))
		return -EAGAIN;
	tramp = self->id ? READ_ONCE(s->tramp_addr) : insight_tramp_map(s);
	if (!tramp)
		goto err_unreserve;
	/* complete before xa_alloc() makes it claimable */
	refcount_set(&f->refs, 2);
	mutex_init(&f->lock);
	f->ended = false;
	f->child = NULL;
	f->task = get_task_struct(current);
	f->child_task = NULL;
	f->parent_back = false;
	f->child_back = false;
	f->parent = self->id;
	f->in_off = self->in_off;
	/* a copy of the target is the target to itself (kmod/sandbox.c) */
	f->as_tgid = self->id ? self->as_tgid : task_tgid_vnr(current);
	f->as_tid = self->id ? self->as_tid : task_pid_vnr(current);
	f->nproc = RLIM_INFINITY;	/* lifted once claimable (nproc.c) */
	if (xa_alloc(&s->forks, &id, f, xa_limit_31b, GFP_KERNEL)) {
		put_task_struct(f->task);
		goto err_unreserve;
	}
	if (!self->id)
		atomic_inc(&s->target_forking);
	f->nproc = insight_nproc_lift();

	/* clone(CLONE_PARENT, same stack, no tids, no tls) at the trampoline */
	regs->ax = __NR_clone;
	regs->di = CLONE_PARENT;
	regs->si = 0;
	regs->dx = 0;
	regs->r10 = 0;
	regs->r8 = 0;
	regs->r9 = insight_fork_cookie;
	regs->bx = id;
	instruction_pointer_set(regs, tramp);
	return 0;

err_unreserve:
	insight_probes_unreserve(s, f->hold);
	return -ENOMEM;
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
	insight_step_strip(self, &f->regs);	/* the program's own flags */
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
	if (again) {	/* a copy of the split's facts, holding no reference */
		again->task = NULL;
		again->child_task = NULL;
	}
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
	xa_for_each(&s->forks, id, f) {
		xa_erase(&s->forks, id);	/* the fork tracepoint's look ends */
		insight_fork_free(f);
	}
	xa_destroy(&s->forks);
	fput(s->tramp_file);
	s->tramp_file = NULL;
}
