// SPDX-License-Identifier: GPL-2.0
/*
 * The "insight" generic netlink family: the only control interface of
 * insight.ko.  Each command has its own strict policy (kmod/genl_policy.c;
 * resv_start_op is 0, so the core rejects attributes the command does not
 * take, wrong lengths and reserved header bits); commands that change or
 * reveal state need CAP_SYS_ADMIN.  The GET commands are dumps; events go
 * to the "events" multicast group (kmod/event.c).
 *
 * This file only parses requests, calls the files that own the state and
 * fills replies: it takes no lock of theirs and writes none of their fields.
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
#include "genl_inject.h"

/* genl_ops.internal_flags */
#define INSIGHT_NEED_SYSADMIN	BIT(0)	/* the caller needs CAP_SYS_ADMIN */
#define INSIGHT_LOCKED		BIT(1)	/* doit runs under insight_lock */
#define INSIGHT_NEED_SESSION	BIT(2)	/* ...with the socket's session in user_ptr[0] */

/*
 * Before a command: check the caller's capability, take insight_lock and
 * find the socket's session, as the command's flags ask (ENOENT without).
 */
static int insight_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	if ((ops->internal_flags & INSIGHT_NEED_SYSADMIN) &&
	    !netlink_capable(skb, CAP_SYS_ADMIN))
		return -EPERM;
	if (!(ops->internal_flags & INSIGHT_LOCKED))
		return 0;
	insight_sessions_lock();
	if (ops->internal_flags & INSIGHT_NEED_SESSION) {
		info->user_ptr[0] = insight_session_find(genl_info_net(info),
							 info->snd_portid);
		if (!info->user_ptr[0]) {
			insight_sessions_unlock();
			NL_SET_ERR_MSG_MOD(info->extack, "no session on this socket");
			return -ENOENT;
		}
	}
	return 0;
}

static void insight_post_doit(const struct genl_ops *ops, struct sk_buff *skb,
			      struct genl_info *info)
{
	if (ops->internal_flags & INSIGHT_LOCKED)
		insight_sessions_unlock();
}

/*
 * Start a reply to @info with room for @size bytes of attributes; on
 * success *hdr points past the genl header.
 */
static struct sk_buff *insight_reply_new(struct genl_info *info, u8 cmd,
					 size_t size, void **hdr)
{
	struct sk_buff *msg;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &insight_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int insight_cmd_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	u32 client;

	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_ABI_VERSION))
		return -EINVAL;
	client = nla_get_u32(info->attrs[INSIGHT_ATTR_ABI_VERSION]);
	if (client < INSIGHT_ABI_MIN) {
		NL_SET_ERR_MSG_MOD(info->extack, "client ABI too old");
		return -EPROTONOSUPPORT;
	}

	msg = insight_reply_new(info, INSIGHT_CMD_VERSION, NLMSG_DEFAULT_SIZE, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION) ||
	    nla_put_u32(msg, INSIGHT_ATTR_ABI_MIN, INSIGHT_ABI_MIN)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int insight_cmd_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = insight_reply_new(info, INSIGHT_CMD_STATUS, NLMSG_DEFAULT_SIZE, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PARAM_MAX_SESSIONS, insight_max_sessions) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PARAM_MAX_SITES, insight_max_sites) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PARAM_MAX_PROBES, insight_max_probes) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PARAM_MAX_LOG, insight_max_log) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PARAM_MAX_SNAPSHOTS, insight_max_snapshots) ||
	    nla_put_u32(msg, INSIGHT_ATTR_SESSIONS, insight_session_count())) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int insight_cmd_session_new(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;
	u32 id;

	msg = insight_reply_new(info, INSIGHT_CMD_SESSION_NEW, nla_total_size(4), &hdr);
	if (!msg)
		return -ENOMEM;
	err = insight_session_new(genl_info_net(info), info->snd_portid, &id);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	/* the session stays open even if its id cannot be told */
	if (nla_put_u32(msg, INSIGHT_ATTR_SESSION, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int insight_cmd_attach(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_PID) ||
	    GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_MEM_FD))
		return -EINVAL;
	return insight_session_attach(info->user_ptr[0],
				      nla_get_u32(info->attrs[INSIGHT_ATTR_PID]),
				      nla_get_u32(info->attrs[INSIGHT_ATTR_MEM_FD]));
}

