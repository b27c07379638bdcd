/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gateway's log of what the shadow sent (user/shadow/netlog.c): one
 * line per IPv4 TCP segment with data or SYN, per UDP datagram and per
 * ICMP message the shadow put on its network, with the policy of the peer
 * it was for and every byte of its payload in hex:
 *   SECONDS PROTO SRC:PORT > DST:PORT POLICY [syn] [fin] [rst] LEN HEX
 * (TCP lines also say seq=N: a retransmission repeats a line, with its
 * seq).  Other frames (IPv6) are logged as "other", with their bytes.
 */
#ifndef INSIGHT_NETLOG_H
#define INSIGHT_NETLOG_H

#include <stddef.h>
#include <stdio.h>

#include "peers.h"

/* Log frame @f of @len bytes, sent by the shadow @t seconds in. */
void netlog_frame(FILE *log, const struct peers *ps, const unsigned char *f, size_t len,
		  double t);

/* What the log says the shadow sent one peer, under one protocol. */
struct netlog_sum {
	char proto[12];		/* tcp, udp, icmp, ip, fragment */
	char peer[32];		/* ADDR:PORT */
	char policy[12];
	long packets, bytes, syns;
};

#define NETLOG_SUM_MAX 32

/*
 * Sum the log at @path by peer and protocol into @out (at most @max
 * peers; "other" frames left out): how many, or -1 if it cannot be read.
 */
int netlog_summary(const char *path, struct netlog_sum *out, int max);

#endif /* INSIGHT_NETLOG_H */
