// SPDX-License-Identifier: GPL-2.0
/*
 * Probes and the fork of a probe at a branch, done by the kernel.
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

#include <linux/delay.h>
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
#define INSIGHT_PATH_INITIAL	16

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

/* Give the log room for @cap decisions (at most max_log); sleeps. */
void insight_path_reserve(struct insight_path *p, u32 cap)
{
	struct insight_decision *n, *old;

	cap = min(cap, insight_max_log);
	if (cap <= READ_ONCE(p->cap))
		return;

	n = kvcalloc(cap, sizeof(*n), GFP_KERNEL);
	if (!n)
		return;
	spin_lock(&p->lock);
	if (cap > p->cap) {
		memcpy(n, p->entries, p->len * sizeof(*n));
		swap(n, p->entries);
		p->cap = cap;
	}
	old = n;
	spin_unlock(&p->lock);
	kvfree(old);
}

/*
 * Log a decision of the probe owning @p.  Returns its sequence number;
 * the log keeps its prefix and counts the rest.  It grows (and sleeps)
 * only for site decisions: stepped ones come from atomic context into
 * room reserved when stepping was turned on.
 */
u64 insight_path_log(struct insight_path *p, u32 site, u64 addr, u32 flags)
{
	u64 seq;

	if (!(flags & INSIGHT_DECISION_STEPPED) && p->len == p->cap &&
	    p->cap < insight_max_log)
		insight_path_reserve(p, p->cap * 2);
	spin_lock(&p->lock);
	seq = p->len + p->lost;
	if (p->len < p->cap) {
		p->entries[p->len].seq = seq;
		p->entries[p->len].addr = addr;
		p->entries[p->len].site = site;
		p->entries[p->len].flags = flags;
		p->len++;
	} else {
		p->lost++;
	}
	spin_unlock(&p->lock);
	return seq;
}

struct insight_probe *insight_probe_new(struct insight_session *s,
					struct pid *pid, struct mm_struct *mm,
					u32 parent, u64 fork_seq)
{
	struct insight_probe *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->path.cap = min_t(u32, INSIGHT_PATH_INITIAL, insight_max_log);
	p->path.entries = kvcalloc(p->path.cap, sizeof(*p->path.entries),
				   GFP_KERNEL);
	if (!p->path.entries) {
		kfree(p);
		return NULL;
	}
	spin_lock_init(&p->path.lock);
	INIT_LIST_HEAD(&p->outputs);
	p->pid = get_pid(pid);
	p->mm = mm;
	mmgrab(mm);
	p->fork_seq = fork_seq;
	spin_lock(&s->lock);
	p->id = s->nprobes++;
	p->parent = p->id ? parent : 0;
	list_add_tail(&p->node, &s->probes);
	list_add(&p->live, &s->live);
	spin_unlock(&s->lock);
	return p;
}

/* Only live probes trap: the live list is at most max_probes long. */
struct insight_probe *insight_probe_of_mm(struct insight_session *s,
					  struct mm_struct *mm)
{
	struct insight_probe *p, *found = NULL;

	spin_lock(&s->lock);
	list_for_each_entry(p, &s->live, live) {
		if (p->mm == mm) {
			found = p;
			break;
		}
	}
	spin_unlock(&s->lock);
	return found;
}

struct insight_probe *insight_probe_get(struct insight_session *s, u32 id)
{
	struct insight_probe *p, *found = NULL;

	spin_lock(&s->lock);
	list_for_each_entry(p, &s->probes, node) {
		if (p->id == id) {
			found = p;
			break;
		}
	}
	spin_unlock(&s->lock);
	return found;
}

bool insight_probe_running(struct insight_probe *p)
{
	struct task_struct *task;
	bool running;

	rcu_read_lock();
	task = pid_task(p->pid, PIDTYPE_PID);
	running = task && !(task->flags & PF_EXITING);
	rcu_read_unlock();
	return running;
}

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
			child->stepping = f->stepping;	/* its registers hold the flag */
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

