// SPDX-License-Identifier: GPL-2.0
/*
 * libinsight: client of the insight generic netlink family over libnl.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "libinsight.h"

/* receive buffer asked for the events socket (the kernel may cap it) */
#define EVENT_RCVBUF (8 << 20)

struct insight_nl {
	struct nl_sock *sk;	/* requests and their replies */
	struct nl_sock *ev_sk;	/* the events group, once joined */
	int family;
	uint32_t session;	/* this socket's session id, 0: none */
	char errmsg[128];
};

struct transact {
	struct insight_nl *h;
	insight_reply_fn on_reply;
	void *arg;
	int err;	/* the kernel's errno, or a callback's error */
	int done;
};

int insight_nl_open(struct insight_nl **out)
{
	struct insight_nl *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		err = -ENOMEM;
		goto err_free;
	}
	err = genl_connect(h->sk);
	if (err) {
		err = -EPROTO;
		goto err_sock;
	}
	/* replies may exceed a page (site results, path batches) */
	nl_socket_enable_msg_peek(h->sk);
	/* The kernel's extended acks carry a message worth showing. */
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &(int){ 1 }, sizeof(int));
	h->family = genl_ctrl_resolve(h->sk, INSIGHT_GENL_NAME);
	if (h->family < 0) {
		err = h->family == -NLE_OBJ_NOTFOUND ? -ENOENT : -EPROTO;
		goto err_sock;
	}
	*out = h;
	return 0;

err_sock:
	nl_socket_free(h->sk);
err_free:
	free(h);
	return err;
}

void insight_nl_close(struct insight_nl *h)
{
	if (!h)
		return;
	if (h->ev_sk)
		nl_socket_free(h->ev_sk);
	nl_socket_free(h->sk);
	free(h);
}

int insight_events_join(struct insight_nl *h)
{
	struct nl_sock *sk;
	int grp, fd, err;

	if (h->ev_sk)
		return 0;
	grp = genl_ctrl_resolve_grp(h->sk, INSIGHT_GENL_NAME,
				    INSIGHT_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return grp == -NLE_OBJ_NOTFOUND ? -ENOENT : -EPROTO;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return -EPROTO;
	}
	fd = nl_socket_get_fd(sk);
	/* beyond rmem_max only with CAP_NET_ADMIN: try, then settle */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ EVENT_RCVBUF },
		       sizeof(int)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ EVENT_RCVBUF },
			   sizeof(int));
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
		err = -errno;
		nl_socket_free(sk);
		return err;
	}
	h->ev_sk = sk;
	return 0;
}

uint32_t insight_session_id(const struct insight_nl *h)
{
	return h->session;
}

const char *insight_nl_errmsg(const struct insight_nl *h)
{
	return h->errmsg;
}

/* A request with room for @payload bytes of attributes (0: one page). */
static struct nl_msg *msg_alloc(struct insight_nl *h, uint8_t cmd, size_t payload)
{
	struct nl_msg *msg;

	msg = payload ? nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + payload) :
			nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0,
			 NLM_F_REQUEST, cmd, INSIGHT_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *insight_msg_new(struct insight_nl *h, uint8_t cmd)
{
	return msg_alloc(h, cmd, 0);
}

