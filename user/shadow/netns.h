/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gateway's network namespace (user/shadow/netns.c): a namespace of
 * its own where each of the shadow's user networks is a tap that stands
 * for the network's host, with the MAC qemu's user network gives it, so
 * the shadow's ARP cache stays right; every address outside the networks,
 * and the networks' host and DNS addresses, are local there, so the
 * kernel's TCP terminates every connection the shadow opens and nothing
 * is routed on.
 */
#ifndef INSIGHT_NETNS_H
#define INSIGHT_NETNS_H

#include <stddef.h>
#include <netinet/in.h>

/* A user network of production's qemu, as its options describe it. */
struct user_net {
	struct in_addr net, host, dns;
	int prefix;
};

#define NETNS_MAX_NETS 4

/*
 * Move the calling process into a new network namespace and set up
 * @n taps there for @nets, with the @npeers addresses @peers local too:
 * the taps' fds into @taps (close-on-exec), their interface indexes into
 * @ifindex: 0, or -1 with @why.
 */
int netns_enter(const struct user_net *nets, int n, const struct in_addr *peers, int npeers,
		int *taps, int *ifindex, char *why, size_t whylen);

#endif /* INSIGHT_NETNS_H */
