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
/* Running and held probes; those seen exited leave the live list. */
void insight_probes_count(struct insight_session *s,
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

/* Second half, once no site handler can run: no new probe appears. */
void insight_probes_free(struct insight_session *s)
{
	struct insight_probe *p, *tmp;

	/*
	 * A probe forked while the sites went (the target's root snapshot,
	 * say) may be held, asleep in the trampoline's uprobe handler with
	 * that uprobe's register_rwsem read-held: removing the uprobe first
	 * would wait for it for good.  Kill those first; no site is left to
	 * make more.
	 */
	insight_probes_end(s);
	insight_fork_exit(s);
	list_for_each_entry_safe(p, tmp, &s->probes, node) {
		list_del(&p->node);
		list_del(&p->live);
		put_pid(p->pid);
		insight_sandbox_untrack(p->mm);
		insight_fpos_release(p);
		mmdrop(p->mm);
		insight_outputs_free(p);
		kvfree(p->path.entries);
		kfree(p);
	}
}