/* Replies are matched to their request by the transaction, not libnl. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transact *t = arg;
	struct nlattr *tb[INSIGHT_ATTR_MAX + 1];
	int err;

	if (!t->on_reply)
		return NL_OK;
	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, INSIGHT_ATTR_MAX, NULL);
	if (err) {
		t->err = -EBADMSG;
		return NL_STOP;
	}
	err = t->on_reply(tb, t->arg);
	if (err) {
		t->err = err;
		return NL_STOP;
	}
	return NL_OK;
}

/* Turn the kernel's extended ack into a message for the user. */
static void ext_ack_msg(struct insight_nl *h, struct nlattr **tb)
{
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(h->errmsg, sizeof(h->errmsg), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	else if (tb[NLMSGERR_ATTR_MISS_TYPE])
		snprintf(h->errmsg, sizeof(h->errmsg),
			 "missing required attribute %u",
			 nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct transact *t = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	unsigned int off = sizeof(*e);

	(void)nla;
	t->err = e->error;
	t->done = 1;
	/* NLM_F_ACK_TLVS: an extended ack follows the error (and the
	 * request, unless NLM_F_CAPPED). */
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (nlh->nlmsg_len > NLMSG_HDRLEN + off &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		       nlh->nlmsg_len - NLMSG_HDRLEN - off, NULL))
		ext_ack_msg(t->h, tb);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct transact *t = arg;

	(void)msg;
	t->done = 1;
	return NL_STOP;
}

/* The end of a dump: NLMSG_DONE carries the dump's error, or 0. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct transact *t = arg;

	t->done = 1;
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
		t->err = *(int *)nlmsg_data(nlh);
	return NL_STOP;
}

int insight_transact(struct insight_nl *h, struct nl_msg *msg,
		     insight_reply_fn on_reply, void *arg)
{
	struct transact t = { .h = h, .on_reply = on_reply, .arg = arg };
	struct nl_cb *cb;
	int err;

	h->errmsg[0] = '\0';
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);

	err = nl_send_auto(h->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		t.err = -EIO;
		goto out;
	}
	while (!t.done && !t.err) {
		err = nl_recvmsgs(h->sk, cb);
		if (err < 0 && !t.err)
			t.err = -EIO;
	}
out:
	nl_cb_put(cb);
	return t.err;
}

static int get_u32(struct nlattr **tb, int attr, uint32_t *v)
{
	if (!tb[attr] || nla_len(tb[attr]) != sizeof(uint32_t))
		return -EBADMSG;
	*v = nla_get_u32(tb[attr]);
	return 0;
}

static int parse_version(struct nlattr **tb, void *arg)
{
	struct insight_version *v = arg;

	return get_u32(tb, INSIGHT_ATTR_ABI_VERSION, &v->abi) ?:
	       get_u32(tb, INSIGHT_ATTR_ABI_MIN, &v->abi_min);
}

int insight_version(struct insight_nl *h, struct insight_version *v)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_VERSION);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	memset(v, 0, sizeof(*v));
	return insight_transact(h, msg, parse_version, v);
}

static int parse_status(struct nlattr **tb, void *arg)
{
	struct insight_status *st = arg;

	return get_u32(tb, INSIGHT_ATTR_PARAM_MAX_SESSIONS, &st->max_sessions) ?:
	       get_u32(tb, INSIGHT_ATTR_PARAM_MAX_SITES, &st->max_sites) ?:
	       get_u32(tb, INSIGHT_ATTR_PARAM_MAX_PROBES, &st->max_probes) ?:
	       get_u32(tb, INSIGHT_ATTR_PARAM_MAX_LOG, &st->max_log) ?:
	       get_u32(tb, INSIGHT_ATTR_PARAM_MAX_SNAPSHOTS, &st->max_snapshots) ?:
	       get_u32(tb, INSIGHT_ATTR_SESSIONS, &st->sessions);
}

int insight_status(struct insight_nl *h, struct insight_status *st)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_STATUS);

	if (!msg)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	return insight_transact(h, msg, parse_status, st);
}

static int parse_session(struct nlattr **tb, void *arg)
{
	return get_u32(tb, INSIGHT_ATTR_SESSION, arg);
}

/*
 * Join the events group first, so that no event of the session comes
 * before the subscription.
 */
int insight_session_new(struct insight_nl *h)
{
	struct nl_msg *msg;
	uint32_t id = 0;
	int err;

	err = insight_events_join(h);
	if (err)
		return err;
	msg = insight_msg_new(h, INSIGHT_CMD_SESSION_NEW);
	if (!msg)
		return -ENOMEM;
	err = insight_transact(h, msg, parse_session, &id);
	if (!err)
		h->session = id;
	return err;
}

struct nl_msg *insight_dump_new(struct insight_nl *h, uint8_t cmd)
{
	struct nl_msg *msg = msg_alloc(h, cmd, 0);

	if (msg)
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_DUMP;
	return msg;
}

int insight_attach(struct insight_nl *h, uint32_t pid)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_ATTACH);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PID, pid)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
}

