// SPDX-License-Identifier: GPL-2.0
/*
 * libinsight: the GET commands as dump clients (path logs, probes,
 * outputs), each item of a reply copied out once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "internal.h"

struct path_batch {
	struct insight_decision *d;
	unsigned int room, got;
	uint64_t lost;
};

/* One message of the dump: decisions in order, kept while there is room. */
static int parse_path(struct nlattr **tb, void *arg)
{
	struct path_batch *b = arg;
	unsigned int n;

	if (!tb[INSIGHT_ATTR_DECISIONS] || !tb[INSIGHT_ATTR_LOG_LOST] ||
	    nla_len(tb[INSIGHT_ATTR_DECISIONS]) % sizeof(struct insight_decision))
		return -EBADMSG;
	n = nla_len(tb[INSIGHT_ATTR_DECISIONS]) / sizeof(struct insight_decision);
	if (n > b->room - b->got)
		n = b->room - b->got;
	memcpy(b->d + b->got, nla_data(tb[INSIGHT_ATTR_DECISIONS]), n * sizeof(*b->d));
	b->got += n;
	b->lost = nla_get_u64(tb[INSIGHT_ATTR_LOG_LOST]);
	return 0;
}

int insight_path_get(struct insight_nl *h, uint32_t probe, uint64_t start,
		     struct insight_decision *d, unsigned int max,
		     unsigned int *n, uint64_t *lost)
{
	struct path_batch b = { .d = d, .room = max };
	struct nl_msg *msg = insight_dump_new(h, INSIGHT_CMD_PATH_GET);
	int err;

	*n = 0;
	if (!msg)
		return -ENOMEM;
	if (nla_put_u64(msg, INSIGHT_ATTR_START, start) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PROBE, probe)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = insight_transact(h, msg, parse_path, &b);
	if (err)
		return err;
	*n = b.got;
	*lost = b.lost;
	return 0;
}

struct probe_list {
	struct insight_probe_info *p;
	unsigned int room, got;
	uint64_t degraded, events_lost;
};

static int parse_probes(struct nlattr **tb, void *arg)
{
	struct nlattr *ptb[INSIGHT_PROBE_MAX + 1], *info;
	struct probe_list *l = arg;
	int rem;

	if (!tb[INSIGHT_ATTR_PROBES] || !tb[INSIGHT_ATTR_DEGRADED] ||
	    !tb[INSIGHT_ATTR_EVENTS_LOST])
		return -EBADMSG;
	l->degraded = nla_get_u64(tb[INSIGHT_ATTR_DEGRADED]);
	l->events_lost = nla_get_u64(tb[INSIGHT_ATTR_EVENTS_LOST]);
	nla_for_each_nested(info, tb[INSIGHT_ATTR_PROBES], rem) {
		struct insight_probe_info *p = &l->p[l->got];

		if (l->got == l->room)
			break;
		if (nla_parse_nested(ptb, INSIGHT_PROBE_MAX, info, NULL) ||
		    !ptb[INSIGHT_PROBE_ID] || !ptb[INSIGHT_PROBE_PARENT] ||
		    !ptb[INSIGHT_PROBE_FORK_SEQ] || !ptb[INSIGHT_PROBE_PID] ||
		    !ptb[INSIGHT_PROBE_STATE])
			return -EBADMSG;
		p->id = nla_get_u32(ptb[INSIGHT_PROBE_ID]);
		p->parent = nla_get_u32(ptb[INSIGHT_PROBE_PARENT]);
		p->fork_seq = nla_get_u64(ptb[INSIGHT_PROBE_FORK_SEQ]);
		p->pid = nla_get_u32(ptb[INSIGHT_PROBE_PID]);
		p->state = nla_get_u8(ptb[INSIGHT_PROBE_STATE]);
		l->got++;
	}
	return 0;
}

