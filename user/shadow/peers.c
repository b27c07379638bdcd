// SPDX-License-Identifier: GPL-2.0
/* The shadow's peers and their policies (peers.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"

#define NR_CONNECT 42
#define NR_GETSOCKOPT 55

static const char *const names[] = {
	[POLICY_REPLAY] = "replay", [POLICY_FORWARD] = "forward", [POLICY_DROP] = "drop",
};

const char *peer_policy_name(enum peer_policy p)
{
	return names[p];
}

static struct peer *slot(struct peers *ps, struct in_addr addr, int port)
{
	int i;

	for (i = 0; i < ps->n; i++)
		if (ps->p[i].addr.s_addr == addr.s_addr && ps->p[i].port == port)
			return &ps->p[i];
	if (ps->n == PEERS_MAX)
		return NULL;
	memset(&ps->p[ps->n], 0, sizeof(ps->p[0]));
	ps->p[ps->n].addr = addr;
	ps->p[ps->n].port = port;
	return &ps->p[ps->n++];
}

/* "ADDR:PORT" into @addr, @port: 0 or -1. */
static int endpoint(const char *s, struct in_addr *addr, int *port)
{
	char host[INET_ADDRSTRLEN], *end;
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	long p;

	if (!colon || !n || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, addr) != 1)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p < 1 || p > 65535)
		return -1;
	*port = p;
	return 0;
}

int peers_parse(struct peers *ps, const char *spec, char *why, size_t whylen)
{
	const char *eq = strrchr(spec, '=');
	char where[64];
	struct in_addr addr;
	struct peer *p;
	int port, i;

	if (!eq || (size_t)(eq - spec) >= sizeof(where)) {
		snprintf(why, whylen, "--peer takes ADDR:PORT=replay|forward|drop, not '%s'", spec);
		return -1;
	}
	memcpy(where, spec, eq - spec);
	where[eq - spec] = '\0';
	if (endpoint(where, &addr, &port)) {
		snprintf(why, whylen, "--peer: '%s' is not an IPv4 ADDR:PORT", where);
		return -1;
	}
	for (i = 0; i <= POLICY_DROP && strcmp(eq + 1, names[i]); i++)
		;
	if (i > POLICY_DROP) {
		snprintf(why, whylen, "--peer: '%s' is not a policy (replay, forward, drop)", eq + 1);
		return -1;
	}
	p = slot(ps, addr, port);
	if (!p) {
		snprintf(why, whylen, "--peer: more than %d peers", PEERS_MAX);
		return -1;
	}
	p->policy = i;
	return 0;
}

/*
 * Did the connect of item @c fail?  By its result, or, while it was in
 * progress, by a later SO_ERROR or a later connect on the same socket
 * (haproxy asks again: -ECONNREFUSED, or -EISCONN once connected).
 */
static bool connect_failed(const struct insight_record *r, size_t c)
{
	const struct insight_record_item *it = &r->env[c];
	size_t i;
	int v;

	if (it->ret < 0 && it->ret != -EINPROGRESS && it->ret != -EALREADY)
		return it->ret != -EISCONN;
	for (i = c + 1; it->ret < 0 && i < r->nenv; i++) {
		const struct insight_record_item *e = &r->env[i];

		if (e->fd != it->fd)
			continue;
		if (e->nr == NR_CONNECT)
			return connect_failed(r, i);
		if (e->nr == NR_GETSOCKOPT && e->len == sizeof(v)) {
			memcpy(&v, e->data, sizeof(v));
			if (v)
				return true;
		}
	}
	return false;
}

void peers_from_record(struct peers *ps, const struct insight_record *r)
{
	size_t i;

	for (i = 0; i < r->nenv; i++) {
		const struct insight_record_item *it = &r->env[i];
		const struct peer *known;
		struct in_addr addr;
		struct peer *p;
		int port;

		if (it->nr != NR_CONNECT || endpoint(it->peer, &addr, &port))
			continue;
		known = peers_find(ps, addr, port);
		if (known && known->policy != POLICY_REPLAY)
			continue;
		p = slot(ps, addr, port);
		if (p && !connect_failed(r, i))
			p->answered = true;
	}
}

const struct peer *peers_find(const struct peers *ps, struct in_addr addr, int port)
{
	int i;

	for (i = 0; i < ps->n; i++)
		if (ps->p[i].addr.s_addr == addr.s_addr && ps->p[i].port == port)
			return &ps->p[i];
	return NULL;
}

bool peers_accept(const struct peers *ps, struct in_addr addr, int port)
{
	const struct peer *p = peers_find(ps, addr, port);

	return p && (p->policy != POLICY_REPLAY || p->answered);
}

int peers_ports(const struct peers *ps, int *ports, int max)
{
	int i, j, n = 0;

	for (i = 0; i < ps->n && n < max; i++) {
		if (!peers_accept(ps, ps->p[i].addr, ps->p[i].port))
			continue;
		for (j = 0; j < n && ports[j] != ps->p[i].port; j++)
			;
		if (j == n)
			ports[n++] = ps->p[i].port;
	}
	return n;
}
