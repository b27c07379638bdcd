// SPDX-License-Identifier: GPL-2.0
/*
 * Events to a session's owner: unsolicited INSIGHT_CMD_EVENT messages on
 * the socket that owns the session.  Probe exits are seen through the
 * sched_process_exit tracepoint (wait status already in exit_code).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/tracepoint.h>
#include <net/genetlink.h>

#include "insight.h"

static struct tracepoint *insight_tp_exit;

/* Send one event; it is counted as lost when it cannot be delivered. */
void insight_event(struct insight_session *s, u32 kind, u32 probe, u32 parent,
		   u32 site, u32 status, gfp_t gfp)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(5 * nla_total_size(4), gfp);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &insight_family, 0, INSIGHT_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(msg, INSIGHT_ATTR_EVENT, kind) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PROBE, probe) ||
	    (kind == INSIGHT_EVENT_CREATED &&
	     nla_put_u32(msg, INSIGHT_ATTR_PARENT, parent)) ||
	    (kind != INSIGHT_EVENT_EXITED && kind != INSIGHT_EVENT_KILLED &&
	     nla_put_u32(msg, INSIGHT_ATTR_SITE_INDEX, site)) ||
	    ((kind == INSIGHT_EVENT_EXITED || kind == INSIGHT_EVENT_KILLED) &&
	     nla_put_u32(msg, INSIGHT_ATTR_STATUS, status))) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	/* never blocks: a full receive buffer drops the message */
	if (genlmsg_unicast(s->net, msg, s->portid))
		goto lost;
	return;
lost:
	atomic64_inc(&s->events_lost);
}

/* A process exits: if it is a probe, say so to its session's owner. */
static void insight_on_exit(void *data, struct task_struct *task)
{
	struct insight_session *s;
	struct insight_probe *p, *found;
	struct pid *pid;
	int code;

	if (!thread_group_leader(task))
		return;
	pid = task_pid(task);
	code = task->exit_code;
	rcu_read_lock();
	list_for_each_entry_rcu(s, &insight_sessions, node) {
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
			insight_event(s, (code & 0x7f) == SIGKILL ?
				      INSIGHT_EVENT_KILLED : INSIGHT_EVENT_EXITED,
				      found->id, 0, 0, code, GFP_ATOMIC);
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