/* Append one INSIGHT_ATTR_SITE nest to @msg. */
static int put_site(struct nl_msg *msg, uint64_t addr, int has_policy,
		    uint32_t policy)
{
	struct nlattr *site = nla_nest_start(msg, INSIGHT_ATTR_SITE);

	if (!site || nla_put_u64(msg, INSIGHT_SITE_ADDR, addr) ||
	    (has_policy && nla_put_u32(msg, INSIGHT_SITE_POLICY, policy)))
		return -EMSGSIZE;
	nla_nest_end(msg, site);
	return 0;
}

struct site_results {
	int *errs;
	unsigned int n, got;
};

static int parse_site_results(struct nlattr **tb, void *arg)
{
	struct site_results *r = arg;
	struct nlattr *site, *stb[INSIGHT_SITE_MAX + 1];
	int rem;

	if (!tb[INSIGHT_ATTR_SITES])
		return -EBADMSG;
	nla_for_each_nested(site, tb[INSIGHT_ATTR_SITES], rem) {
		if (r->got >= r->n ||
		    nla_parse_nested(stb, INSIGHT_SITE_MAX, site, NULL) ||
		    !stb[INSIGHT_SITE_ERRNO])
			return -EBADMSG;
		r->errs[r->got++] = nla_get_u32(stb[INSIGHT_SITE_ERRNO]);
	}
	return 0;
}

static int sites_add_batch(struct insight_nl *h, const uint64_t *addrs,
			   const uint32_t *policies, unsigned int n, int *errs)
{
	struct site_results r = { .errs = errs, .n = n };
	/* per site: a nest, an address and a policy */
	struct nl_msg *msg = msg_alloc(h, INSIGHT_CMD_SITES_ADD,
				       nla_total_size(0) + n * (nla_total_size(0) +
				       nla_total_size(8) + nla_total_size(4)));
	struct nlattr *list;
	unsigned int i;
	int err;

	if (!msg)
		return -ENOMEM;
	list = nla_nest_start(msg, INSIGHT_ATTR_SITES);
	for (i = 0; list && i < n; i++)
		if (put_site(msg, addrs[i], policies != NULL,
			     policies ? policies[i] : 0))
			list = NULL;
	if (!list) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, list);
	err = insight_transact(h, msg, parse_site_results, &r);
	if (!err && r.got != n)
		err = -EBADMSG;
	return err;
}

/* The module takes at most 1024 sites a request (E2BIG): send batches. */
#define SITES_BATCH 1024

int insight_sites_add(struct insight_nl *h, const uint64_t *addrs,
		      const uint32_t *policies, unsigned int n, int *errs)
{
	unsigned int i, k;
	int err = 0;

	for (i = 0; !err && i < n; i += k) {
		k = n - i < SITES_BATCH ? n - i : SITES_BATCH;
		err = sites_add_batch(h, addrs + i, policies ? policies + i : NULL,
				      k, errs + i);
	}
	return err;
}

int insight_site_policy(struct insight_nl *h, uint64_t addr, uint32_t policy)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_SITE_POLICY);
	struct nlattr *list;

	if (!msg)
		return -ENOMEM;
	list = nla_nest_start(msg, INSIGHT_ATTR_SITES);
	if (!list || put_site(msg, addr, 1, policy)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, list);
	return insight_transact(h, msg, NULL, NULL);
}

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

int insight_probe_resume(struct insight_nl *h, uint32_t probe, uint32_t policy,
			 int keep)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_PROBE_RESUME);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PROBE, probe) ||
	    nla_put_u32(msg, INSIGHT_ATTR_POLICY, policy) ||
	    (keep && nla_put_flag(msg, INSIGHT_ATTR_KEEP))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
}

int insight_probe_kill(struct insight_nl *h, uint32_t probe)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_PROBE_KILL);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PROBE, probe)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
}

int insight_sandbox(struct insight_nl *h, uint32_t capture, int input_fd,
		    const void *input, uint32_t input_len)
{
	return insight_sandbox_hold(h, capture, input_fd, input, input_len, 0);
}

