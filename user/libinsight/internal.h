/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libinsight's insides, shared by its files (user/libinsight/): the
 * handle and the helpers every request uses.
 *
 *   nl.c        the sockets, requests and their replies, dumps
 *   commands.c  one function a command
 *   dumps.c     the GET dumps: path logs, probes, outputs
 *   events.c    the events group, filtered to this socket's session
 *   inject.c    fault injection into components
 */
#ifndef INSIGHT_LIBINSIGHT_INTERNAL_H
#define INSIGHT_LIBINSIGHT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "libinsight.h"

struct insight_nl {
	struct nl_sock *sk;	/* requests and their replies */
	struct nl_sock *ev_sk;	/* the events group, once joined */
	int family;
	uint32_t session;	/* this socket's session id, 0: none */
	char errmsg[128];
};

/* A request with room for @payload bytes of attributes (0: one page). */
struct nl_msg *insight_msg_alloc(struct insight_nl *h, uint8_t cmd, size_t payload);
/* A u32 attribute of a reply into *v: 0, or -EBADMSG when it is missing or of another size. */
int insight_get_u32(struct nlattr **tb, int attr, uint32_t *v);

#endif /* INSIGHT_LIBINSIGHT_INTERNAL_H */
