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

/* genl_ops.internal_flags */
#define INSIGHT_NEED_SYSADMIN	BIT(0)	/* the caller needs CAP_SYS_ADMIN */
#define INSIGHT_LOCKED		BIT(1)	/* doit runs under insight_lock */
#define INSIGHT_NEED_SESSION	BIT(2)	/* ...with the socket's session in user_ptr[0] */


static const struct nla_policy insight_version_policy[INSIGHT_ATTR_MAX + 1] = {
	[INSIGHT_ATTR_ABI_VERSION] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy insight_site_policy[INSIGHT_SITE_MAX + 1] = {
	[INSIGHT_SITE_ADDR] = { .type = NLA_U64 },
	[INSIGHT_SITE_POLICY] = NLA_POLICY_MAX(NLA_U32, __INSIGHT_POLICY_MAX - 1),
};

static const struct nla_policy insight_session_policy[INSIGHT_ATTR_MAX + 1] = {
	[INSIGHT_ATTR_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[INSIGHT_ATTR_SITES] = NLA_POLICY_NESTED_ARRAY(insight_site_policy),
	[INSIGHT_ATTR_START] = { .type = NLA_U64 },
	[INSIGHT_ATTR_PROBE] = { .type = NLA_U32 },
	[INSIGHT_ATTR_POLICY] = NLA_POLICY_MAX(NLA_U32, __INSIGHT_POLICY_MAX - 1),
	[INSIGHT_ATTR_KEEP] = { .type = NLA_FLAG },
	[INSIGHT_ATTR_CAPTURE] = NLA_POLICY_MAX(NLA_U32, INSIGHT_CAPTURE_MAX),
	[INSIGHT_ATTR_INPUT_FD] = NLA_POLICY_MAX(NLA_U32, S16_MAX),
	[INSIGHT_ATTR_INPUT] = { .type = NLA_BINARY, .len = INSIGHT_INPUT_MAX },
	[INSIGHT_ATTR_SYSCALL] = NLA_POLICY_MAX(NLA_U32, 1023),
	[INSIGHT_ATTR_ERRNO] = NLA_POLICY_RANGE(NLA_U32, 1, 4095),
	[INSIGHT_ATTR_STEP] = NLA_POLICY_MAX(NLA_U8, 1),
	[INSIGHT_ATTR_HOLD] = { .type = NLA_FLAG },
};

/* The session of the requesting socket; caller holds insight_lock. */
static struct insight_session *insight_session_of(struct genl_info *info)
{
	return insight_session_find(genl_info_net(info), info->snd_portid);
}

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
	mutex_lock(&insight_lock);
	if (ops->internal_flags & INSIGHT_NEED_SESSION) {
		info->user_ptr[0] = insight_session_of(info);
		if (!info->user_ptr[0]) {
			mutex_unlock(&insight_lock);
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
		mutex_unlock(&insight_lock);
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
	return insight_session_new(genl_info_net(info), info->snd_portid);
}

static int insight_cmd_attach(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_PID))
		return -EINVAL;
	return insight_session_attach(info->user_ptr[0],
				      nla_get_u32(info->attrs[INSIGHT_ATTR_PID]));
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

static int insight_count_sites(struct genl_info *info, struct nlattr *sites)
{
	struct nlattr *site;
	int n = 0, rem;

	nla_for_each_nested(site, sites, rem) {
		if (nla_type(site) != INSIGHT_ATTR_SITE) {
			NL_SET_ERR_MSG_ATTR(info->extack, site, "expected INSIGHT_ATTR_SITE");
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

static int insight_cmd_sites_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[INSIGHT_SITE_MAX + 1], *site, *list;
	struct insight_session *s;
	struct sk_buff *msg;
	int n, rem, err;
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
	if (!list) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}

	s = info->user_ptr[0];
	err = -ENOENT;
	if (list_empty(&s->probes))
		goto out_free;
	err = insight_sites_reserve(s, n);
	if (err)
		goto out_free;
	nla_for_each_nested(site, info->attrs[INSIGHT_ATTR_SITES], rem) {
		u32 policy = INSIGHT_POLICY_NATURAL;
		u64 addr;

		/* validated by the policy already */
		err = nla_parse_nested(tb, INSIGHT_SITE_MAX, site,
				       insight_site_policy, info->extack);
		if (err)
			goto out_free;
		if (!tb[INSIGHT_SITE_ADDR]) {
			NL_SET_ERR_ATTR_MISS(info->extack, site, INSIGHT_SITE_ADDR);
			err = -EINVAL;
			goto out_free;
		}
		addr = nla_get_u64(tb[INSIGHT_SITE_ADDR]);
		if (tb[INSIGHT_SITE_POLICY])
			policy = nla_get_u32(tb[INSIGHT_SITE_POLICY]);
		err = insight_put_site_result(msg, addr,
					      insight_site_add(s, addr, policy));
		if (err)
			goto out_free;
	}
	nla_nest_end(msg, list);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return err;
}

static int insight_cmd_site_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[INSIGHT_SITE_MAX + 1], *site;
	struct insight_site *st;
	int rem, err = -EINVAL;

	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_SITES))
		return -EINVAL;
	nla_for_each_nested(site, info->attrs[INSIGHT_ATTR_SITES], rem) {
		err = nla_parse_nested(tb, INSIGHT_SITE_MAX, site,
				       insight_site_policy, info->extack);
		break;	/* exactly one site */
	}
	if (err)
		return err;
	if (!tb[INSIGHT_SITE_ADDR] || !tb[INSIGHT_SITE_POLICY]) {
		NL_SET_ERR_MSG_MOD(info->extack, "a site needs an address and a policy");
		return -EINVAL;
	}
	st = insight_site_find(info->user_ptr[0], nla_get_u64(tb[INSIGHT_SITE_ADDR]));
	if (!st)
		return -ENOENT;
	WRITE_ONCE(st->policy, nla_get_u32(tb[INSIGHT_SITE_POLICY]));
	return 0;
}

