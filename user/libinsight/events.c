// SPDX-License-Identifier: GPL-2.0
/*
 * libinsight: the events group, on a socket of its own, and only this
 * socket's session's events out of it.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

/* receive buffer asked for the events socket (the kernel may cap it) */
#define EVENT_RCVBUF (8 << 20)

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
