// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway's log of the shadow's frames (netlog.h).  A frame is the
 * shadow's, so hostile: every length is checked against the frame's.
 */
#include <arpa/inet.h>
#include <stdint.h>
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
