// SPDX-License-Identifier: GPL-2.0
/*
 * libinsight: fault injection into components (INSIGHT_CMD_INJECT_ADD,
 * _DEL, _GET).  The component's cgroup directory and a library
 * function's file are opened here and passed to the module as fds, as
 * ATTACH passes /proc/PID/mem.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "internal.h"

/* The nest of one injection: the component, the spec, the library fd. */
static int put_inject(struct nl_msg *msg, const struct insight_component *c,
		      const struct insight_inject_spec *sp, int cg_fd, int lib_fd)
{
	struct nlattr *nest = nla_nest_start(msg, INSIGHT_ATTR_INJECT);
	int err = !nest;

	if (cg_fd >= 0)
		err |= nla_put_u32(msg, INSIGHT_INJECT_CGROUP_FD, cg_fd);
	else
		err |= nla_put_u32(msg, INSIGHT_INJECT_PID, c->pid);
	if (lib_fd >= 0) {
		err |= nla_put_u32(msg, INSIGHT_INJECT_LIB_FD, lib_fd);
		err |= nla_put_u64(msg, INSIGHT_INJECT_LIB_OFFSET, sp->offset);
		err |= nla_put_u64(msg, INSIGHT_INJECT_RETVAL, sp->retval);
	} else {
		err |= nla_put_u32(msg, INSIGHT_INJECT_SYSCALL, sp->nr);
	}
	err |= nla_put_u32(msg, INSIGHT_INJECT_ACTION, sp->action);
	if (sp->err)
		err |= nla_put_u32(msg, INSIGHT_INJECT_ERR, sp->err);
	if (sp->delay_ms)
		err |= nla_put_u32(msg, INSIGHT_INJECT_DELAY_MS, sp->delay_ms);
	if (sp->fd_kinds)
		err |= nla_put_u32(msg, INSIGHT_INJECT_FD_KINDS, sp->fd_kinds);
	if (sp->port)
		err |= nla_put_u32(msg, INSIGHT_INJECT_PORT, sp->port);
	if (sp->path[0])
		err |= nla_put_string(msg, INSIGHT_INJECT_PATH, sp->path);
	if (sp->nth)
		err |= nla_put_u32(msg, INSIGHT_INJECT_NTH, sp->nth);
	if (sp->prob_ppm)
		err |= nla_put_u32(msg, INSIGHT_INJECT_PROB_PPM, sp->prob_ppm);
	if (err)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int parse_id(struct nlattr **tb, void *arg)
{
	return insight_get_u32(tb, INSIGHT_ATTR_INJECT_ID, arg);
}

int insight_inject_add(struct insight_nl *h, const struct insight_component *c,
		       const struct insight_inject_spec *sp, uint32_t *id)
{
	int cg_fd = -1, lib_fd = -1, err;
	struct nl_msg *msg;

	if (c->cgroup) {
		cg_fd = open(c->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg_fd < 0)
			return -errno;
	}
	if (sp->nr == INSIGHT_INJECT_NR_LIBRARY) {
		lib_fd = sp->lib ? open(sp->lib, O_RDONLY | O_CLOEXEC) : -1;
		if (lib_fd < 0) {
			err = sp->lib ? -errno : -EINVAL;
			goto out;
		}
	}
	msg = insight_msg_new(h, INSIGHT_CMD_INJECT_ADD);
	err = msg ? put_inject(msg, c, sp, cg_fd, lib_fd) : -ENOMEM;
	if (!err)
		err = insight_transact(h, msg, parse_id, id);
	else if (msg)
		nlmsg_free(msg);
out:
	if (cg_fd >= 0)
		close(cg_fd);
	if (lib_fd >= 0)
		close(lib_fd);
	return err;
}

int insight_inject_del(struct insight_nl *h, uint32_t id)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_INJECT_DEL);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, INSIGHT_ATTR_INJECT_ID, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return insight_transact(h, msg, NULL, NULL);
}

struct inject_list {
	struct insight_inject_count *out;
	unsigned int max, n;
};

static int parse_injects(struct nlattr **tb, void *arg)
{
	struct nlattr *one, *a[INSIGHT_INJECT_MAX + 1];
	struct inject_list *l = arg;
	int rem;

	if (!tb[INSIGHT_ATTR_INJECTS])
		return -EBADMSG;
	nla_for_each_nested(one, tb[INSIGHT_ATTR_INJECTS], rem) {
		struct insight_inject_count *o = &l->out[l->n];

		if (l->n == l->max)
			break;
		if (nla_parse_nested(a, INSIGHT_INJECT_MAX, one, NULL) ||
		    !a[INSIGHT_INJECT_MATCHED] || !a[INSIGHT_INJECT_INJECTED] ||
		    insight_get_u32(a, INSIGHT_INJECT_ID, &o->id) ||
		    insight_get_u32(a, INSIGHT_INJECT_SYSCALL, &o->nr) ||
		    insight_get_u32(a, INSIGHT_INJECT_ACTION, &o->action))
			return -EBADMSG;
		o->matched = nla_get_u64(a[INSIGHT_INJECT_MATCHED]);
		o->injected = nla_get_u64(a[INSIGHT_INJECT_INJECTED]);
		l->n++;
	}
	return 0;
}

int insight_inject_get(struct insight_nl *h, struct insight_inject_count *out,
		       unsigned int max, unsigned int *n)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_INJECT_GET);
	struct inject_list l = { .out = out, .max = max };
	int err;

	if (!msg)
		return -ENOMEM;
	err = insight_transact(h, msg, parse_injects, &l);
	*n = l.n;
	return err;
}
