/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gateway's UDP for `forward` peers (user/shadow/udpfwd.c): a socket
 * in the gateway's namespace per port a forward peer has, and a flow per
 * shadow's socket and peer, whose datagrams go to the real peer through
 * a socket the gateway made on the host; the answers come back from the
 * peer's address.  A datagram to a peer of another policy is dropped
 * (and, like every one, logged by the gateway).
 */
#ifndef INSIGHT_UDPFWD_H
#define INSIGHT_UDPFWD_H

#include <poll.h>
#include <time.h>
#include <netinet/in.h>

#include "peers.h"

#define UDPFWD_PORTS 16
#define UDPFWD_FLOWS 64

struct udp_flow {
	struct sockaddr_in shadow, dst;	/* the shadow's socket, the peer it asked */
	int lis;			/* the namespace's socket it came on */
	int up;				/* to the real peer */
	time_t last;
};

/* A connected UDP socket to the real peer of @dst, on the host: fd or -1. */
typedef int (*udpfwd_up_fn)(void *arg, struct sockaddr_in dst);

struct udpfwd {
	int socks[UDPFWD_PORTS], nsocks;
	struct udp_flow flows[UDPFWD_FLOWS];
	int nflows;
	const struct peers *peers;
	udpfwd_up_fn up;
	void *arg;
};

/* Open a socket per forward peer's port: 0, or -1 with errno. */
int udpfwd_open(struct udpfwd *u, const struct peers *ps, udpfwd_up_fn up, void *arg);

/* Its fds into @pfd (room for UDPFWD_PORTS + UDPFWD_FLOWS): how many. */
int udpfwd_poll_fds(const struct udpfwd *u, struct pollfd *pfd);

/* Serve what @pfd (as udpfwd_poll_fds filled it) says is ready. */
void udpfwd_ready(struct udpfwd *u, const struct pollfd *pfd);

#endif /* INSIGHT_UDPFWD_H */
