// SPDX-License-Identifier: GPL-2.0
/*
 * Events: INSIGHT_CMD_EVENT messages multicast on the family's "events"
 * group, which only CAP_SYS_ADMIN may join (every subscriber sees every
 * session's events: each carries its session's id).  Probe exits are seen
 * through the sched_process_exit tracepoint (wait status in exit_code).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/tracepoint.h>
#include <net/genetlink.h>

#include "insight.h"

static struct tracepoint *insight_tp_exit;

#define INSIGHT_EVENT_SIZE (6 * nla_total_size(4) + 2 * nla_total_size_64bit(8))

static int insight_event_fill(struct sk_buff *msg, struct insight_session *s,
			      const struct insight_ev *ev)
{
	bool split = ev->kind == INSIGHT_EVENT_CREATED ||
		     ev->kind == INSIGHT_EVENT_QUOTA;
	bool exit = ev->kind == INSIGHT_EVENT_EXITED ||
		    ev->kind == INSIGHT_EVENT_KILLED;

	if (nla_put_u32(msg, INSIGHT_ATTR_SESSION, s->id) ||
	    nla_put_u32(msg, INSIGHT_ATTR_EVENT, ev->kind) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PROBE, ev->probe) ||
	    nla_put_u64_64bit(msg, INSIGHT_ATTR_EVENTS_LOST,
			      atomic64_read(&s->events_lost), INSIGHT_ATTR_UNSPEC))
		return -EMSGSIZE;
	if (ev->kind == INSIGHT_EVENT_CREATED &&
	    nla_put_u32(msg, INSIGHT_ATTR_PARENT, ev->parent))
		return -EMSGSIZE;
	if ((split || ev->kind == INSIGHT_EVENT_PAUSED) &&
	    nla_put_u32(msg, INSIGHT_ATTR_SITE_INDEX, ev->site))
		return -EMSGSIZE;
	if (split && nla_put_u64_64bit(msg, INSIGHT_ATTR_FORK_SEQ, ev->fork_seq,
				       INSIGHT_ATTR_UNSPEC))
		return -EMSGSIZE;
	if (exit && nla_put_u32(msg, INSIGHT_ATTR_STATUS, ev->status))
		return -EMSGSIZE;
	return 0;
}

/*
 * Multicast one event of session @s.  It counts as lost when it cannot be
 * built, when no one has joined the group (-ESRCH) or a subscriber's
 * receive buffer is full (-ENOBUFS): sending never blocks.
 */
void insight_event(struct insight_session *s, const struct insight_ev *ev,
		   gfp_t gfp)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(INSIGHT_EVENT_SIZE, gfp);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &insight_family, 0, INSIGHT_CMD_EVENT);
	if (!hdr || insight_event_fill(msg, s, ev)) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	if (genlmsg_multicast_netns(&insight_family, s->net, msg, 0,
				    INSIGHT_MCGRP_EVENTS, gfp))
		goto lost;
	return;
lost:
	atomic64_inc(&s->events_lost);
}

/*
 * The wait status the group's parent gets (as wait_task_zombie() makes
 * it): the group exit's code, else the leader's own.
 */
static int insight_exit_status(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;

	if (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT)
		return READ_ONCE(sig->group_exit_code);
	return READ_ONCE(task->group_leader->exit_code);
}

/*
 * A task exits: the fork records it had a part in let it go.  If it was
 * the last of a probe's thread group (do_exit() counted it out of
 * signal->live before this tracepoint), say so to its session's owner,
 * once: threads that exit together may each see the count at 0.  A
 * leader's pthread_exit() ends no probe.
 */
static void insight_on_exit(void *data, struct task_struct *task)
{
	bool group_dead = !atomic_read(&task->signal->live);
	struct insight_session *s;
	struct insight_probe *p, *found;
	struct pid *pid;
	int code;

	pid = task_tgid(task);
	code = insight_exit_status(task);
	rcu_read_lock();
	list_for_each_entry_rcu(s, &insight_sessions, node) {
		insight_forks_task_gone(s, task);
		if (!group_dead)
			continue;
		found = NULL;
		spin_lock(&s->lock);
		list_for_each_entry(p, &s->live, live) {
			if (p->pid == pid) {
				found = p;
				break;
			}
		}
		spin_unlock(&s->lock);
		if (found) {
			struct insight_ev ev = {
				.kind = (code & 0x7f) == SIGKILL ?
					INSIGHT_EVENT_KILLED : INSIGHT_EVENT_EXITED,
				.probe = found->id,
				.status = code,
			};

			if (!xchg(&found->exit_told, true))
				insight_event(s, &ev, GFP_ATOMIC);
			break;
		}
	}
	rcu_read_unlock();
}

static void insight_find_exit_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		insight_tp_exit = tp;
}

int __init insight_events_init(void)
{
	for_each_kernel_tracepoint(insight_find_exit_tp, NULL);
	if (!insight_tp_exit)
		return -EOPNOTSUPP;
	return tracepoint_probe_register(insight_tp_exit, insight_on_exit, NULL);
}

void insight_events_exit(void)
{
	tracepoint_probe_unregister(insight_tp_exit, insight_on_exit, NULL);
	tracepoint_synchronize_unregister();
}