int insight_sandbox_hold(struct insight_nl *h, uint32_t capture, int input_fd,
			 const void *input, uint32_t input_len, int hold)
{
	struct nl_msg *msg = msg_alloc(h, INSIGHT_CMD_SANDBOX,
				       nla_total_size(input_len) + 64);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_CAPTURE, capture) ||
	    (input_fd >= 0 &&
	     (nla_put_u32(msg, INSIGHT_ATTR_INPUT_FD, input_fd) ||
	      nla_put(msg, INSIGHT_ATTR_INPUT, input_len, input))) ||
	    (hold && nla_put_flag(msg, INSIGHT_ATTR_HOLD))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
}

int insight_fault_add(struct insight_nl *h, uint32_t probe, uint32_t nr,
		      uint32_t err)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_FAULT_ADD);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PROBE, probe) ||
	    nla_put_u32(msg, INSIGHT_ATTR_SYSCALL, nr) ||
	    nla_put_u32(msg, INSIGHT_ATTR_ERRNO, err)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
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

/*
 * Decode one message of the events group into @ev; 1 if it is an event
 * of this socket's session, 0 if not (another session's, malformed).
 */
static int decode_event(struct insight_nl *h, struct nlmsghdr *nlh,
			struct insight_event_info *ev)
{
	struct nlattr *tb[INSIGHT_ATTR_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlh);

	if (nlh->nlmsg_type != h->family || gh->cmd != INSIGHT_CMD_EVENT ||
	    genlmsg_parse(nlh, 0, tb, INSIGHT_ATTR_MAX, NULL) ||
	    !tb[INSIGHT_ATTR_SESSION] || !tb[INSIGHT_ATTR_EVENT] ||
	    !tb[INSIGHT_ATTR_PROBE] ||
	    nla_get_u32(tb[INSIGHT_ATTR_SESSION]) != h->session)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->kind = nla_get_u32(tb[INSIGHT_ATTR_EVENT]);
	ev->probe = nla_get_u32(tb[INSIGHT_ATTR_PROBE]);
	ev->session = h->session;
	if (tb[INSIGHT_ATTR_PARENT])
		ev->parent = nla_get_u32(tb[INSIGHT_ATTR_PARENT]);
	if (tb[INSIGHT_ATTR_SITE_INDEX])
		ev->site = nla_get_u32(tb[INSIGHT_ATTR_SITE_INDEX]);
	if (tb[INSIGHT_ATTR_STATUS])
		ev->status = nla_get_u32(tb[INSIGHT_ATTR_STATUS]);
	if (tb[INSIGHT_ATTR_FORK_SEQ])
		ev->fork_seq = nla_get_u64(tb[INSIGHT_ATTR_FORK_SEQ]);
	if (tb[INSIGHT_ATTR_EVENTS_LOST])
		ev->events_lost = nla_get_u64(tb[INSIGHT_ATTR_EVENTS_LOST]);
	return 1;
}

int insight_events_read(struct insight_nl *h, struct insight_event_info *ev,
			unsigned int max, int timeout_ms)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct pollfd pfd = { .events = POLLIN };
	unsigned int n = 0;
	ssize_t len;
	int err;

	if (!h->ev_sk || !h->session)
		return -ENOENT;		/* no session: no events of its own */
	pfd.fd = nl_socket_get_fd(h->ev_sk);
	err = poll(&pfd, 1, timeout_ms);
	if (err < 0)
		return -errno;
	/* every datagram waiting, none more: one event each */
	while (n < max) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		len = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS)
			continue;	/* overrun: the kernel counts them lost */
		if (len < 0)
			break;
		for (; NLMSG_OK(nlh, len) && n < max; nlh = NLMSG_NEXT(nlh, len))
			n += decode_event(h, nlh, &ev[n]);
	}
	return n;
}

int insight_probe_step(struct insight_nl *h, uint32_t probe, int on)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_PROBE_STEP);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PROBE, probe) ||
	    nla_put_u8(msg, INSIGHT_ATTR_STEP, !!on)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
}
