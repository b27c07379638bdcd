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
#define INSIGHT_PATH_INITIAL	256

/**
 * struct insight_fork - a fork between its decision and its resume
 * @refs: one for the parent's resume, one for the child's
 * @regs: the forking probe's registers at the branch
 * @mm: the forking probe's mm (tells the parent from the child)
 * @parent: the forking probe's id
 * @site: index of the site
 * @seq: sequence number of the fork decision in the parent's log
 * @natural_ip: where the parent goes on (the flags' direction)
 * @other_ip: where the child goes
 * @natural_taken: whether the natural direction is the jump
 */
struct insight_fork {
	refcount_t refs;
	struct pt_regs regs;
	struct mm_struct *mm;
	u32 parent;
	u32 site;
	u64 seq;
	unsigned long natural_ip;
	unsigned long other_ip;
	bool natural_taken;
};

/* Double the log's room, up to max_log; only its owner task writes it. */
static void insight_path_grow(struct insight_path *p)
{
	u32 cap = min(p->cap * 2, insight_max_log);
	struct insight_decision *n, *old;

	n = kvcalloc(cap, sizeof(*n), GFP_KERNEL);
	if (!n)
		return;
	spin_lock(&p->lock);
	memcpy(n, p->entries, p->len * sizeof(*n));
	old = p->entries;
	p->entries = n;
	p->cap = cap;
	spin_unlock(&p->lock);
	kvfree(old);
}

/*
 * Log a decision of the probe owning @p, from its own context.  Returns
 * its sequence number; the log keeps its prefix and counts the rest.
 */
u64 insight_path_log(struct insight_path *p, u32 site, u32 flags)
{
	u64 seq;

	if (p->len == p->cap && p->cap < insight_max_log)
		insight_path_grow(p);
	spin_lock(&p->lock);
	seq = p->len + p->lost;
	if (p->len < p->cap) {
		p->entries[p->len].seq = seq;
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

/* Running probes; those seen exited leave the live list. */
static unsigned int insight_probes_running(struct insight_session *s)
{
	struct insight_probe *p, *tmp;
	unsigned int n = 0;

	spin_lock(&s->lock);
	list_for_each_entry_safe(p, tmp, &s->live, live) {
		if (insight_probe_running(p))
			n++;
		else
			list_del_init(&p->live);
	}
	spin_unlock(&s->lock);
	return n;
}

static void insight_fork_put(struct insight_session *s, u32 id,
			     struct insight_fork *f)
{
	if (refcount_dec_and_test(&f->refs)) {
		xa_erase(&s->forks, id);
		kfree(f);
	}
}

static void insight_degraded(struct insight_session *s)
{
	spin_lock(&s->lock);
	s->degraded++;
	spin_unlock(&s->lock);
}

/* At the trampoline's nop, in the parent and in the child of a fork. */
static int insight_tramp_handler(struct uprobe_consumer *uc,
				 struct pt_regs *regs)
{
	struct insight_session *s = container_of(uc, struct insight_session, tramp_uc);
	u32 id = regs->bx, flags;
	struct insight_probe *child;
	struct insight_fork *f;
	bool forked;

	f = xa_load(&s->forks, id);
	if (!f)
		return 0;	/* not one of ours: the ud2 that follows stops it */

	if (current->mm != f->mm) {
		flags = INSIGHT_DECISION_FORK | INSIGHT_DECISION_DEVIATED |
			(f->natural_taken ? 0 : INSIGHT_DECISION_TAKEN);
		child = insight_probe_new(s, task_pid(current), current->mm,
					  f->parent, f->seq);
		if (child)
			insight_path_log(&child->path, f->site, flags);
		else
			send_sig(SIGKILL, current, 1);	/* untracked: never run */
		*regs = f->regs;
		instruction_pointer_set(regs, f->other_ip);
		insight_fork_put(s, id, f);
		return 0;
	}

	forked = (long)regs->ax > 0;
	*regs = f->regs;
	instruction_pointer_set(regs, f->natural_ip);
	if (!forked) {
		insight_degraded(s);	/* clone failed: no child will resume */
		insight_fork_put(s, id, f);
	}
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
 * A FORK decision of probe @self at @site, from the site's trap handler:
 * send the probe through the trampoline, or run the branch naturally
 * (and count it) when the session is at its probe cap.
 */
void insight_fork(struct insight_session *s, struct insight_probe *self,
		  struct insight_site *site, struct pt_regs *regs, bool natural)
{
	u32 flags = natural ? INSIGHT_DECISION_TAKEN : 0;
	unsigned long tramp = 0;
	struct insight_fork *f;
	u32 id;

	if (insight_probes_running(s) < insight_max_probes)
		tramp = self->id ? READ_ONCE(s->tramp_addr) : insight_tramp_map(s);
	f = tramp ? kzalloc(sizeof(*f), GFP_KERNEL) : NULL;
	if (!f)
		goto natural;
	if (xa_alloc(&s->forks, &id, f, xa_limit_31b, GFP_KERNEL)) {
		kfree(f);
		goto natural;
	}
	refcount_set(&f->refs, 2);
	f->regs = *regs;
	f->mm = current->mm;
	f->parent = self->id;
	f->site = site->index;
	f->natural_taken = natural;
	f->natural_ip = natural ? site->target : site->next;
	f->other_ip = natural ? site->next : site->target;
	f->seq = insight_path_log(&self->path, site->index,
				  flags | INSIGHT_DECISION_FORK);
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
	return;

natural:
	insight_degraded(s);
	insight_path_log(&self->path, site->index, flags);
	instruction_pointer_set(regs, natural ? site->target : site->next);
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

/*
 * First half of a session's end, before its sites go: kill the probes and
 * let the target finish a fork under way, so that it never resumes in the
 * trampoline once its uprobe is gone.
 */
void insight_probes_end(struct insight_session *s)
{
	insight_probes_kill(s);
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
		kvfree(p->path.entries);
		kfree(p);
	}
}
