// SPDX-License-Identifier: GPL-2.0
/*
 * The GET commands of the "insight" family as dumps: PATH_GET,
 * PROBES_GET and OUTPUTS_GET (the family and its other commands:
 * kmod/genl.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <linux/insight.h>

#include "insight.h"
#include "genl_policy.h"
#include "genl_dump.h"

/*
 * The GET commands are dumps.  Their filters come from the request's
 * attributes, validated by the core against the command's policy
 * (genl_dumpit_info()).  cb->args keep only numbers across calls: which
 * probe, where to go on, whether a message went out; every call finds
 * the session and the probe again under insight_lock (the socket's session
 * may end and probes come and go between calls).  .start checks the
 * caller and the probe, so that errors come back as the request's ack.
 */
enum insight_dump_arg {
	INSIGHT_DUMP_PROBE,	/* the probe id */
	INSIGHT_DUMP_NEXT,	/* next sequence number, or probe id */
	INSIGHT_DUMP_SENT,	/* a message was sent */
	INSIGHT_DUMP_BUF,	/* copy buffer, from .start to .done */
};

static struct insight_session *insight_dump_session(struct netlink_callback *cb)
{
	return insight_session_find(sock_net(cb->skb->sk),
				    NETLINK_CB(cb->skb).portid);
}

/*
 * Common .start: CAP_SYS_ADMIN, a session on this socket, the probe
 * (when @probe_attr), the start; a copy buffer of @bufsize bytes.
 */
static int insight_dump_start(struct netlink_callback *cb, int probe_attr,
			      size_t bufsize)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct insight_session *s;
	u32 id = 0;
	void *buf;
	int err = 0;

	if (!netlink_capable(cb->skb, CAP_SYS_ADMIN))
		return -EPERM;
	if (probe_attr && attrs[INSIGHT_ATTR_PROBE])
		id = nla_get_u32(attrs[INSIGHT_ATTR_PROBE]);
	cb->args[INSIGHT_DUMP_PROBE] = id;
	cb->args[INSIGHT_DUMP_NEXT] = attrs[INSIGHT_ATTR_START] ?
				      nla_get_u64(attrs[INSIGHT_ATTR_START]) : 0;
	cb->args[INSIGHT_DUMP_SENT] = 0;
	buf = kvmalloc(bufsize, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	insight_sessions_lock();
	s = insight_dump_session(cb);
	if (!s)
		err = -ENOENT;
	else if (probe_attr && !insight_probe_get(s, id))
		err = -ENOENT;		/* no such probe */
	insight_sessions_unlock();
	if (err) {
		kvfree(buf);
		return err;
	}
	cb->args[INSIGHT_DUMP_BUF] = (long)buf;
	return 0;
}

int insight_dump_done(struct netlink_callback *cb)
{
	kvfree((void *)cb->args[INSIGHT_DUMP_BUF]);
	return 0;
}

static void *insight_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			      u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &insight_family, NLM_F_MULTI, cmd);
}

/* Decisions that fit in @skb beside a message's other attributes. */
static u32 insight_path_room(struct sk_buff *skb)
{
	int room = skb_tailroom(skb) - NLMSG_HDRLEN - GENL_HDRLEN -
		   nla_total_size_64bit(8) - nla_total_size(0);

	if (room <= 0)
		return 0;
	return min_t(u32, room / sizeof(struct insight_decision),
		     INSIGHT_PATH_BATCH);
}

int insight_path_start(struct netlink_callback *cb)
{
	return insight_dump_start(cb, INSIGHT_ATTR_PROBE,
				  INSIGHT_PATH_BATCH * sizeof(struct insight_decision));
}

int insight_path_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct insight_decision *d = (void *)cb->args[INSIGHT_DUMP_BUF];
	u64 start = cb->args[INSIGHT_DUMP_NEXT], lost;
	struct insight_session *s;
	void *hdr;
	int n;

	insight_sessions_lock();
	s = insight_dump_session(cb);
	n = s ? insight_path_read(s, cb->args[INSIGHT_DUMP_PROBE], start, d,
				  insight_path_room(skb), &lost) : -ENOENT;
	insight_sessions_unlock();
	if (n < 0)
		return n;
	/* the first message always goes, with the lost count */
	if (!n && cb->args[INSIGHT_DUMP_SENT])
		return 0;
	hdr = insight_dump_put(skb, cb, INSIGHT_CMD_PATH_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put(skb, INSIGHT_ATTR_DECISIONS, n * sizeof(*d), d) ||
	    nla_put_u64_64bit(skb, INSIGHT_ATTR_LOG_LOST, lost, INSIGHT_ATTR_UNSPEC)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	cb->args[INSIGHT_DUMP_SENT] = 1;
	cb->args[INSIGHT_DUMP_NEXT] = start + n;
	return skb->len;
}

