// SPDX-License-Identifier: GPL-2.0
/*
 * Exploration sessions.  A session belongs to the generic netlink socket
 * that created it: a NETLINK_URELEASE notifier ends it when that socket
 * is released (closed, or its process died), removing every breakpoint.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>

#include "insight.h"

DEFINE_MUTEX(insight_lock);
LIST_HEAD(insight_sessions);	/* RCU for the exit tracepoint */
static unsigned int nsessions;
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
		if (s->portid == portid && net_eq(s->net, net))
			return s;
	return NULL;
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

/*
 * End a session: kill its probes (while the sandbox still holds their
 * syscalls), stop intercepting, remove every breakpoint (after which no
 * handler of the session runs), free it.  The target runs on unharmed.
 */
static void insight_session_free(struct insight_session *s)
{
	lockdep_assert_held(&insight_lock);
	insight_probes_end(s);
	insight_sandbox_end(s);
	insight_sites_remove(s);
	list_del_rcu(&s->node);
	synchronize_rcu();	/* the exit tracepoint no longer sees it */
	insight_probes_free(s);
	nsessions--;
	kfree(s);
}

/*
 * ptrace_may_access() is not exported to modules, so apply its credential
 * rules (PTRACE_MODE_ATTACH_REALCREDS) from exported pieces: the caller's
 * real ids must match all of the target's, or the caller needs
 * CAP_SYS_PTRACE in the target's user namespace; a non-dumpable target
 * needs CAP_SYS_PTRACE in its mm's namespace.  LSM hooks (Yama) are not
 * consulted: security_ptrace_access_check() is not exported either.
 */
static bool insight_may_trace(struct task_struct *task, struct mm_struct *mm)
{
	const struct cred *cred = current_cred(), *tcred;
	bool ok;

	if (same_thread_group(task, current))
		return true;
	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(cred->uid, tcred->euid) && uid_eq(cred->uid, tcred->suid) &&
	      uid_eq(cred->uid, tcred->uid) && gid_eq(cred->gid, tcred->egid) &&
	      gid_eq(cred->gid, tcred->sgid) && gid_eq(cred->gid, tcred->gid)) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	if (ok && get_dumpable(mm) != SUID_DUMP_USER)
		ok = ns_capable(mm->user_ns, CAP_SYS_PTRACE);
	return ok;
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

int insight_session_attach(struct insight_session *s, pid_t nr)
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
	if (!insight_may_trace(task, mm)) {
		err = -EPERM;
		goto out_mm;
	}
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
	if (!insight_probe_new(s, pid, mm, 0, 0)) {
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
	mutex_lock(&insight_lock);
	s = insight_session_find(n->net, n->portid);
	if (s)
		insight_session_free(s);
	mutex_unlock(&insight_lock);
	return NOTIFY_DONE;
}

static struct notifier_block insight_netlink_nb = {
	.notifier_call = insight_netlink_event,
};

int __init insight_sessions_init(void)
{
	int err;

	err = insight_events_init();
	if (err)
		return err;
	err = insight_step_init();
	if (err)
		goto err_events;
	err = netlink_register_notifier(&insight_netlink_nb);
	if (err)
		goto err_step;
	return 0;

err_step:
	insight_step_exit();
err_events:
	insight_events_exit();
	return err;
}

/* Module unload: end every session, removing its breakpoints. */
void insight_sessions_exit(void)
{
	struct insight_session *s, *tmp;

	netlink_unregister_notifier(&insight_netlink_nb);
	mutex_lock(&insight_lock);
	list_for_each_entry_safe(s, tmp, &insight_sessions, node)
		insight_session_free(s);
	mutex_unlock(&insight_lock);
	insight_step_exit();
	insight_events_exit();
}
