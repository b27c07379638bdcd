// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection into whole components (Documentation/kmod.rst, "Fault
 * injection"): every process of a cgroup v2 subtree, or of a process
 * tree (a process and its descendants), is made to fail a syscall with
 * an errno, to wait before it, or to die at it, or to return a chosen
 * value at the entry of a library function, for the fault-injection
 * campaigns of the explorer (insight campaign).  An injection belongs to
 * the generic-netlink socket that added it: it goes when that socket
 * closes, or with INJECT_DEL, and normal behaviour is back at once
 * (a call waiting in a delay goes on then).
 *
 * Syscalls: a kprobe at the entry of the syscall's function
 * (__x64_sys_NAME, named from the kernel's own table, asm/syscalls_64.h)
 * only tells whether the task is in the injection's component; if so the
 * function returns at once (kmod/inject_ret.S) and a task_work decides in
 * the task's own context, where the call's arguments can be read (its
 * path, its fd's kind, path and peer, a sockaddr's port): it fails the
 * call, kills the task, or makes the call again (ip back over the
 * syscall instruction), at once or after the delay, with a pass for that
 * one call.  The component's other syscalls, and everyone else's, cost
 * nothing; other processes' calls of that syscall cost the kprobe.
 *
 * Library functions: a uprobe at the function's entry, inserted only in
 * the component's processes (the consumer's filter), returns at once
 * with the value in ax (the return address popped), which the uprobes of
 * this kernel allow: a handler that moves ip skips the single-step
 * (checked at load, kmod/selftest.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/kprobes.h>
#include <linux/uaccess.h>
#include <linux/uprobes.h>
#include <net/net_namespace.h>
#include <asm/syscall.h>
#include <asm/unistd.h>
#include <insight/inject_args.h>

#include "inject.h"
#include "insight.h"

#define INSIGHT_INJECTS_MAX		256	/* in all; per socket: insight.h */
#define INSIGHT_INJECT_TREE_DEPTH	64	/* ancestors looked at */

/**
 * struct insight_inject - one injection
 * @node: in insight_injects (RCU)
 * @gone: in a list of injections being removed
 * @spec: what it does, to whom, when (as the owner gave it)
 * @id: its id, unique while the module is loaded
 * @net: the owner socket's network namespace
 * @portid: the owner socket
 * @cgrp: the component: a cgroup (a reference is held), or NULL
 * @root: the component: the root of a process tree (a reference), or NULL
 * @inode: a library function's file (a reference), or NULL: a syscall
 * @uc: the library function's uprobe consumer
 * @kp: the syscall's kprobe
 * @matched: calls that matched it (the component's, every filter)
 * @injected: calls it acted on
 */
struct insight_inject {
	struct list_head node;
	struct list_head gone;
	struct insight_inject_spec spec;
	u32 id;
	struct net *net;
	u32 portid;
	struct cgroup *cgrp;
	struct pid *root;
	struct inode *inode;
	struct uprobe_consumer uc;
	struct kprobe kp;
	atomic64_t matched;
	atomic64_t injected;
};

static LIST_HEAD(insight_injects);
static DEFINE_MUTEX(insight_inject_lock);	/* writers of the list */
static unsigned int insight_ninjects;
static u32 insight_inject_next_id = 1;

/*
 * The x86-64 syscalls' functions, by number, as the kernel's own table:
 * the generated list has every number from 0, in order (the unused ones
 * as sys_ni_syscall).
 */
#define __SYSCALL(nr, sym) "__x64_" #sym,
static const char *const insight_syscall_fn[] = {
#include <asm/syscalls_64.h>
};
#undef __SYSCALL

void insight_inject_return(void);	/* kmod/inject_ret.S */

/* Bumped as an injection goes: calls waiting in a delay go on then. */
static atomic_t insight_inject_gen = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(insight_inject_wq);

/* Whether @t is in @inj's component (under RCU). */
static bool insight_in_component(const struct insight_inject *inj,
				 struct task_struct *t)
{
	int depth;

	if (inj->cgrp)
		return task_under_cgroup_hierarchy(t, inj->cgrp);
	for (depth = 0; depth < INSIGHT_INJECT_TREE_DEPTH; depth++) {
		if (task_tgid(t) == inj->root)
			return true;
		if (t->pid <= 1)
			return false;
		t = rcu_dereference(t->real_parent);
	}
	return false;
}

/* Whether @inj acts on its @n-th matching call: its nth, its probability. */
static bool insight_inject_fires(const struct insight_inject *inj, u64 n)
{
	if (inj->spec.nth && n != inj->spec.nth)
		return false;
	return !inj->spec.prob_ppm ||
	       get_random_u32() % 1000000 < inj->spec.prob_ppm;
}

/* Whether @a and @b inject at one point: a syscall, or a file's function. */
static bool insight_same_point(const struct insight_inject *a,
			       const struct insight_inject *b)
{
	return a->inode == b->inode &&
	       (a->inode ? a->spec.offset == b->spec.offset : a->spec.nr == b->spec.nr);
}

/*
 * Whether @inj decides the calls at its point (under RCU).  Each
 * injection has its own probe, and every probe at a point runs at each
 * call there; only the first injection at that point on the list (the
 * first added) decides, for all of them in the order they were added:
 * a call is seen once by each, and taken by at most one.
 */
static bool insight_inject_decides(const struct insight_inject *inj)
{
	const struct insight_inject *i;

	list_for_each_entry_rcu(i, &insight_injects, node)
		if (insight_same_point(i, inj))
			return i == inj;
	return false;	/* off the list: being removed */
}

/*
 * Whether @inj decides for task @t's call (RCU): it is the first at its
 * point and an injection there has @t in its component.  One walk of the
 * list: this runs at every call of the syscall, by any process.
 */
static bool insight_inject_decides_for(const struct insight_inject *inj,
				       struct task_struct *t)
{
	const struct insight_inject *i;
	bool first = true;

	list_for_each_entry_rcu(i, &insight_injects, node) {
		if (!insight_same_point(i, inj))
			continue;
		if (first && i != inj)
			return false;	/* another decides */
		first = false;
		if (insight_in_component(i, t))
			return true;
	}
	return false;
}

/* Whether an injection of syscall @nr is on the list (RCU). */
bool insight_syscall_armed(long nr)
{
	const struct insight_inject *i;

	list_for_each_entry_rcu(i, &insight_injects, node)
		if (!i->inode && i->spec.nr == nr)
			return true;
	return false;
}

/**
 * struct insight_inject_work - a call of a component, decided in task context
 * @cb: the task_work
 * @nr: the syscall
 * @args: its arguments
 */
struct insight_inject_work {
	struct callback_head cb;
	long nr;
	unsigned long args[6];
};

static atomic_t insight_inject_works = ATOMIC_INIT(0);

/* What the first injection that fires does with the call; copied out of RCU. */
static u32 insight_inject_decide(long nr, const struct insight_call *c,
				 struct insight_inject_spec *act)
{
	struct insight_inject *inj;
	u32 action = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(inj, &insight_injects, node) {
		if (inj->inode || !insight_in_component(inj, current) ||
		    !insight_call_matches(&inj->spec, nr, c))
			continue;
		if (!insight_inject_fires(inj, atomic64_inc_return(&inj->matched)))
			continue;
		atomic64_inc(&inj->injected);
		*act = inj->spec;
		action = inj->spec.action;
		break;
	}
	rcu_read_unlock();
	return action;
}

/* The call waits @ms, or less if an injection goes meanwhile, or a signal. */
static void insight_inject_wait(u32 ms)
{
	int gen = atomic_read(&insight_inject_gen);

	wait_event_interruptible_timeout(insight_inject_wq,
					 atomic_read(&insight_inject_gen) != gen,
					 msecs_to_jiffies(ms));
}

static void insight_inject_work_run(struct callback_head *cb)
{
	struct insight_inject_work *w = container_of(cb, struct insight_inject_work, cb);
	struct pt_regs *regs = task_pt_regs(current);
	struct insight_inject_spec act;
	struct insight_call *c;
	u32 action = 0;

	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (c && current->mm) {
		insight_call_read(c, w->nr, w->args);
		action = insight_inject_decide(w->nr, c, &act);
	}
	kfree(c);
	switch (action) {
	case INSIGHT_INJECT_ERRNO:
		regs->ax = -(long)act.err;
		break;
	case INSIGHT_INJECT_KILL:
		send_sig(SIGKILL, current, 1);
		regs->ax = -EINTR;
		break;
	case INSIGHT_INJECT_DELAY:
		insight_inject_wait(act.delay_ms);
		fallthrough;
	default:	/* the call itself, made again */
		regs->ip -= 2;
		regs->ax = w->nr;
		insight_pass_give(w->nr, regs->ip + 2);
		break;
	}
	kfree(w);
	atomic_dec(&insight_inject_works);
}

/*
 * At the entry of the syscall's function, @regs the function's: for a
 * task of a component of the syscall's injections, the deciding one's
 * handler (the others' do nothing) makes the function return at once,
 * and a task_work decides (the call's user registers are the task's
 * own).  Returning 1 stops the handlers of other kprobes at the address.
 */
static int insight_inject_kprobe(struct kprobe *kp, struct pt_regs *regs)
{
	struct insight_inject *inj = container_of(kp, struct insight_inject, kp);
	struct pt_regs *user = task_pt_regs(current);
	struct insight_inject_work *w;
	bool in;

	if (in_ia32_syscall() || !current->mm || !user_mode(user))
		return 0;
	rcu_read_lock();
	in = insight_inject_decides_for(inj, current);
	rcu_read_unlock();
	if (!in || insight_pass_take(inj->spec.nr, user->ip))
		return 0;
	w = kzalloc(sizeof(*w), GFP_ATOMIC | __GFP_NOWARN);
	if (!w)
		return 0;	/* not injected: the call runs */
	w->nr = inj->spec.nr;
	syscall_get_arguments(current, user, w->args);
	init_task_work(&w->cb, insight_inject_work_run);
	insight_sandbox_works_queued();	/* before the first: module unload */
	atomic_inc(&insight_inject_works);
	if (task_work_add(current, &w->cb, TWA_SIGNAL)) {
		atomic_dec(&insight_inject_works);
		kfree(w);
		return 0;
	}
	regs->ax = -EINTR;	/* the work sets the call's result */
	regs->ip = (unsigned long)insight_inject_return;
	return 1;		/* ip changed: no single-step */
}

/*
 * After the function's first instruction, when the handler above let it
 * run: nothing to do.  A post handler makes the kprobe one whose handler
 * may move ip (kprobes on ftrace then use FTRACE_OPS_FL_IPMODIFY).
 */
static void insight_inject_kprobe_post(struct kprobe *kp, struct pt_regs *regs,
				       unsigned long flags)
{
}

/*
 * A library function's entry in a component's process: the first
 * injection there that fires returns at once (the decider, above, for
 * all of them; the other consumers' handlers stop at that check).  The
 * return address is read out of RCU (it may fault): if it cannot be, the
 * call is neither seen nor injected.
 */
static int insight_inject_uprobe(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct insight_inject *inj = container_of(uc, struct insight_inject, uc);
	struct insight_inject *i;
	unsigned long ret, val;
	bool act;

	rcu_read_lock();
	act = insight_inject_decides(inj);
	rcu_read_unlock();
	if (!act || get_user(ret, (unsigned long __user *)regs->sp))
		return 0;	/* another decides; or no return address: not seen */
	act = false;
	rcu_read_lock();
	list_for_each_entry_rcu(i, &insight_injects, node) {
		if (!insight_same_point(i, inj) || !insight_in_component(i, current) ||
		    !insight_inject_fires(i, atomic64_inc_return(&i->matched)))
			continue;
		atomic64_inc(&i->injected);
		val = i->spec.retval;
		act = true;
		break;
	}
	rcu_read_unlock();
	if (act) {
		regs->sp += sizeof(ret);
		regs->ip = ret;
		regs->ax = val;
	}
	return 0;
}

/* Whether the uprobe goes into @mm: only a component's processes'. */
static bool insight_inject_uprobe_filter(struct uprobe_consumer *uc,
					 enum uprobe_filter_ctx ctx,
					 struct mm_struct *mm)
{
	struct insight_inject *inj = container_of(uc, struct insight_inject, uc);
	struct task_struct *owner;
	bool in = false;

	rcu_read_lock();
	owner = rcu_dereference(mm->owner);
	if (owner)
		in = insight_in_component(inj, owner);
	rcu_read_unlock();
	return in;
}

static void insight_inject_free(struct insight_inject *inj)
{
	if (inj->cgrp)
		cgroup_put(inj->cgrp);
	put_pid(inj->root);
	iput(inj->inode);
	put_net(inj->net);
	kfree(inj);
}

/**
 * insight_inject_add() - add an injection, owned by a socket
 * @net: the socket's network namespace
 * @portid: the socket
 * @sp: what to inject, when (checked by the caller: kmod/genl_inject.c)
 * @cgroup_fd: the component: an fd of a cgroup v2 directory, or -1
 * @pid: the component: the root of a process tree (in the caller's pid
 *	namespace), or 0
 * @lib_fd: a library function's file, open by the caller, or -1
 * @id: set to the injection's id
 *
 * Return: 0, -EBADF (an fd is not one), -ESRCH (no such process), -ENOSPC
 * (too many injections), -EOPNOTSUPP (no such syscall in this kernel, or
 * uprobes cannot probe the function's first instruction or read its
 * file), or another errno of uprobe_register() (-EINVAL: an
 * offset past the file's end).
 */
int insight_inject_add(struct net *net, u32 portid,
		       const struct insight_inject_spec *sp, int cgroup_fd,
		       pid_t pid, int lib_fd, u32 *id)
{
	struct insight_inject *inj, *other;
	unsigned int mine = 0;
	struct file *lib;
	int err;

	inj = kzalloc(sizeof(*inj), GFP_KERNEL);
	if (!inj)
		return -ENOMEM;
	inj->spec = *sp;
	inj->spec.path[sizeof(inj->spec.path) - 1] = '\0';
	inj->net = get_net(net);
	inj->portid = portid;
	if (cgroup_fd >= 0) {
		inj->cgrp = cgroup_get_from_fd(cgroup_fd);
		if (IS_ERR(inj->cgrp)) {	/* not a cgroup v2 directory */
			err = -EBADF;
			inj->cgrp = NULL;
			goto fail;
		}
	} else {
		inj->root = find_get_pid(pid);
		err = -ESRCH;
		if (!inj->root || !pid_task(inj->root, PIDTYPE_TGID))
			goto fail;
	}
	if (lib_fd >= 0) {
		lib = fget(lib_fd);
		err = -EBADF;
		if (!lib)
			goto fail;
		if (S_ISREG(file_inode(lib)->i_mode))
			inj->inode = igrab(file_inode(lib));
		fput(lib);
		if (!inj->inode)
			goto fail;
		inj->uc.handler = insight_inject_uprobe;
		inj->uc.filter = insight_inject_uprobe_filter;
	} else {
		/* one name a number, none missing: else the indices are off */
		BUILD_BUG_ON(ARRAY_SIZE(insight_syscall_fn) != NR_syscalls);
		err = -EOPNOTSUPP;	/* no such syscall in this kernel */
		if (sp->nr >= ARRAY_SIZE(insight_syscall_fn) ||
		    !insight_syscall_fn[sp->nr] ||
		    !strcmp(insight_syscall_fn[sp->nr], "__x64_sys_ni_syscall"))
			goto fail;
		inj->kp.symbol_name = insight_syscall_fn[sp->nr];
		inj->kp.pre_handler = insight_inject_kprobe;
		inj->kp.post_handler = insight_inject_kprobe_post;
	}
	mutex_lock(&insight_inject_lock);
	list_for_each_entry(other, &insight_injects, node)
		mine += other->portid == portid && net_eq(other->net, net);
	err = -ENOSPC;
	if (mine >= INSIGHT_INJECTS_PER_OWNER ||
	    insight_ninjects >= INSIGHT_INJECTS_MAX)
		goto unlock;
	err = inj->inode ? uprobe_register(inj->inode, sp->offset, &inj->uc) :
			   register_kprobe(&inj->kp);
	/*
	 * Not a point kprobes or uprobes can probe: a syscall the kernel
	 * lacks, an instruction uprobes cannot step (-ENOTSUPP, which must
	 * not reach userspace), a file it cannot read (no read_folio: -EIO)
	 */
	if (err == -ENOTSUPP || (err == -EIO && inj->inode) ||
	    (err && err != -ENOMEM && !inj->inode))
		err = -EOPNOTSUPP;
	if (err)
		goto unlock;
	inj->id = insight_inject_next_id++;
	*id = inj->id;
	list_add_tail_rcu(&inj->node, &insight_injects);
	insight_ninjects++;
	mutex_unlock(&insight_inject_lock);
	return 0;
unlock:
	mutex_unlock(&insight_inject_lock);
fail:
	insight_inject_free(inj);
	return err;
}

/*
 * Remove the injections on @gone, already off the list: let delayed calls
 * go on, take their probes out, wait until no reader has them, free them.
 */
static void insight_inject_remove(struct list_head *gone)
{
	struct insight_inject *inj, *tmp;

	if (list_empty(gone))
		return;
	atomic_inc(&insight_inject_gen);
	wake_up_all(&insight_inject_wq);
	list_for_each_entry(inj, gone, gone) {
		if (inj->inode)
			uprobe_unregister(inj->inode, inj->spec.offset, &inj->uc);
		else
			unregister_kprobe(&inj->kp);	/* waits for its handlers */
	}
	synchronize_rcu();	/* no reader of the list has them */
	list_for_each_entry_safe(inj, tmp, gone, gone) {
		if (!inj->inode)
			insight_pass_drop(inj->spec.nr);
		insight_inject_free(inj);
	}
}

/* Take @inj off the list onto @gone (under insight_inject_lock). */
static void insight_inject_unlink(struct insight_inject *inj, struct list_head *gone)
{
	list_del_rcu(&inj->node);
	list_add_tail(&inj->gone, gone);
	insight_ninjects--;
}

/**
 * insight_inject_del() - remove one of a socket's injections
 * @net: the socket's network namespace
 * @portid: the socket
 * @id: the injection
 *
 * Return: 0, or -ENOENT if the socket has no such injection.
 */
int insight_inject_del(struct net *net, u32 portid, u32 id)
{
	struct insight_inject *inj;
	LIST_HEAD(gone);

	mutex_lock(&insight_inject_lock);
	list_for_each_entry(inj, &insight_injects, node) {
		if (inj->id == id && inj->portid == portid && net_eq(inj->net, net)) {
			insight_inject_unlink(inj, &gone);
			break;
		}
	}
	mutex_unlock(&insight_inject_lock);
	if (list_empty(&gone))
		return -ENOENT;
	insight_inject_remove(&gone);
	return 0;
}

/* The socket @portid of @net closed: its injections go (none: no work). */
void insight_inject_release(struct net *net, u32 portid)
{
	struct insight_inject *inj, *tmp;
	bool any = false;
	LIST_HEAD(gone);

	rcu_read_lock();
	list_for_each_entry_rcu(inj, &insight_injects, node)
		any |= inj->portid == portid && net_eq(inj->net, net);
	rcu_read_unlock();
	if (!any)
		return;
	mutex_lock(&insight_inject_lock);
	list_for_each_entry_safe(inj, tmp, &insight_injects, node)
		if (inj->portid == portid && net_eq(inj->net, net))
			insight_inject_unlink(inj, &gone);
	mutex_unlock(&insight_inject_lock);
	insight_inject_remove(&gone);
}

/**
 * insight_inject_list() - a socket's injections and their counts
 * @net: the socket's network namespace
 * @portid: the socket
 * @out: room for @max of them
 * @max: its size
 *
 * Return: how many were written (at most INSIGHT_INJECTS_PER_OWNER).
 */
unsigned int insight_inject_list(struct net *net, u32 portid,
				 struct insight_inject_info *out, unsigned int max)
{
	struct insight_inject *inj;
	unsigned int n = 0;

	mutex_lock(&insight_inject_lock);
	list_for_each_entry(inj, &insight_injects, node) {
		if (n == max)
			break;
		if (inj->portid != portid || !net_eq(inj->net, net))
			continue;
		out[n].id = inj->id;
		out[n].nr = inj->spec.nr;
		out[n].action = inj->spec.action;
		out[n].matched = atomic64_read(&inj->matched);
		out[n].injected = atomic64_read(&inj->injected);
		n++;
	}
	mutex_unlock(&insight_inject_lock);
	return n;
}

/*
 * Module unload (no command runs any more): every injection goes, a
 * socket that added one may still be open; then calls still in a work
 * (a delay the removal woke) finish before the module text goes.
 */
void insight_inject_exit(void)
{
	struct insight_inject *inj, *tmp;
	LIST_HEAD(gone);
	int i;

	mutex_lock(&insight_inject_lock);
	list_for_each_entry_safe(inj, tmp, &insight_injects, node)
		insight_inject_unlink(inj, &gone);
	mutex_unlock(&insight_inject_lock);
	insight_inject_remove(&gone);
	for (i = 0; i < 500 && atomic_read(&insight_inject_works); i++)
		msleep(20);
}
