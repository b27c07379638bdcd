/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow's network gateway (user/shadow/gateway.c): a process of its
 * own, in a network namespace of its own (netns.h), on the other end of
 * the shadow's NICs.  It logs every byte the shadow sends (netlog.h) and
 * applies each peer's policy (peers.h): connections are terminated there,
 * and only a `forward` peer's reach the real peer, from the host.
 * It ends by itself when the shadow qemu closes its taps.
 */
#ifndef INSIGHT_GATEWAY_H
#define INSIGHT_GATEWAY_H

#include <stddef.h>
#include <sys/types.h>

#include "netns.h"
#include "peers.h"

struct gateway {
	char log[4096];			/* the log file */
	struct user_net nets[NETNS_MAX_NETS];
	int nnets;
	struct peers peers;
	pid_t pid;			/* the gateway process */
	int taps[NETNS_MAX_NETS];	/* for the shadow qemu, inheritable */
};

/* Start gateway @g: 0, or -1 with @why (nothing left). */
int gateway_start(struct gateway *g, char *why, size_t whylen);

/* Close the taps' fds (the shadow qemu has its own). */
void gateway_close_taps(struct gateway *g);

/* Stop the gateway process @pid, if it is one (its command line says so). */
void gateway_stop(pid_t pid);

#endif /* INSIGHT_GATEWAY_H */