static int insight_cmd_path_get(struct sk_buff *skb, struct genl_info *info)
{
	struct insight_probe *p = NULL;
	struct nlattr *arr;
	struct sk_buff *msg;
	u64 start = 0, lost;
	u32 n = 0, id = 0;
	void *hdr;
	int err = -ENOENT;

	if (info->attrs[INSIGHT_ATTR_START])
		start = nla_get_u64(info->attrs[INSIGHT_ATTR_START]);
	if (info->attrs[INSIGHT_ATTR_PROBE])
		id = nla_get_u32(info->attrs[INSIGHT_ATTR_PROBE]);
	msg = insight_reply_new(info, INSIGHT_CMD_PATH_GET,
				2 * nla_total_size_64bit(8) +
				nla_total_size(INSIGHT_PATH_BATCH *
					       sizeof(struct insight_decision)), &hdr);
	if (!msg)
		return -ENOMEM;
	p = insight_probe_get(info->user_ptr[0], id);
	if (!p)
		goto out_free;
	spin_lock(&p->path.lock);
	if (start < p->path.len)
		n = min_t(u64, p->path.len - start, INSIGHT_PATH_BATCH);
	lost = p->path.lost;
	arr = nla_reserve(msg, INSIGHT_ATTR_DECISIONS, n * sizeof(struct insight_decision));
	if (arr)
		memcpy(nla_data(arr), p->path.entries + start,
		       n * sizeof(struct insight_decision));
	spin_unlock(&p->path.lock);
	err = -EMSGSIZE;
	if (!arr ||
	    nla_put_u64_64bit(msg, INSIGHT_ATTR_LOG_LOST, lost, INSIGHT_ATTR_UNSPEC) ||
	    nla_put_u64_64bit(msg, INSIGHT_ATTR_NEXT, start + n, INSIGHT_ATTR_UNSPEC))
		goto out_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return err;
}

