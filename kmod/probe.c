// SPDX-License-Identifier: GPL-2.0
/*
 * Probes: the target (probe 0) and the processes forked from probes at
 * branches (fork.c), their lineage and states, resuming and killing
 * them, and their end with the session.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>

#include "insight.h"

#define INSIGHT_PATH_INITIAL	16

struct insight_probe *insight_probe_new(struct insight_session *s,
					struct pid *pid, struct mm_struct *mm,
					u32 parent, u64 fork_seq)
{
	struct insight_probe *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->path.session = s;
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
	insight_sandbox_track(mm);
	p->fork_seq = fork_seq;
	spin_lock(&s->lock);
	p->id = s->nprobes++;
	p->parent = p->id ? parent : 0;
	list_add_tail(&p->node, &s->probes);
	list_add(&p->live, &s->live);
	spin_unlock(&s->lock);
	return p;
}

/*
 * Only live probes trap: the live list is at most max_probes long, and
 * those that are exiting but not yet told so.
 */
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

/*
 * A probe runs while its thread group does: the target's leader may
 * pthread_exit() while other threads serve.  @p->pid is the group's (its
 * leader's task stays, a zombie, until the group is reaped) and
 * signal->live counts the threads not yet exiting.
 */
bool insight_probe_running(struct insight_probe *p)
{
	struct task_struct *task;
	bool running;

	rcu_read_lock();
	task = pid_task(p->pid, PIDTYPE_TGID);
	running = task && atomic_read(&task->signal->live) > 0;
	rcu_read_unlock();
	return running;
}

/*
 * A thread of probe @p that has not begun to exit, with a reference: the
 * leader may be a zombie (pthread_exit()) while other threads run, and a
 * zombie has no mm for access_process_vm().  NULL when none is left.
 */
struct task_struct *insight_probe_task(struct insight_probe *p)
{
	struct task_struct *leader, *t, *found = NULL;

	rcu_read_lock();
	leader = pid_task(p->pid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			if (!(t->flags & PF_EXITING)) {
				found = get_task_struct(t);
				break;
			}
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * Reserve room for one more probe, a held snapshot if @hold, under the
 * caps: probes running and held (those seen exited, and told so, leave
 * the live list) plus the splits under way, whose children are not registered yet.
 * Counting and reserving under one lock, two probes splitting at once
 * cannot both take the last room.  False at a cap, and once the session
 * has begun to end.
 */
bool insight_probes_reserve(struct insight_session *s, bool hold)
{
	unsigned int running, held;
	struct insight_probe *p, *tmp;
	bool ok;

	spin_lock(&s->lock);
	running = s->splitting;
	held = s->splitting_held;
	list_for_each_entry_safe(p, tmp, &s->live, live) {
		if (!insight_probe_running(p)) {
			/*
			 * Not counted; off the list only once its exit has
			 * been told: its threads stop counting in signal->live
			 * before they reach the exit tracepoint, which looks
			 * for the probe on this list (kmod/event.c).
			 */
			if (READ_ONCE(p->exit_told))
				list_del_init(&p->live);
		} else if (READ_ONCE(p->held))
			held++;
		else
			running++;
	}
	ok = running < insight_max_probes &&
	     (!hold || held < insight_max_snapshots) && !READ_ONCE(s->ending);
	if (ok && hold)
		s->splitting_held++;
	else if (ok)
		s->splitting++;
	spin_unlock(&s->lock);
	return ok;
}

/* The split that reserved room has ended: its child counts by itself. */
void insight_probes_unreserve(struct insight_session *s, bool hold)
{
	spin_lock(&s->lock);
	if (hold)
		s->splitting_held--;
	else
		s->splitting--;
	spin_unlock(&s->lock);
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
	/*
	 * wake_up_var() looks at the wait queue without its lock: the store
	 * must be visible first, or a waiter that checked resume before it
	 * and queued itself after our look sleeps for good.
	 */
	smp_mb();
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

/* No probe but the target runs, none is being split off another probe. */
static bool insight_probes_quiet(struct insight_session *s)
{
	struct insight_probe *p;
	bool quiet = !insight_forks_of_probes(s);

	spin_lock(&s->lock);
	list_for_each_entry(p, &s->live, live)
		if (p->id && insight_probe_running(p))
			quiet = false;
	spin_unlock(&s->lock);
	return quiet;
}

/*
 * A session's end, once it is inert (no new split begins): kill the
 * probes until none is left (a split under way ends with its child
 * killed, or never registered), and give the target a while to finish a
 * fork under way (see insight_session_end()).  Each round is bounded: a
 * killed probe dies at its next return towards userspace, and only the
 * splits begun before the session became inert remain to end.
 */
void insight_probes_end(struct insight_session *s)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		insight_probes_kill(s);
		if (insight_probes_quiet(s))
			break;
		usleep_range(10000, 20000);
	}
	if (s->tramp_file)
		wait_var_event_timeout(&s->target_forking,
				       !atomic_read(&s->target_forking), HZ);
}

/* Last, once no handler or tracepoint of the session can run. */
void insight_probes_free(struct insight_session *s)
{
	struct insight_probe *p, *tmp;

	list_for_each_entry_safe(p, tmp, &s->probes, node) {
		list_del(&p->node);
		list_del(&p->live);
		put_pid(p->pid);
		insight_sandbox_untrack(p->mm);
		insight_fpos_release(p);
		mmdrop(p->mm);
		insight_probe_sandbox_free(p);
		kvfree(p->path.entries);
		kfree(p);
	}
}