static int insight_put_probe(struct sk_buff *msg, const struct insight_probe_snap *p)
{
	struct nlattr *nest = nla_nest_start(msg, INSIGHT_ATTR_PROBE_INFO);

	if (!nest ||
	    nla_put_u32(msg, INSIGHT_PROBE_ID, p->id) ||
	    nla_put_u32(msg, INSIGHT_PROBE_PARENT, p->parent) ||
	    nla_put_u64_64bit(msg, INSIGHT_PROBE_FORK_SEQ, p->fork_seq, INSIGHT_PROBE_UNSPEC) ||
	    nla_put_u32(msg, INSIGHT_PROBE_PID, p->pid) ||
	    nla_put_u8(msg, INSIGHT_PROBE_STATE, p->state)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int insight_probes_start(struct netlink_callback *cb)
{
	return insight_dump_start(cb, 0, INSIGHT_PROBES_BATCH *
				  sizeof(struct insight_probe_snap));
}

int insight_probes_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct insight_probe_snap *p = (void *)cb->args[INSIGHT_DUMP_BUF];
	u64 from = cb->args[INSIGHT_DUMP_NEXT], degraded = 0, lost = 0;
	struct insight_session *s;
	struct nlattr *list;
	int i, n = 0;
	void *hdr;

	insight_sessions_lock();
	s = insight_dump_session(cb);
	if (s && from <= U32_MAX) {
		n = insight_probes_read(s, from, p, INSIGHT_PROBES_BATCH);
		insight_session_counters(s, &degraded, &lost);
	}
	insight_sessions_unlock();
	if (!s)
		return -ENOENT;
	if (!n && cb->args[INSIGHT_DUMP_SENT])
		return 0;
	hdr = insight_dump_put(skb, cb, INSIGHT_CMD_PROBES_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, INSIGHT_ATTR_DEGRADED, degraded, INSIGHT_ATTR_UNSPEC) ||
	    nla_put_u64_64bit(skb, INSIGHT_ATTR_EVENTS_LOST, lost, INSIGHT_ATTR_UNSPEC))
		goto cancel;
	list = nla_nest_start(skb, INSIGHT_ATTR_PROBES);
	if (!list)
		goto cancel;
	/* as many as fit; the others go in the next message */
	for (i = 0; i < n && !insight_put_probe(skb, &p[i]); i++)
		from = p[i].id + 1;
	if (n && !i)
		goto cancel;
	nla_nest_end(skb, list);
	genlmsg_end(skb, hdr);
	cb->args[INSIGHT_DUMP_SENT] = 1;
	cb->args[INSIGHT_DUMP_NEXT] = from;
	return skb->len;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int insight_put_output(struct sk_buff *msg, const struct insight_output_snap *o)
{
	struct nlattr *nest = nla_nest_start(msg, INSIGHT_ATTR_OUTPUT);

	if (!nest ||
	    nla_put_u64_64bit(msg, INSIGHT_OUTPUT_SEQ, o->m.seq, INSIGHT_OUTPUT_UNSPEC) ||
	    nla_put_u64_64bit(msg, INSIGHT_OUTPUT_DECISIONS, o->m.decisions,
			      INSIGHT_OUTPUT_UNSPEC) ||
	    nla_put_u32(msg, INSIGHT_OUTPUT_NR, o->m.nr) ||
	    nla_put_u32(msg, INSIGHT_OUTPUT_FD, o->m.fd) ||
	    nla_put_u64_64bit(msg, INSIGHT_OUTPUT_LEN, o->m.len, INSIGHT_OUTPUT_UNSPEC) ||
	    nla_put(msg, INSIGHT_OUTPUT_DATA, o->m.captured, o->data) ||
	    nla_put_u32(msg, INSIGHT_OUTPUT_FLAGS, o->m.flags)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int insight_outputs_start(struct netlink_callback *cb)
{
	return insight_dump_start(cb, INSIGHT_ATTR_PROBE, INSIGHT_OUTPUTS_BATCH *
				  sizeof(struct insight_output_snap));
}

int insight_outputs_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct insight_output_snap *o = (void *)cb->args[INSIGHT_DUMP_BUF];
	u64 start = cb->args[INSIGHT_DUMP_NEXT], lost;
	struct insight_session *s;
	struct nlattr *list;
	int i, n;
	void *hdr;

	insight_sessions_lock();
	s = insight_dump_session(cb);
	n = s ? insight_outputs_read(s, cb->args[INSIGHT_DUMP_PROBE], start, o,
				     INSIGHT_OUTPUTS_BATCH, &lost) : -ENOENT;
	insight_sessions_unlock();
	if (n < 0)
		return n;
	if (!n && cb->args[INSIGHT_DUMP_SENT])
		return 0;
	hdr = insight_dump_put(skb, cb, INSIGHT_CMD_OUTPUTS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, INSIGHT_ATTR_LOG_LOST, lost, INSIGHT_ATTR_UNSPEC))
		goto cancel;
	list = nla_nest_start(skb, INSIGHT_ATTR_OUTPUTS);
	if (!list)
		goto cancel;
	for (i = 0; i < n && !insight_put_output(skb, &o[i]); i++)
		start = o[i].m.seq + 1;
	if (n && !i)
		goto cancel;
	nla_nest_end(skb, list);
	genlmsg_end(skb, hdr);
	cb->args[INSIGHT_DUMP_SENT] = 1;
	cb->args[INSIGHT_DUMP_NEXT] = start;
	return skb->len;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}
