/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow's peers and the policy for each (user/shadow/peers.c): what
 * happens to a connection the shadow opens to a peer, and to the bytes it
 * sends there.
 *   replay   (default) nothing reaches the peer; it answers as it did in
 *            the failure record: refused if the record's connect to it
 *            failed or it is not in the record, accepted otherwise
 *   forward  the connection is made to the real peer, both ways, and
 *            datagrams go to it and back (for peers the user declares
 *            read-only)
 *   drop     accepted, what the shadow sends is dropped, nothing answers
 */
#ifndef INSIGHT_PEERS_H
#define INSIGHT_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#include "../record.h"

enum peer_policy { POLICY_REPLAY, POLICY_FORWARD, POLICY_DROP };

struct peer {
	struct in_addr addr;
	int port;
	enum peer_policy policy;
	bool answered;		/* replay: the record's connect succeeded */
};

#define PEERS_MAX 64

struct peers {
	struct peer p[PEERS_MAX];
	int n;
};

const char *peer_policy_name(enum peer_policy p);

/*
 * Add "ADDR:PORT=POLICY" (ADDR an IPv4 address) to @ps: 0, or -1 with
 * the reason in @why.
 */
int peers_parse(struct peers *ps, const char *spec, char *why, size_t whylen);

/*
 * Add the peers record @r connected to, as replay peers, answered when
 * the connect succeeded (a peer declared already keeps its policy).
 */
void peers_from_record(struct peers *ps, const struct insight_record *r);

/* The peer @addr:@port, or NULL. */
const struct peer *peers_find(const struct peers *ps, struct in_addr addr, int port);

/* Does a connection to @addr:@port get accepted (and not refused)? */
bool peers_accept(const struct peers *ps, struct in_addr addr, int port);

/* The ports some peer is accepted on, each once, into @ports: how many (at most @max). */
int peers_ports(const struct peers *ps, int *ports, int max);

#endif /* INSIGHT_PEERS_H */
