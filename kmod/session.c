// SPDX-License-Identifier: GPL-2.0
/*
 * Exploration sessions.  A session belongs to the generic netlink socket
 * that created it: a NETLINK_URELEASE notifier ends it when that socket
 * is released (closed, or its process died), removing every breakpoint.
 *
 * insight_lock serialises the netlink commands and guards the session
 * list's membership; it is never held across a wait.  A session being
 * ended is first marked dead under it (commands no longer find it), then
 * ended without it by the task that released the socket, then unlinked.
 * The notifier looks for the socket's session under RCU first: closing
 * any other generic netlink socket of the system takes no lock of ours.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "insight.h"

DEFINE_MUTEX(insight_lock);
LIST_HEAD(insight_sessions);	/* RCU for the exit tracepoint */
static unsigned int nsessions;
static struct workqueue_struct *insight_wq;	/* ended sessions' reapers */
static u32 last_session_id;

/* Every netlink command and dump serialises on insight_lock. */
void insight_sessions_lock(void)
{
	mutex_lock(&insight_lock);
}

void insight_sessions_unlock(void)
{
	mutex_unlock(&insight_lock);
}

unsigned int insight_session_count(void)
{
	return nsessions;
}

struct insight_session *insight_session_find(struct net *net, u32 portid)
{
	struct insight_session *s;

	lockdep_assert_held(&insight_lock);
	list_for_each_entry(s, &insight_sessions, node)
		if (s->portid == portid && net_eq(s->net, net) && !s->dead)
			return s;
	return NULL;
}

/* Whether socket @portid may own a session, without any lock (RCU). */
static bool insight_session_maybe(struct net *net, u32 portid)
{
	struct insight_session *s;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(s, &insight_sessions, node)
		if (s->portid == portid && net_eq(s->net, net))
			found = true;
	rcu_read_unlock();
	return found;
}

static struct insight_session *insight_session_of_mm(struct mm_struct *mm)
{
	struct insight_session *s;

	list_for_each_entry(s, &insight_sessions, node)
		if (insight_probe_of_mm(s, mm))
			return s;
	return NULL;
}

/* The session has a target: ATTACH succeeded. */
bool insight_session_attached(struct insight_session *s)
{
	lockdep_assert_held(&insight_lock);
	return !list_empty(&s->probes);
}

/* Splits that did not happen, events not delivered: for PROBES_GET. */
void insight_session_counters(struct insight_session *s, u64 *degraded,
			      u64 *events_lost)
{
	spin_lock(&s->lock);
	*degraded = s->degraded;
	spin_unlock(&s->lock);
	*events_lost = atomic64_read(&s->events_lost);
}

/*
 * Charge @bytes of path log or output to @s: false beyond max_session_mem
 * MiB (the probes' logs and outputs, exited ones' included, stay until the
 * session ends).  What is not kept is counted lost in its probe's log or
 * outputs, as at max_log and max_outputs; the kernel log says so once.
 */
bool insight_mem_charge(struct insight_session *s, size_t bytes)
{
	s64 max = (s64)insight_max_session_mem << 20;

	if (atomic64_add_return(bytes, &s->mem) <= max)
		return true;
	atomic64_sub(bytes, &s->mem);
	if (!xchg(&s->mem_full, true))
		pr_info("session %u: max_session_mem (%u MiB) reached: further decisions and outputs are counted lost\n",
			s->id, insight_max_session_mem);
	return false;
}

void insight_mem_uncharge(struct insight_session *s, size_t bytes)
{
	atomic64_sub(bytes, &s->mem);
}

/* Open the session of socket @portid; its id goes to *@id. */
int insight_session_new(struct net *net, u32 portid, u32 *id)
{
	struct insight_session *s;

	lockdep_assert_held(&insight_lock);
	if (insight_session_find(net, portid))
		return -EBUSY;
	if (nsessions >= insight_max_sessions)
		return -EMFILE;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->probes);
	INIT_LIST_HEAD(&s->live);
	xa_init_flags(&s->forks, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&s->hook);
	s->input_fd = -1;
	s->net = net;
	s->portid = portid;
	s->id = ++last_session_id ?: ++last_session_id;	/* never 0 */
	*id = s->id;
	list_add_rcu(&s->node, &insight_sessions);
	nsessions++;
	return 0;
}

/* Remove the trampoline, unlink @s and free it: nothing of it runs after. */
static void insight_session_free(struct insight_session *s)
{
	insight_fork_exit(s);
	mutex_lock(&insight_lock);
	list_del_rcu(&s->node);
	nsessions--;
	mutex_unlock(&insight_lock);
	synchronize_rcu();	/* no tracepoint or notifier sees it now */
	insight_probes_free(s);
	kfree(s);
}

/*
 * An ended session whose target was stopped inside the trampoline: its
 * trampoline stays until the target resumes from it (or exits), so that
 * the target resumes at its branch, not into the ud2.  It holds a
 * reference to the module meanwhile: rmmod says the module is in use.
 */
static void insight_session_reap(struct work_struct *work)
{
	struct insight_session *s = container_of(to_delayed_work(work),
						 struct insight_session, reap);

	if (insight_target_forking(s)) {
		queue_delayed_work(insight_wq, &s->reap, HZ);
		return;
	}
	insight_session_free(s);
	module_put(THIS_MODULE);	/* insight_sessions_exit() drains insight_wq */
}