static int insight_put_probe(struct sk_buff *msg, struct insight_probe *p)
{
	struct nlattr *nest = nla_nest_start(msg, INSIGHT_ATTR_PROBE_INFO);

	if (!nest ||
	    nla_put_u32(msg, INSIGHT_PROBE_ID, p->id) ||
	    nla_put_u32(msg, INSIGHT_PROBE_PARENT, p->parent) ||
	    nla_put_u64_64bit(msg, INSIGHT_PROBE_FORK_SEQ, p->fork_seq, INSIGHT_PROBE_UNSPEC) ||
	    nla_put_u32(msg, INSIGHT_PROBE_PID, pid_vnr(p->pid)) ||
	    nla_put_u8(msg, INSIGHT_PROBE_STATE, insight_probe_state(p)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Room for one probe in a PROBES_GET reply. */
#define INSIGHT_PROBE_INFO_SIZE \
	nla_total_size(4 * nla_total_size(4) + nla_total_size_64bit(8))

static int insight_cmd_probes_get(struct sk_buff *skb, struct genl_info *info)
{
	struct insight_session *s;
	struct insight_probe *p;
	struct nlattr *list;
	struct sk_buff *msg;
	u64 start = 0, next;
	u32 n = 0;
	int err = -ENOMEM;
	void *hdr;

	if (info->attrs[INSIGHT_ATTR_START])
		start = nla_get_u64(info->attrs[INSIGHT_ATTR_START]);
	msg = insight_reply_new(info, INSIGHT_CMD_PROBES_GET,
				3 * nla_total_size_64bit(8) + nla_total_size(0) +
				INSIGHT_PROBES_BATCH * INSIGHT_PROBE_INFO_SIZE, &hdr);
	if (!msg)
		return err;
	err = -EMSGSIZE;
	list = nla_nest_start(msg, INSIGHT_ATTR_PROBES);
	if (!list)
		goto out_free;
	s = info->user_ptr[0];
	spin_lock(&s->lock);
	next = start;
	list_for_each_entry(p, &s->probes, node) {
		if (p->id < start)
			continue;
		if (n == INSIGHT_PROBES_BATCH || insight_put_probe(msg, p))
			break;
		n++;
		next = p->id + 1;
	}
	nla_nest_end(msg, list);
	err = nla_put_u64_64bit(msg, INSIGHT_ATTR_NEXT, next, INSIGHT_ATTR_UNSPEC) ||
	      nla_put_u64_64bit(msg, INSIGHT_ATTR_DEGRADED, s->degraded,
				INSIGHT_ATTR_UNSPEC) ||
	      nla_put_u64_64bit(msg, INSIGHT_ATTR_EVENTS_LOST,
				atomic64_read(&s->events_lost),
				INSIGHT_ATTR_UNSPEC) ? -EMSGSIZE : 0;
	spin_unlock(&s->lock);
	if (err)
		goto out_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return err;
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
	if (list_empty(&s->probes))
		return -ENOENT;
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
				 nla_get_u32(info->attrs[INSIGHT_ATTR_ERRNO]));
}

static int insight_put_output(struct sk_buff *msg, struct insight_output *o)
{
	struct nlattr *nest = nla_nest_start(msg, INSIGHT_ATTR_OUTPUT);

	if (!nest ||
	    nla_put_u64_64bit(msg, INSIGHT_OUTPUT_SEQ, o->seq, INSIGHT_OUTPUT_UNSPEC) ||
	    nla_put_u64_64bit(msg, INSIGHT_OUTPUT_DECISIONS, o->decisions,
			      INSIGHT_OUTPUT_UNSPEC) ||
	    nla_put_u32(msg, INSIGHT_OUTPUT_NR, o->nr) ||
	    nla_put_u32(msg, INSIGHT_OUTPUT_FD, o->fd) ||
	    nla_put_u64_64bit(msg, INSIGHT_OUTPUT_LEN, o->len, INSIGHT_OUTPUT_UNSPEC) ||
	    nla_put(msg, INSIGHT_OUTPUT_DATA, o->captured, o->data))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Room for one output in an OUTPUTS_GET reply. */
#define INSIGHT_OUTPUT_SIZE \
	nla_total_size(3 * nla_total_size_64bit(8) + 2 * nla_total_size(4) + \
		       nla_total_size(INSIGHT_CAPTURE_MAX))

static int insight_cmd_outputs_get(struct sk_buff *skb, struct genl_info *info)
{
	struct insight_probe *p = NULL;
	struct insight_output *o;
	struct nlattr *list;
	struct sk_buff *msg;
	u64 start = 0, next, lost;
	u32 id = 0, n = 0;
	int err = -ENOENT;
	void *hdr;

	if (info->attrs[INSIGHT_ATTR_START])
		start = nla_get_u64(info->attrs[INSIGHT_ATTR_START]);
	if (info->attrs[INSIGHT_ATTR_PROBE])
		id = nla_get_u32(info->attrs[INSIGHT_ATTR_PROBE]);
	msg = insight_reply_new(info, INSIGHT_CMD_OUTPUTS_GET,
				2 * nla_total_size_64bit(8) + nla_total_size(0) +
				INSIGHT_OUTPUTS_BATCH * INSIGHT_OUTPUT_SIZE, &hdr);
	if (!msg)
		return -ENOMEM;
	p = insight_probe_get(info->user_ptr[0], id);
	if (!p)
		goto out_free;
	err = -EMSGSIZE;
	list = nla_nest_start(msg, INSIGHT_ATTR_OUTPUTS);
	if (!list)
		goto out_free;
	next = start;
	spin_lock(&p->path.lock);
	list_for_each_entry(o, &p->outputs, node) {
		if (o->seq < start)
			continue;
		if (n == INSIGHT_OUTPUTS_BATCH || insight_put_output(msg, o))
			break;
		n++;
		next = o->seq + 1;
	}
	lost = p->out_lost;
	spin_unlock(&p->path.lock);
	nla_nest_end(msg, list);
	if (nla_put_u64_64bit(msg, INSIGHT_ATTR_NEXT, next, INSIGHT_ATTR_UNSPEC) ||
	    nla_put_u64_64bit(msg, INSIGHT_ATTR_LOG_LOST, lost, INSIGHT_ATTR_UNSPEC))
		goto out_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return err;
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
/* a command on the socket's session, with the session commands' policy */
#define INSIGHT_SESSION_OP(c, fn) {					\
	.cmd = (c), .doit = (fn), .policy = insight_session_policy,	\
	.maxattr = INSIGHT_ATTR_MAX,					\
	.internal_flags = INSIGHT_NEED_SYSADMIN | INSIGHT_LOCKED |	\
			  INSIGHT_NEED_SESSION,				\
}

static const struct genl_ops insight_ops[] = {
	{
		.cmd = INSIGHT_CMD_VERSION,
		.doit = insight_cmd_version,
		.policy = insight_version_policy,
		.maxattr = INSIGHT_ATTR_MAX,
	},
	INSIGHT_ADMIN_OP(INSIGHT_CMD_STATUS, insight_cmd_status),
	INSIGHT_ADMIN_OP(INSIGHT_CMD_SESSION_NEW, insight_cmd_session_new),
	INSIGHT_SESSION_OP(INSIGHT_CMD_ATTACH, insight_cmd_attach),
	INSIGHT_SESSION_OP(INSIGHT_CMD_SITES_ADD, insight_cmd_sites_add),
	INSIGHT_SESSION_OP(INSIGHT_CMD_SITE_POLICY, insight_cmd_site_policy),
	INSIGHT_SESSION_OP(INSIGHT_CMD_PROBES_GET, insight_cmd_probes_get),
	INSIGHT_SESSION_OP(INSIGHT_CMD_PROBE_RESUME, insight_cmd_probe_resume),
	INSIGHT_SESSION_OP(INSIGHT_CMD_PROBE_KILL, insight_cmd_probe_kill),
	INSIGHT_SESSION_OP(INSIGHT_CMD_SANDBOX, insight_cmd_sandbox),
	INSIGHT_SESSION_OP(INSIGHT_CMD_FAULT_ADD, insight_cmd_fault_add),
	INSIGHT_SESSION_OP(INSIGHT_CMD_OUTPUTS_GET, insight_cmd_outputs_get),
	INSIGHT_SESSION_OP(INSIGHT_CMD_PROBE_STEP, insight_cmd_probe_step),
	INSIGHT_SESSION_OP(INSIGHT_CMD_PATH_GET, insight_cmd_path_get),
};

struct genl_family insight_family __ro_after_init = {
	.name = INSIGHT_GENL_NAME,
	.version = INSIGHT_GENL_VERSION,
	.maxattr = INSIGHT_ATTR_MAX,
	.module = THIS_MODULE,
	.ops = insight_ops,
	.n_ops = ARRAY_SIZE(insight_ops),
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