/* Put one site's outcome into the SITES_ADD reply. */
static int insight_put_site_result(struct sk_buff *msg, u64 addr, int err)
{
	struct nlattr *nest = nla_nest_start(msg, INSIGHT_ATTR_SITE);

	if (!nest ||
	    nla_put_u64_64bit(msg, INSIGHT_SITE_ADDR, addr, INSIGHT_SITE_UNSPEC) ||
	    nla_put_u32(msg, INSIGHT_SITE_ERRNO, -err))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Check the whole request before any site is added: every entry is an
 * INSIGHT_ATTR_SITE nest with an address (the core validated their
 * attributes already), at most INSIGHT_SITES_BATCH of them.  Returns
 * their number.
 */
static int insight_count_sites(struct genl_info *info, struct nlattr *sites)
{
	struct nlattr *tb[INSIGHT_SITE_POLICY + 1], *site;
	int n = 0, rem, err;

	nla_for_each_nested(site, sites, rem) {
		if (nla_type(site) != INSIGHT_ATTR_SITE) {
			NL_SET_ERR_MSG_ATTR(info->extack, site, "expected INSIGHT_ATTR_SITE");
			return -EINVAL;
		}
		err = nla_parse_nested(tb, INSIGHT_SITE_POLICY, site,
				       insight_site_nl_policy, info->extack);
		if (err)
			return err;
		if (!tb[INSIGHT_SITE_ADDR]) {
			NL_SET_ERR_ATTR_MISS(info->extack, site, INSIGHT_SITE_ADDR);
			return -EINVAL;
		}
		n++;
	}
	if (n > INSIGHT_SITES_BATCH) {
		NL_SET_ERR_MSG_MOD(info->extack, "too many sites in one request");
		return -E2BIG;
	}
	return n;
}

/*
 * Add the request's sites (checked by insight_count_sites()), each
 * outcome into @msg.  On an error the sites this request added are
 * removed again: a request that fails adds nothing.
 */
static int insight_add_sites(struct insight_session *s, struct sk_buff *msg,
			     struct nlattr *sites, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[INSIGHT_SITE_POLICY + 1], *site;
	u32 first = s->nsites;
	int rem, err = 0;

	nla_for_each_nested(site, sites, rem) {
		u32 policy = INSIGHT_POLICY_NATURAL;
		u64 addr;

		err = nla_parse_nested(tb, INSIGHT_SITE_POLICY, site,
				       insight_site_nl_policy, extack);
		if (err)
			break;
		addr = nla_get_u64(tb[INSIGHT_SITE_ADDR]);
		if (tb[INSIGHT_SITE_POLICY])
			policy = nla_get_u32(tb[INSIGHT_SITE_POLICY]);
		err = insight_put_site_result(msg, addr,
					      insight_site_add(s, addr, policy));
		if (err)
			break;
	}
	if (err)
		insight_sites_remove_from(s, first);
	return err;
}

static int insight_cmd_sites_add(struct sk_buff *skb, struct genl_info *info)
{
	struct insight_session *s = info->user_ptr[0];
	struct nlattr *list;
	struct sk_buff *msg;
	u32 first = s->nsites;
	int n, err;
	void *hdr;

	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_SITES))
		return -EINVAL;
	n = insight_count_sites(info, info->attrs[INSIGHT_ATTR_SITES]);
	if (n < 0)
		return n;
	msg = insight_reply_new(info, INSIGHT_CMD_SITES_ADD, nla_total_size(0) +
				n * nla_total_size(nla_total_size_64bit(8) +
						   nla_total_size(4)), &hdr);
	if (!msg)
		return -ENOMEM;
	list = nla_nest_start(msg, INSIGHT_ATTR_SITES);
	err = list ? insight_sites_reserve(s, n) : -EMSGSIZE;
	if (!err)
		err = insight_add_sites(s, msg, info->attrs[INSIGHT_ATTR_SITES],
					info->extack);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	nla_nest_end(msg, list);
	genlmsg_end(msg, hdr);
	/* a reply that cannot be delivered fails the request: undo it */
	err = genlmsg_reply(msg, info);
	if (err)
		insight_sites_remove_from(s, first);
	return err;
}

