// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway's log of the shadow's frames (netlog.h).  A frame is the
 * shadow's, so hostile: every length is checked against the frame's.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include "netlog.h"

static void hex(FILE *log, const unsigned char *p, size_t n)
{
	size_t i;

	fprintf(log, " %zu ", n);
	for (i = 0; i < n; i++)
		fprintf(log, "%02x", p[i]);
	fputc('\n', log);
}

static const char *policy_of(const struct peers *ps, struct in_addr dst, int port)
{
	const struct peer *p = peers_find(ps, dst, port);

	return peer_policy_name(p ? p->policy : POLICY_REPLAY);
}

static void head(FILE *log, double t, const char *proto, const struct ip *ip, int sport,
		 int dport, const struct peers *ps)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ip->ip_src, src, sizeof(src));
	inet_ntop(AF_INET, &ip->ip_dst, dst, sizeof(dst));
	fprintf(log, "%.3f %s %s:%d > %s:%d %s", t, proto, src, sport, dst, dport,
		policy_of(ps, ip->ip_dst, dport));
}

static void tcp(FILE *log, const struct peers *ps, const struct ip *ip, const unsigned char *p,
		size_t n, double t)
{
	struct tcphdr th;
	size_t off;

	if (n < sizeof(th))
		return;
	memcpy(&th, p, sizeof(th));
	off = th.th_off * 4;
	if (off < sizeof(th) || off > n || (n == off && !(th.th_flags & TH_SYN)))
		return;
	head(log, t, "tcp", ip, ntohs(th.th_sport), ntohs(th.th_dport), ps);
	fprintf(log, "%s%s%s seq=%u", th.th_flags & TH_SYN ? " syn" : "",
		th.th_flags & TH_FIN ? " fin" : "", th.th_flags & TH_RST ? " rst" : "",
		(unsigned int)ntohl(th.th_seq));
	hex(log, p + off, n - off);
}

static void udp(FILE *log, const struct peers *ps, const struct ip *ip, const unsigned char *p,
		size_t n, double t)
{
	struct udphdr uh;

	if (n < sizeof(uh))
		return;
	memcpy(&uh, p, sizeof(uh));
	head(log, t, "udp", ip, ntohs(uh.uh_sport), ntohs(uh.uh_dport), ps);
	hex(log, p + sizeof(uh), n - sizeof(uh));
}

void netlog_frame(FILE *log, const struct peers *ps, const unsigned char *f, size_t len,
		  double t)
{
	struct ether_header eh;
	struct ip ip;
	size_t hl, tot;

	if (len < sizeof(eh))
		return;
	memcpy(&eh, f, sizeof(eh));
	if (ntohs(eh.ether_type) == ETHERTYPE_ARP)
		return;		/* the gateway's own business */
	f += sizeof(eh);
	len -= sizeof(eh);
	if (ntohs(eh.ether_type) != ETHERTYPE_IP || len < sizeof(ip)) {
		fprintf(log, "%.3f other type=0x%04x", t, ntohs(eh.ether_type));
		hex(log, f, len);
		return;
	}
	memcpy(&ip, f, sizeof(ip));
	hl = ip.ip_hl * 4;
	tot = ntohs(ip.ip_len);
	if (hl < sizeof(ip) || tot < hl || tot > len)
		return;
	if (ntohs(ip.ip_off) & (IP_OFFMASK | IP_MF)) {
		head(log, t, "fragment", &ip, 0, 0, ps);
		hex(log, f + hl, tot - hl);
	} else if (ip.ip_p == IPPROTO_TCP) {
		tcp(log, ps, &ip, f + hl, tot - hl, t);
	} else if (ip.ip_p == IPPROTO_UDP) {
		udp(log, ps, &ip, f + hl, tot - hl, t);
	} else {
		head(log, t, ip.ip_p == IPPROTO_ICMP ? "icmp" : "ip", &ip, 0, 0, ps);
		hex(log, f + hl, tot - hl);
	}
}

/* The entry of @out for @proto and @peer, added if need be: it, or NULL. */
static struct netlog_sum *sum_of(struct netlog_sum *out, int *n, int max, const char *proto,
				 const char *peer, const char *policy)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(out[i].proto, proto) && !strcmp(out[i].peer, peer))
			return &out[i];
	if (*n == max)
		return NULL;
	memset(&out[*n], 0, sizeof(out[0]));
	snprintf(out[*n].proto, sizeof(out[0].proto), "%s", proto);
	snprintf(out[*n].peer, sizeof(out[0].peer), "%s", peer);
	snprintf(out[*n].policy, sizeof(out[0].policy), "%s", policy);
	return &out[(*n)++];
}

int netlog_summary(const char *path, struct netlog_sum *out, int max)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, proto[12], peer[32], policy[12];
	size_t cap = 0;
	int n = 0, at;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		struct netlog_sum *e;
		char *tok, *save;

		if (sscanf(line, "%*f %11s %*s > %31s %11s %n", proto, peer, policy, &at) != 3 ||
		    !strcmp(proto, "other"))
			continue;
		e = sum_of(out, &n, max, proto, peer, policy);
		if (!e)
			continue;
		e->packets++;
		/* flags, seq=N, then the payload's length */
		for (tok = strtok_r(line + at, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			if (!strcmp(tok, "syn"))
				e->syns++;
			if (tok[0] >= '0' && tok[0] <= '9') {
				e->bytes += strtol(tok, NULL, 10);
				break;
			}
		}
	}
	free(line);
	fclose(f);
	return n;
}