int insight_probes_get_lost(struct insight_nl *h, uint32_t start,
			    struct insight_probe_info *p, unsigned int max,
			    unsigned int *n, uint64_t *degraded,
			    uint64_t *events_lost)
{
	struct probe_list l = { .p = p, .room = max };
	struct nl_msg *msg = insight_dump_new(h, INSIGHT_CMD_PROBES_GET);
	int err;

	*n = 0;
	if (!msg)
		return -ENOMEM;
	if (nla_put_u64(msg, INSIGHT_ATTR_START, start)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = insight_transact(h, msg, parse_probes, &l);
	if (err)
		return err;
	*n = l.got;
	*degraded = l.degraded;
	if (events_lost)
		*events_lost = l.events_lost;
	return 0;
}

int insight_probes_get(struct insight_nl *h, uint32_t start,
		       struct insight_probe_info *p, unsigned int max,
		       unsigned int *n, uint64_t *degraded)
{
	return insight_probes_get_lost(h, start, p, max, n, degraded, NULL);
}

struct output_list {
	struct insight_output_info *o;
	unsigned int room, got;
	uint64_t lost;
};

static int parse_outputs(struct nlattr **tb, void *arg)
{
	struct nlattr *otb[INSIGHT_OUTPUT_MAX + 1], *nest;
	struct output_list *l = arg;
	int rem;

	if (!tb[INSIGHT_ATTR_OUTPUTS] || !tb[INSIGHT_ATTR_LOG_LOST])
		return -EBADMSG;
	l->lost = nla_get_u64(tb[INSIGHT_ATTR_LOG_LOST]);
	nla_for_each_nested(nest, tb[INSIGHT_ATTR_OUTPUTS], rem) {
		struct insight_output_info *o = &l->o[l->got];

		if (l->got == l->room)
			break;
		if (nla_parse_nested(otb, INSIGHT_OUTPUT_MAX, nest, NULL) ||
		    !otb[INSIGHT_OUTPUT_SEQ] || !otb[INSIGHT_OUTPUT_DECISIONS] ||
		    !otb[INSIGHT_OUTPUT_NR] || !otb[INSIGHT_OUTPUT_FD] ||
		    !otb[INSIGHT_OUTPUT_LEN] || !otb[INSIGHT_OUTPUT_DATA] ||
		    nla_len(otb[INSIGHT_OUTPUT_DATA]) > INSIGHT_CAPTURE_MAX)
			return -EBADMSG;
		o->seq = nla_get_u64(otb[INSIGHT_OUTPUT_SEQ]);
		o->decisions = nla_get_u64(otb[INSIGHT_OUTPUT_DECISIONS]);
		o->nr = nla_get_u32(otb[INSIGHT_OUTPUT_NR]);
		o->fd = nla_get_u32(otb[INSIGHT_OUTPUT_FD]);
		o->len = nla_get_u64(otb[INSIGHT_OUTPUT_LEN]);
		o->captured = nla_len(otb[INSIGHT_OUTPUT_DATA]);
		o->flags = otb[INSIGHT_OUTPUT_FLAGS] ? nla_get_u32(otb[INSIGHT_OUTPUT_FLAGS]) : 0;
		memcpy(o->data, nla_data(otb[INSIGHT_OUTPUT_DATA]), o->captured);
		l->got++;
	}
	return 0;
}

int insight_outputs_get(struct insight_nl *h, uint32_t probe, uint64_t start,
			struct insight_output_info *o, unsigned int max,
			unsigned int *n, uint64_t *lost)
{
	struct output_list l = { .o = o, .room = max };
	struct nl_msg *msg = insight_dump_new(h, INSIGHT_CMD_OUTPUTS_GET);
	int err;

	*n = 0;
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PROBE, probe) ||
	    nla_put_u64(msg, INSIGHT_ATTR_START, start)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = insight_transact(h, msg, parse_outputs, &l);
	if (err)
		return err;
	*n = l.got;
	*lost = l.lost;
	return 0;
}