static int insight_cmd_site_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[INSIGHT_SITE_POLICY + 1], *site;
	int rem, err = -EINVAL;

	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_SITES))
		return -EINVAL;
	nla_for_each_nested(site, info->attrs[INSIGHT_ATTR_SITES], rem) {
		err = nla_parse_nested(tb, INSIGHT_SITE_POLICY, site,
				       insight_site_nl_policy, info->extack);
		break;	/* exactly one site */
	}
	if (err)
		return err;
	if (!tb[INSIGHT_SITE_ADDR] || !tb[INSIGHT_SITE_POLICY]) {
		NL_SET_ERR_MSG_MOD(info->extack, "a site needs an address and a policy");
		return -EINVAL;
	}
	return insight_site_set_policy(info->user_ptr[0],
				       nla_get_u64(tb[INSIGHT_SITE_ADDR]),
				       nla_get_u32(tb[INSIGHT_SITE_POLICY]));
}

static int insight_cmd_probe_resume(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_PROBE) ||
	    GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_POLICY))
		return -EINVAL;
	return insight_probe_resume(info->user_ptr[0],
				    nla_get_u32(info->attrs[INSIGHT_ATTR_PROBE]),
				    nla_get_u32(info->attrs[INSIGHT_ATTR_POLICY]),
				    nla_get_flag(info->attrs[INSIGHT_ATTR_KEEP]));
}

static int insight_cmd_probe_kill(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_PROBE))
		return -EINVAL;
	return insight_probe_kill(info->user_ptr[0],
				  nla_get_u32(info->attrs[INSIGHT_ATTR_PROBE]));
}

static int insight_cmd_sandbox(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *input = info->attrs[INSIGHT_ATTR_INPUT];
	struct insight_session *s;
	u32 capture = 256;
	int fd = -1;

	if (info->attrs[INSIGHT_ATTR_CAPTURE])
		capture = nla_get_u32(info->attrs[INSIGHT_ATTR_CAPTURE]);
	if (info->attrs[INSIGHT_ATTR_INPUT_FD])
		fd = nla_get_u32(info->attrs[INSIGHT_ATTR_INPUT_FD]);
	if ((fd < 0) != !input) {
		NL_SET_ERR_MSG_MOD(info->extack, "INPUT_FD and INPUT go together");
		return -EINVAL;
	}
	s = info->user_ptr[0];
	return insight_sandbox_on(s, capture, fd, input ? nla_data(input) : NULL,
				  input ? nla_len(input) : 0,
				  nla_get_flag(info->attrs[INSIGHT_ATTR_HOLD]));
}

static int insight_cmd_fault_add(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_PROBE) ||
	    GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_SYSCALL) ||
	    GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_ERRNO))
		return -EINVAL;
	return insight_fault_add(info->user_ptr[0],
				 nla_get_u32(info->attrs[INSIGHT_ATTR_PROBE]),
				 nla_get_u32(info->attrs[INSIGHT_ATTR_SYSCALL]),
				 nla_get_u32(info->attrs[INSIGHT_ATTR_ERRNO]),
				 info->attrs[INSIGHT_ATTR_FAULT_PATH] ?
				 nla_data(info->attrs[INSIGHT_ATTR_FAULT_PATH]) : NULL);
}

static int insight_cmd_probe_step(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_PROBE) ||
	    GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_STEP))
		return -EINVAL;
	return insight_probe_step(info->user_ptr[0],
				  nla_get_u32(info->attrs[INSIGHT_ATTR_PROBE]),
				  nla_get_u8(info->attrs[INSIGHT_ATTR_STEP]));
}

/* a command for CAP_SYS_ADMIN, without attributes, under insight_lock */
#define INSIGHT_ADMIN_OP(c, fn) {					\
	.cmd = (c), .doit = (fn),					\
	.internal_flags = INSIGHT_NEED_SYSADMIN | INSIGHT_LOCKED,	\
}
/* a command on the socket's session, with its own policy */
#define INSIGHT_SESSION_OP(c, fn, pol) {				\
	.cmd = (c), .doit = (fn), .policy = (pol),			\
	.maxattr = ARRAY_SIZE(pol) - 1,					\
	.internal_flags = INSIGHT_NEED_SYSADMIN | INSIGHT_LOCKED |	\
			  INSIGHT_NEED_SESSION,				\
}
/* an injection command (kmod/genl_inject.c): the socket's, no session */
#define INSIGHT_INJECT_OP(c, fn, pol) {					\
	.cmd = (c), .doit = (fn), .policy = (pol),			\
	.maxattr = ARRAY_SIZE(pol) - 1,					\
	.internal_flags = INSIGHT_NEED_SYSADMIN,			\
}
/* a dump of the socket's session; .start checks the caller */
#define INSIGHT_DUMP_OP(c, name, pol) {					\
	.cmd = (c), .start = insight_##name##_start,			\
	.dumpit = insight_##name##_dumpit, .done = insight_dump_done,	\
	.policy = (pol), .maxattr = ARRAY_SIZE(pol) - 1,		\
}

