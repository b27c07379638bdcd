// SPDX-License-Identifier: GPL-2.0
/*
 * The "insight" generic netlink family: the only control interface of
 * insight.ko.  Every command has a strict policy (resv_start_op is 0, so
 * the core rejects unknown attributes, wrong lengths and reserved header
 * bits); commands that change or reveal state need CAP_SYS_ADMIN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <net/genetlink.h>
#include <linux/insight.h>

#include "insight.h"

/* genl_ops.internal_flags: the caller needs CAP_SYS_ADMIN */
#define INSIGHT_NEED_SYSADMIN	BIT(0)

static struct genl_family insight_family;

static const struct nla_policy insight_version_policy[INSIGHT_ATTR_MAX + 1] = {
	[INSIGHT_ATTR_ABI_VERSION] = NLA_POLICY_MIN(NLA_U32, 1),
};

static int insight_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	if ((ops->internal_flags & INSIGHT_NEED_SYSADMIN) &&
	    !netlink_capable(skb, CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

/* Start a reply to @info; on success *hdr points past the genl header. */
static struct sk_buff *insight_reply_new(struct genl_info *info, u8 cmd,
					 void **hdr)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
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

	msg = insight_reply_new(info, INSIGHT_CMD_VERSION, &hdr);
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

	msg = insight_reply_new(info, INSIGHT_CMD_STATUS, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_PARAM_MAX_SESSIONS, insight_max_sessions) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PARAM_MAX_SITES, insight_max_sites) ||
	    nla_put_u32(msg, INSIGHT_ATTR_PARAM_MAX_PROBES, insight_max_probes)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static const struct genl_ops insight_ops[] = {
	{
		.cmd = INSIGHT_CMD_VERSION,
		.doit = insight_cmd_version,
		.policy = insight_version_policy,
		.maxattr = INSIGHT_ATTR_MAX,
	},
	{
		.cmd = INSIGHT_CMD_STATUS,
		.doit = insight_cmd_status,
		.internal_flags = INSIGHT_NEED_SYSADMIN,
	},
};

static struct genl_family insight_family __ro_after_init = {
	.name = INSIGHT_GENL_NAME,
	.version = INSIGHT_GENL_VERSION,
	.maxattr = INSIGHT_ATTR_MAX,
	.module = THIS_MODULE,
	.ops = insight_ops,
	.n_ops = ARRAY_SIZE(insight_ops),
	.pre_doit = insight_pre_doit,
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
