// SPDX-License-Identifier: GPL-2.0
/*
 * libinsight: the request socket, a request and its replies (the
 * kernel's exact errno and extended ack kept), dumps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

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

const char *insight_nl_errmsg(const struct insight_nl *h)
{
	return h->errmsg;
}

struct nl_msg *insight_msg_alloc(struct insight_nl *h, uint8_t cmd, size_t payload)
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
	return insight_msg_alloc(h, cmd, 0);
}

struct nl_msg *insight_dump_new(struct insight_nl *h, uint8_t cmd)
{
	struct nl_msg *msg = insight_msg_alloc(h, cmd, 0);

	if (msg)
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_DUMP;
	return msg;
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

int insight_get_u32(struct nlattr **tb, int attr, uint32_t *v)
{
	if (!tb[attr] || nla_len(tb[attr]) != sizeof(uint32_t))
		return -EBADMSG;
	*v = nla_get_u32(tb[attr]);
	return 0;
}