static const struct genl_ops insight_ops[] = {
	{
		.cmd = INSIGHT_CMD_VERSION,
		.doit = insight_cmd_version,
		.policy = insight_version_nl_policy,
		.maxattr = ARRAY_SIZE(insight_version_nl_policy) - 1,
	},
	INSIGHT_ADMIN_OP(INSIGHT_CMD_STATUS, insight_cmd_status),
	INSIGHT_ADMIN_OP(INSIGHT_CMD_SESSION_NEW, insight_cmd_session_new),
	INSIGHT_SESSION_OP(INSIGHT_CMD_ATTACH, insight_cmd_attach,
			   insight_attach_nl_policy),
	INSIGHT_SESSION_OP(INSIGHT_CMD_SITES_ADD, insight_cmd_sites_add,
			   insight_sites_nl_policy),
	INSIGHT_SESSION_OP(INSIGHT_CMD_SITE_POLICY, insight_cmd_site_policy,
			   insight_sites_nl_policy),
	INSIGHT_DUMP_OP(INSIGHT_CMD_PATH_GET, path, insight_path_get_nl_policy),
	INSIGHT_DUMP_OP(INSIGHT_CMD_PROBES_GET, probes,
			insight_probes_get_nl_policy),
	INSIGHT_SESSION_OP(INSIGHT_CMD_PROBE_RESUME, insight_cmd_probe_resume,
			   insight_probe_resume_nl_policy),
	INSIGHT_SESSION_OP(INSIGHT_CMD_PROBE_KILL, insight_cmd_probe_kill,
			   insight_probe_kill_nl_policy),
	INSIGHT_SESSION_OP(INSIGHT_CMD_SANDBOX, insight_cmd_sandbox,
			   insight_sandbox_nl_policy),
	INSIGHT_SESSION_OP(INSIGHT_CMD_FAULT_ADD, insight_cmd_fault_add,
			   insight_fault_add_nl_policy),
	INSIGHT_DUMP_OP(INSIGHT_CMD_OUTPUTS_GET, outputs,
			insight_outputs_get_nl_policy),
	INSIGHT_SESSION_OP(INSIGHT_CMD_PROBE_STEP, insight_cmd_probe_step,
			   insight_probe_step_nl_policy),
	INSIGHT_INJECT_OP(INSIGHT_CMD_INJECT_ADD, insight_cmd_inject_add,
			  insight_inject_add_nl_policy),
	INSIGHT_INJECT_OP(INSIGHT_CMD_INJECT_DEL, insight_cmd_inject_del,
			  insight_inject_del_nl_policy),
	{
		.cmd = INSIGHT_CMD_INJECT_GET, .doit = insight_cmd_inject_get,
		.internal_flags = INSIGHT_NEED_SYSADMIN,
	},
};

/*
 * Joining the events group needs CAP_SYS_ADMIN in the family's network
 * namespace's user namespace, checked by genl_bind().  Kernels without
 * the GENL_MCAST_CAP_* flags (6.1 before the stable backport of
 * "genetlink: add CAP_NET_ADMIN test for multicast bind") check nothing.
 */
static const struct genl_multicast_group insight_mcgrps[] = {
	[INSIGHT_MCGRP_EVENTS] = {
		.name = INSIGHT_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

struct genl_family insight_family __ro_after_init = {
	.name = INSIGHT_GENL_NAME,
	.version = INSIGHT_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = insight_ops,
	.n_ops = ARRAY_SIZE(insight_ops),
	.mcgrps = insight_mcgrps,
	.n_mcgrps = ARRAY_SIZE(insight_mcgrps),
	.pre_doit = insight_pre_doit,
	.post_doit = insight_post_doit,
	.resv_start_op = 0,	/* strict validation for every command */
	.netnsok = false,
};

int __init insight_genl_init(void)
{
	int err;

	err = genl_register_family(&insight_family);
	if (err)
		pr_err("cannot register generic netlink family: %d\n", err);
	return err;
}

void insight_genl_exit(void)
{
	genl_unregister_family(&insight_family);
}
