// SPDX-License-Identifier: GPL-2.0
/*
 * libinsight: one function a command of the insight family (those that
 * are not dumps).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "internal.h"

static int parse_version(struct nlattr **tb, void *arg)
{
	struct insight_version *v = arg;

	return insight_get_u32(tb, INSIGHT_ATTR_ABI_VERSION, &v->abi) ?:
	       insight_get_u32(tb, INSIGHT_ATTR_ABI_MIN, &v->abi_min);
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

	return insight_get_u32(tb, INSIGHT_ATTR_PARAM_MAX_SESSIONS, &st->max_sessions) ?:
	       insight_get_u32(tb, INSIGHT_ATTR_PARAM_MAX_SITES, &st->max_sites) ?:
	       insight_get_u32(tb, INSIGHT_ATTR_PARAM_MAX_PROBES, &st->max_probes) ?:
	       insight_get_u32(tb, INSIGHT_ATTR_PARAM_MAX_LOG, &st->max_log) ?:
	       insight_get_u32(tb, INSIGHT_ATTR_PARAM_MAX_SNAPSHOTS, &st->max_snapshots) ?:
	       insight_get_u32(tb, INSIGHT_ATTR_SESSIONS, &st->sessions);
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
	return insight_get_u32(tb, INSIGHT_ATTR_SESSION, arg);
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

uint32_t insight_session_id(const struct insight_nl *h)
{
	return h->session;
}

int insight_attach_fd(struct insight_nl *h, uint32_t pid, int mem_fd)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_ATTACH);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PID, pid) ||
	    nla_put_u32(msg, INSIGHT_ATTR_MEM_FD, (uint32_t)mem_fd)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
}

int insight_attach(struct insight_nl *h, uint32_t pid)
{
	char path[32];
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%u/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	err = insight_attach_fd(h, pid, fd);
	close(fd);
	return err;
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
	struct nl_msg *msg = insight_msg_alloc(h, INSIGHT_CMD_SITES_ADD,
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

int insight_sandbox(struct insight_nl *h, uint32_t capture, int input_fd,
		    const void *input, uint32_t input_len)
{
	return insight_sandbox_hold(h, capture, input_fd, input, input_len, 0);
}

int insight_sandbox_hold(struct insight_nl *h, uint32_t capture, int input_fd,
			 const void *input, uint32_t input_len, int hold)
{
	struct nl_msg *msg = insight_msg_alloc(h, INSIGHT_CMD_SANDBOX,
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
		      uint32_t err, const char *path)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_FAULT_ADD);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PROBE, probe) ||
	    nla_put_u32(msg, INSIGHT_ATTR_SYSCALL, nr) ||
	    nla_put_u32(msg, INSIGHT_ATTR_ERRNO, err) ||
	    (path && nla_put_string(msg, INSIGHT_ATTR_FAULT_PATH, path))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
}