/*
 * End dead session @s, without insight_lock: first make it inert (no
 * site forks or snapshots any more, no split under way registers a
 * probe), kill its probes while the sandbox still holds their syscalls
 * and the exit tracepoint still sees them, stop intercepting, remove
 * every breakpoint, kill what a handler under way made meanwhile; then
 * remove the trampoline, unlink and free it, unless the target is still
 * inside the trampoline and @may_wait: then that is left to a worker.
 * The target runs on unharmed.
 */
static void insight_session_end(struct insight_session *s, bool may_wait)
{
	bool pinned = s->step_pinned;	/* set under insight_lock; s is dead */

	WRITE_ONCE(s->ending, true);
	insight_steps_end(s);	/* no probe is stepped from here on */
	insight_probes_end(s);
	insight_sandbox_end(s);
	insight_sites_remove(s);
	insight_probes_end(s);
	if (may_wait && insight_target_forking(s)) {
		pr_info("session %u: its target is stopped in a fork; the session is freed when it resumes\n",
			s->id);
		__module_get(THIS_MODULE);
		INIT_DELAYED_WORK(&s->reap, insight_session_reap);
		queue_delayed_work(insight_wq, &s->reap, HZ);
	} else {
		insight_session_free(s);
	}
	/*
	 * A stepping session's reference (insight_probe_step()).  Safe here:
	 * it never ends within an unload, and the unload's
	 * netlink_unregister_notifier() waits for this notifier call.
	 */
	if (pinned)
		module_put(THIS_MODULE);
}

/*
 * A 32-bit process (ia32, or x32: TIF_ADDR32 either way) cannot be
 * explored: the fork trampoline and the sandbox's syscall classes are
 * x86-64 ones.
 */
static bool insight_task_is_32bit(struct task_struct *task)
{
	return test_tsk_thread_flag(task, TIF_ADDR32);
}

/*
 * ATTACH: bind @s to process @nr, which the caller may trace if @mem_fd
 * is that process's /proc/PID/mem, open for writing (kmod/attach.c).
 */
int insight_session_attach(struct insight_session *s, pid_t nr, int mem_fd)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;
	int err = 0;

	lockdep_assert_held(&insight_lock);
	if (!list_empty(&s->probes))
		return -EBUSY;
	pid = find_get_pid(nr);
	if (!pid)
		return -ESRCH;
	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task) {
		err = -ESRCH;
		goto out_pid;
	}
	mm = get_task_mm(task);
	if (!mm) {
		err = -EINVAL;	/* a kernel thread, or exiting */
		goto out_task;
	}
	err = insight_attach_check(mem_fd, mm);
	if (err)
		goto out_mm;
	if (insight_task_is_32bit(task)) {
		err = -EOPNOTSUPP;
		goto out_mm;
	}
	if (insight_session_of_mm(mm)) {
		err = -EBUSY;	/* another session explores it */
		goto out_mm;
	}
	err = insight_fork_init(s);
	if (err)
		goto out_mm;
	/* the process, whichever of its threads @nr names */
	if (!insight_probe_new(s, task_tgid(task), mm, 0, 0)) {
		insight_fork_exit(s);
		err = -ENOMEM;
	}
out_mm:
	mmput(mm);
out_task:
	put_task_struct(task);
out_pid:
	put_pid(pid);
	return err;
}

static int insight_netlink_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct insight_session *s;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	insight_inject_release(n->net, n->portid);	/* kmod/inject.c */
	if (!insight_session_maybe(n->net, n->portid))
		return NOTIFY_DONE;
	mutex_lock(&insight_lock);
	s = insight_session_find(n->net, n->portid);
	if (s)
		s->dead = true;
	mutex_unlock(&insight_lock);
	if (s)
		insight_session_end(s, true);
	return NOTIFY_DONE;
}

static struct notifier_block insight_netlink_nb = {
	.notifier_call = insight_netlink_event,
};

int __init insight_sessions_init(void)
{
	int err;

	insight_wq = alloc_workqueue("insight", WQ_UNBOUND, 0);
	if (!insight_wq)
		return -ENOMEM;
	err = insight_events_init();
	if (err)
		goto err_wq;
	err = insight_step_init();
	if (err)
		goto err_events;
	err = insight_forks_init();
	if (err)
		goto err_step;
	err = netlink_register_notifier(&insight_netlink_nb);
	if (err)
		goto err_forks;
	return 0;

err_forks:
	insight_forks_exit();
err_step:
	insight_step_exit();
err_events:
	insight_events_exit();
err_wq:
	destroy_workqueue(insight_wq);
	return err;
}

/*
 * Module unload: end every session, removing its breakpoints.  The
 * notifier is gone (no socket's release ends one concurrently) and so is
 * the family (no command runs).
 */
void insight_sessions_exit(void)
{
	struct insight_session *s;

	netlink_unregister_notifier(&insight_netlink_nb);
	for (;;) {
		mutex_lock(&insight_lock);
		s = list_first_or_null_rcu(&insight_sessions,
					   struct insight_session, node);
		if (s)
			s->dead = true;
		mutex_unlock(&insight_lock);
		if (!s)
			break;
		insight_session_end(s, false);
	}
	destroy_workqueue(insight_wq);	/* a reaper's last instructions */
	insight_forks_exit();
	insight_step_exit();
	insight_events_exit();
}
