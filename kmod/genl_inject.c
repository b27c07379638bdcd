// SPDX-License-Identifier: GPL-2.0
/*
 * The injection commands of the insight family (INSIGHT_CMD_INJECT_ADD,
 * _DEL, _GET): their attributes checked and turned into what
 * kmod/inject.c does.  An injection belongs to the socket that sent
 * INJECT_ADD, not to a session.
 */
#include <net/genetlink.h>
#include <insight/inject_args.h>

#include "insight.h"
#include "genl_inject.h"
#include "genl_policy.h"

static u32 insight_attr_u32(struct nlattr **tb, int type, u32 def)
{
	return tb[type] ? nla_get_u32(tb[type]) : def;
}

/* The spec an INJECT_ADD nest @tb gives, or -EINVAL (@extack says why). */
static int insight_inject_spec(struct nlattr **tb, struct insight_inject_spec *sp,
			       struct netlink_ext_ack *extack)
{
	bool lib = tb[INSIGHT_INJECT_LIB_FD] || tb[INSIGHT_INJECT_LIB_OFFSET];

	memset(sp, 0, sizeof(*sp));
	sp->action = insight_attr_u32(tb, INSIGHT_INJECT_ACTION, INSIGHT_INJECT_NONE);
	sp->err = insight_attr_u32(tb, INSIGHT_INJECT_ERR, 0);
	sp->delay_ms = insight_attr_u32(tb, INSIGHT_INJECT_DELAY_MS, 0);
	sp->fd_kinds = insight_attr_u32(tb, INSIGHT_INJECT_FD_KINDS, 0);
	sp->port = insight_attr_u32(tb, INSIGHT_INJECT_PORT, 0);
	sp->nth = insight_attr_u32(tb, INSIGHT_INJECT_NTH, 0);
	sp->prob_ppm = insight_attr_u32(tb, INSIGHT_INJECT_PROB_PPM, 0);
	if (tb[INSIGHT_INJECT_PATH])
		nla_strscpy(sp->path, tb[INSIGHT_INJECT_PATH], sizeof(sp->path));
	if (!tb[INSIGHT_INJECT_CGROUP_FD] == !tb[INSIGHT_INJECT_PID]) {
		NL_SET_ERR_MSG_MOD(extack, "one of CGROUP_FD and PID names the component");
		return -EINVAL;
	}
	if (lib) {
		sp->nr = INSIGHT_INJECT_NR_LIBRARY;
		sp->offset = tb[INSIGHT_INJECT_LIB_OFFSET] ?
			     nla_get_u64(tb[INSIGHT_INJECT_LIB_OFFSET]) : 0;
		sp->retval = tb[INSIGHT_INJECT_RETVAL] ?
			     nla_get_u64(tb[INSIGHT_INJECT_RETVAL]) : 0;
		if (!tb[INSIGHT_INJECT_LIB_FD] || !tb[INSIGHT_INJECT_LIB_OFFSET] ||
		    tb[INSIGHT_INJECT_SYSCALL] || sp->action != INSIGHT_INJECT_RETURN ||
		    sp->fd_kinds || sp->port || sp->path[0]) {
			NL_SET_ERR_MSG_MOD(extack, "a library function: LIB_FD, LIB_OFFSET, action RETURN, no syscall filter");
			return -EINVAL;
		}
		return 0;
	}
	if (!tb[INSIGHT_INJECT_SYSCALL] ||
	    (sp->action == INSIGHT_INJECT_ERRNO) != !!sp->err ||
	    (sp->action == INSIGHT_INJECT_DELAY) != !!sp->delay_ms ||
	    sp->action == INSIGHT_INJECT_RETURN || sp->action == INSIGHT_INJECT_NONE) {
		NL_SET_ERR_MSG_MOD(extack, "a syscall: SYSCALL, action ERRNO with ERR, DELAY with DELAY_MS, or KILL");
		return -EINVAL;
	}
	sp->nr = nla_get_u32(tb[INSIGHT_INJECT_SYSCALL]);
	return 0;
}

int insight_cmd_inject_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[INSIGHT_INJECT_MAX + 1];
	struct insight_inject_spec *sp;
	struct sk_buff *msg;
	void *hdr;
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_INJECT))
		return -EINVAL;
	err = nla_parse_nested(tb, INSIGHT_INJECT_MAX, info->attrs[INSIGHT_ATTR_INJECT],
			       insight_inject_nl_policy, info->extack);
	if (err)
		return err;
	sp = kmalloc(sizeof(*sp), GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	err = insight_inject_spec(tb, sp, info->extack);
	if (!err)
		err = insight_inject_add(genl_info_net(info), info->snd_portid, sp,
					 tb[INSIGHT_INJECT_CGROUP_FD] ?
					 nla_get_u32(tb[INSIGHT_INJECT_CGROUP_FD]) : -1,
					 insight_attr_u32(tb, INSIGHT_INJECT_PID, 0),
					 tb[INSIGHT_INJECT_LIB_FD] ?
					 nla_get_u32(tb[INSIGHT_INJECT_LIB_FD]) : -1, &id);
	kfree(sp);
	if (err)
		return err;
	msg = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		goto undo;
	hdr = genlmsg_put_reply(msg, info, &insight_family, 0, INSIGHT_CMD_INJECT_ADD);
	if (!hdr || nla_put_u32(msg, INSIGHT_ATTR_INJECT_ID, id)) {
		nlmsg_free(msg);
		goto undo;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
undo:
	insight_inject_del(genl_info_net(info), info->snd_portid, id);
	return -ENOMEM;
}

int insight_cmd_inject_del(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, INSIGHT_ATTR_INJECT_ID))
		return -EINVAL;
	return insight_inject_del(genl_info_net(info), info->snd_portid,
				  nla_get_u32(info->attrs[INSIGHT_ATTR_INJECT_ID]));
}

/* One injection of an INJECT_GET reply. */
static int insight_put_inject(struct sk_buff *msg, const struct insight_inject_info *in)
{
	struct nlattr *nest = nla_nest_start(msg, INSIGHT_ATTR_INJECT);

	if (!nest || nla_put_u32(msg, INSIGHT_INJECT_ID, in->id) ||
	    nla_put_u32(msg, INSIGHT_INJECT_SYSCALL, in->nr) ||
	    nla_put_u32(msg, INSIGHT_INJECT_ACTION, in->action) ||
	    nla_put_u64_64bit(msg, INSIGHT_INJECT_MATCHED, in->matched,
			      INSIGHT_INJECT_UNSPEC) ||
	    nla_put_u64_64bit(msg, INSIGHT_INJECT_INJECTED, in->injected,
			      INSIGHT_INJECT_UNSPEC))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int insight_cmd_inject_get(struct sk_buff *skb, struct genl_info *info)
{
	struct insight_inject_info *list;
	struct nlattr *nest;
	struct sk_buff *msg;
	unsigned int n, i;
	void *hdr;
	int err = -ENOMEM;

	list = kcalloc(INSIGHT_INJECTS_PER_OWNER, sizeof(*list), GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	n = insight_inject_list(genl_info_net(info), info->snd_portid, list,
				INSIGHT_INJECTS_PER_OWNER);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &insight_family, 0, INSIGHT_CMD_INJECT_GET);
	nest = hdr ? nla_nest_start(msg, INSIGHT_ATTR_INJECTS) : NULL;
	err = nest ? 0 : -EMSGSIZE;
	for (i = 0; i < n && !err; i++)
		err = insight_put_inject(msg, &list[i]);
	if (err) {
		nlmsg_free(msg);
		goto out;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out:
	kfree(list);
	return err;
}