/* Running and held probes; those seen exited leave the live list. */
static void insight_probes_count(struct insight_session *s,
				 unsigned int *running, unsigned int *held)
{
	struct insight_probe *p, *tmp;

	*running = 0;
	*held = 0;
	spin_lock(&s->lock);
	list_for_each_entry_safe(p, tmp, &s->live, live) {
		if (!insight_probe_running(p))
			list_del_init(&p->live);
		else if (READ_ONCE(p->held))
			(*held)++;
		else
			(*running)++;
	}
	spin_unlock(&s->lock);
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

/*
 * PATH_GET: copy up to @max decisions of probe @id from sequence number
 * @start into @d; *@lost gets the decisions the full log dropped.
 * Returns how many, or -ENOENT for an unknown probe.
 */
int insight_path_read(struct insight_session *s, u32 id, u64 start,
		      struct insight_decision *d, u32 max, u64 *lost)
{
	struct insight_probe *p = insight_probe_get(s, id);
	u32 n = 0;

	if (!p)
		return -ENOENT;
	spin_lock(&p->path.lock);
	/* the log keeps a prefix: entries[i].seq == i */
	if (start < p->path.len)
		n = min_t(u64, p->path.len - start, max);
	memcpy(d, p->path.entries + start, n * sizeof(*d));
	*lost = p->path.lost;
	spin_unlock(&p->path.lock);
	return n;
}

/* PROBES_GET: copy up to @max probes of id @from and above into @out. */
int insight_probes_read(struct insight_session *s, u32 from,
			struct insight_probe_snap *out, u32 max)
{
	struct insight_probe *p;
	u32 n = 0;

	spin_lock(&s->lock);
	list_for_each_entry(p, &s->probes, node) {
		if (p->id < from)
			continue;
		if (n == max)
			break;
		out[n].id = p->id;
		out[n].parent = p->parent;
		out[n].fork_seq = p->fork_seq;
		out[n].pid = pid_vnr(p->pid);
		out[n].state = insight_probe_state(p);
		n++;
	}
	spin_unlock(&s->lock);
	return n;
}

enum insight_probe_state insight_probe_state(struct insight_probe *p)
{
	if (!insight_probe_running(p))
		return INSIGHT_PROBE_EXITED;
	return READ_ONCE(p->held) ? INSIGHT_PROBE_HELD : INSIGHT_PROBE_RUNNING;
}

/* PROBE_RESUME; caller holds insight_lock. */
int insight_probe_resume(struct insight_session *s, u32 id, u32 policy, bool keep)
{
	struct insight_probe *p = insight_probe_get(s, id);

	if (!p)
		return -ENOENT;
	if (policy != INSIGHT_POLICY_TAKEN && policy != INSIGHT_POLICY_NOT_TAKEN)
		return -EINVAL;
	if (insight_probe_state(p) != INSIGHT_PROBE_HELD || READ_ONCE(p->resume))
		return -EINVAL;
	WRITE_ONCE(p->resume, (1 + policy) | (keep ? INSIGHT_RESUME_KEEP : 0));
	wake_up_var(&p->resume);
	return 0;
}

/* PROBE_KILL; caller holds insight_lock. */
int insight_probe_kill(struct insight_session *s, u32 id)
{
	struct insight_probe *p = insight_probe_get(s, id);

	if (!p)
		return -ENOENT;
	if (!id || insight_probe_state(p) == INSIGHT_PROBE_EXITED)
		return -EINVAL;
	return kill_pid(p->pid, SIGKILL, 1);
}

/* Kill every probe but the target (their parent reaps them). */
static void insight_probes_kill(struct insight_session *s)
{
	struct insight_probe *p;

	spin_lock(&s->lock);
	list_for_each_entry(p, &s->live, live)
		if (p->id)
			kill_pid(p->pid, SIGKILL, 1);
	spin_unlock(&s->lock);
}

/* Probes other than the target still running (or being forked). */
static bool insight_probes_quiet(struct insight_session *s)
{
	struct insight_probe *p;
	bool quiet = xa_empty(&s->forks);

	spin_lock(&s->lock);
	list_for_each_entry(p, &s->live, live)
		if (p->id && insight_probe_running(p))
			quiet = false;
	spin_unlock(&s->lock);
	return quiet;
}

/*
 * First part of a session's end, while its sites and sandbox still hold:
 * kill the probes until none is left (one forked meanwhile registers and
 * is killed in the next round), and let the target finish a fork under
 * way, so that it never resumes in the trampoline once its uprobe is gone.
 */
void insight_probes_end(struct insight_session *s)
{
	int tries;

	for (tries = 0; tries < 500; tries++) {
		insight_probes_kill(s);
		if (insight_probes_quiet(s))
			break;
		usleep_range(10000, 20000);
	}
	if (s->tramp_file)
		wait_var_event_timeout(&s->target_forking,
				       !atomic_read(&s->target_forking), 5 * HZ);
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

/* Second half, once no site handler can run: no new probe appears. */
void insight_probes_free(struct insight_session *s)
{
	struct insight_probe *p, *tmp;

	insight_fork_exit(s);
	insight_probes_kill(s);	/* forked while the sites went */
	list_for_each_entry_safe(p, tmp, &s->probes, node) {
		list_del(&p->node);
		list_del(&p->live);
		put_pid(p->pid);
		mmdrop(p->mm);
		insight_outputs_free(p);
		kvfree(p->path.entries);
		kfree(p);
	}
}
