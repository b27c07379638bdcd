// SPDX-License-Identifier: GPL-2.0
/*
 * The reply checker of the netlink fuzzer (tests/lib/nlfuzz.h): every
 * message the kernel sends back must be well-formed, carry an errno the
 * module documents, and agree with the request it answers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/insight.h>
#include <linux/netlink.h>

#include "nlfuzz.h"

bool fuzz_errno_ok(int err)
{
	switch (err) {
	case 0: case EPERM: case ENOENT: case ESRCH: case E2BIG: case EAGAIN:
	case ENOMEM: case EBUSY: case EINVAL: case EMFILE: case ENOSPC:
	case ERANGE: case EMSGSIZE: case EPROTONOSUPPORT: case EOPNOTSUPP:
		return true;
	}
	return false;
}

/* The errnos a site of a SITES_ADD reply may carry (Documentation/kmod.rst). */
static bool site_errno_ok(unsigned int err)
{
	switch (err) {
	case 0: case EINVAL: case EFAULT: case EACCES: case EOPNOTSUPP:
	case EILSEQ: case EEXIST: case ENOMEM: case ESRCH: case ENOENT:
		return true;
	}
	return false;
}

static int violation(struct fuzz_stats *st, const char *fmt, ...)
{
	va_list ap;

	if (!st->violations++) {
		va_start(ap, fmt);
		vsnprintf(st->first, sizeof(st->first), fmt, ap);
		va_end(ap);
	}
	return 1;
}

/*
 * Attributes @p[0..len): each nla_len at least a header and within the
 * rest; nests (NLA_F_NESTED) the same inside; every SITE_ERRNO inside a
 * SITES nest a documented one.  Returns false on the first flaw.
 */
static bool attrs_ok(const uint8_t *p, size_t len, int depth, bool in_sites)
{
	const struct nlattr *na;
	size_t pos = 0;
	uint32_t v;

	while (pos + NLA_HDRLEN <= len) {
		na = (const void *)(p + pos);
		if (na->nla_len < NLA_HDRLEN || na->nla_len > len - pos)
			return false;
		if ((na->nla_type & NLA_F_NESTED) &&
		    (depth > 4 || !attrs_ok(p + pos + NLA_HDRLEN, na->nla_len - NLA_HDRLEN,
					    depth + 1, in_sites || (depth == 0 &&
					    (na->nla_type & NLA_TYPE_MASK) == INSIGHT_ATTR_SITES))))
			return false;
		if (in_sites && depth == 2 && na->nla_type == INSIGHT_SITE_ERRNO) {
			if (na->nla_len != NLA_HDRLEN + 4)
				return false;
			memcpy(&v, p + pos + NLA_HDRLEN, 4);
			if (!site_errno_ok(v))
				return false;
		}
		pos += NLA_ALIGN(na->nla_len);
	}
	return pos == len || pos == NLA_ALIGN(len);
}

/* The request of sequence number @seq among @req[0..n), or NULL. */
static const struct fuzz_req *req_of(const struct fuzz_req *req, int n, uint32_t seq)
{
	int i;

	for (i = 0; i < n; i++)
		if (req[i].seq == seq)
			return &req[i];
	return NULL;
}

/* NLMSG_ERROR or NLMSG_DONE: an errno from the set, the request's rules. */
static int check_status(const struct nlmsghdr *nh, const struct fuzz_req *q,
			bool unpriv, struct fuzz_stats *st)
{
	size_t need = nh->nlmsg_type == NLMSG_ERROR ? sizeof(struct nlmsgerr) : sizeof(int);
	int err;

	if (nh->nlmsg_len < NLMSG_LENGTH(need))
		return violation(st, "status message of %u bytes", nh->nlmsg_len);
	memcpy(&err, NLMSG_DATA(nh), sizeof(err));
	if (err > 0 || !fuzz_errno_ok(-err))
		return violation(st, "errno %d (seq %u, cmd %d)", -err, nh->nlmsg_seq,
				 q ? q->cmd : -1);
	if (-err < (int)(sizeof(st->by_errno) / sizeof(st->by_errno[0])))
		st->by_errno[-err]++;
	if (nh->nlmsg_type == NLMSG_DONE) {
		st->dumps_done++;
		if (unpriv)
			return violation(st, "an unprivileged dump ran (seq %u)", nh->nlmsg_seq);
		return 0;
	}
	err ? st->errors++ : st->acks++;
	if (!err && q && q->cmd < 32)
		st->ok_by_cmd[q->cmd]++;
	if (unpriv && q && q->shaped && q->cmd != INSIGHT_CMD_VERSION && err != -EPERM)
		return violation(st, "unprivileged cmd %d got %d, not EPERM", q->cmd, err);
	return 0;
}

/* A reply of the family: a genl header, sound attributes, a real command. */
static int check_reply(const struct nlmsghdr *nh, bool unpriv, struct fuzz_stats *st)
{
	const struct genlmsghdr *gh = NLMSG_DATA(nh);
	const uint8_t *attrs = (const uint8_t *)gh + GENL_HDRLEN;
	size_t alen;

	st->replies++;
	if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return violation(st, "reply of %u bytes", nh->nlmsg_len);
	alen = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	if (!gh->cmd || gh->cmd > INSIGHT_CMD_MAX || gh->cmd == INSIGHT_CMD_EVENT)
		return violation(st, "reply with cmd %u", gh->cmd);
	if (unpriv && gh->cmd != INSIGHT_CMD_VERSION)
		return violation(st, "unprivileged request answered by cmd %u", gh->cmd);
	if (!attrs_ok(attrs, alen, 0, false))
		return violation(st, "malformed attributes in a reply to cmd %u", gh->cmd);
	st->ok_by_cmd[gh->cmd]++;
	return 0;
}

int fuzz_check(const uint8_t *buf, size_t len, int fam, const struct fuzz_req *req,
	       int n, bool unpriv, uint32_t sentinel, bool *ended,
	       struct fuzz_stats *st)
{
	const struct nlmsghdr *nh = (const void *)buf;
	int bad = 0, rest = len, err;

	for (; NLMSG_OK(nh, rest); nh = NLMSG_NEXT(nh, rest)) {
		const struct fuzz_req *q = req_of(req, n, nh->nlmsg_seq);

		if (nh->nlmsg_seq == sentinel) {
			/* the sentinel: a VERSION reply, then its ack */
			if (nh->nlmsg_type == NLMSG_ERROR) {
				memcpy(&err, NLMSG_DATA(nh), sizeof(err));
				if (err)
					bad += violation(st, "sentinel failed: %d", err);
				*ended = true;
			}
			continue;
		}
		if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_DONE)
			bad += check_status(nh, q, unpriv, st);
		else if (nh->nlmsg_type == fam)
			bad += check_reply(nh, unpriv, st);
		else
			bad += violation(st, "message of type %u", nh->nlmsg_type);
	}
	if (rest)
		bad += violation(st, "%d bytes left after the last message", rest);
	return bad;
}
