// SPDX-License-Identifier: GPL-2.0
/* The gateway's UDP for forward peers (udpfwd.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "udpfwd.h"

#define FLOW_IDLE_S 30
#define DGRAM_MAX 65536

static int udp_socket(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return -1;
	/* the destination of each datagram: the peer the shadow asked */
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

int udpfwd_open(struct udpfwd *u, const struct peers *ps, udpfwd_up_fn up, void *arg)
{
	int i, j;

	memset(u, 0, sizeof(*u));
	u->peers = ps;
	u->up = up;
	u->arg = arg;
	for (i = 0; i < ps->n; i++) {
		if (ps->p[i].policy != POLICY_FORWARD)
			continue;
		for (j = 0; j < i && (ps->p[j].port != ps->p[i].port ||
				      ps->p[j].policy != POLICY_FORWARD); j++)
			;
		if (j < i || u->nsocks == UDPFWD_PORTS)
			continue;
		u->socks[u->nsocks] = udp_socket(ps->p[i].port);
		if (u->socks[u->nsocks] < 0)
			return -1;
		u->nsocks++;
	}
	return 0;
}

int udpfwd_poll_fds(const struct udpfwd *u, struct pollfd *pfd)
{
	int i, n = 0;

	for (i = 0; i < u->nsocks; i++)
		pfd[n++] = (struct pollfd){ .fd = u->socks[i], .events = POLLIN };
	for (i = 0; i < u->nflows; i++)
		pfd[n++] = (struct pollfd){ .fd = u->flows[i].up, .events = POLLIN };
	return n;
}

static void flow_close(struct udpfwd *u, int i)
{
	close(u->flows[i].up);
	u->flows[i] = u->flows[--u->nflows];
}

/* The flow of @from to @dst on socket @lis, made if need be: it, or NULL. */
static struct udp_flow *flow_of(struct udpfwd *u, int lis, const struct sockaddr_in *from,
				const struct sockaddr_in *dst)
{
	time_t now = time(NULL);
	struct udp_flow *f;
	int i;

	for (i = u->nflows - 1; i >= 0; i--) {
		f = &u->flows[i];
		if (f->shadow.sin_addr.s_addr == from->sin_addr.s_addr &&
		    f->shadow.sin_port == from->sin_port &&
		    f->dst.sin_addr.s_addr == dst->sin_addr.s_addr && f->dst.sin_port == dst->sin_port) {
			f->last = now;
			return f;
		}
		if (now - f->last > FLOW_IDLE_S)
			flow_close(u, i);
	}
	if (u->nflows == UDPFWD_FLOWS)
		return NULL;
	f = &u->flows[u->nflows];
	f->up = u->up(u->arg, *dst);
	if (f->up < 0)
		return NULL;
	f->shadow = *from;
	f->dst = *dst;
	f->lis = lis;
	f->last = now;
	u->nflows++;
	return f;
}

/* A datagram from the shadow on @lis: to the real peer, if it is a forward one. */
static void from_shadow(struct udpfwd *u, int lis)
{
	static char buf[DGRAM_MAX];
	char ctl[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct sockaddr_in from, dst = { .sin_family = AF_INET };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	const struct peer *p;
	struct udp_flow *f;
	struct cmsghdr *cm;
	socklen_t len = sizeof(dst);
	ssize_t n = recvmsg(lis, &mh, 0);

	if (n < 0 || getsockname(lis, (struct sockaddr *)&dst, &len))
		return;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
			dst.sin_addr = ((struct in_pktinfo *)CMSG_DATA(cm))->ipi_addr;
	p = peers_find(u->peers, dst.sin_addr, ntohs(dst.sin_port));
	if (!p || p->policy != POLICY_FORWARD)
		return;		/* dropped: logged as sent, never sent on */
	f = flow_of(u, lis, &from, &dst);
	if (f && send(f->up, buf, n, MSG_DONTWAIT) < 0)
		return;
}

/* The real peer's answer on flow @f: to the shadow, from the peer's address. */
static void to_shadow(struct udp_flow *f)
{
	static char buf[DGRAM_MAX];
	char ctl[CMSG_SPACE(sizeof(struct in_pktinfo))] = { 0 };
	struct iovec iov = { .iov_base = buf };
	struct msghdr mh = { .msg_name = &f->shadow, .msg_namelen = sizeof(f->shadow),
			     .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	struct in_pktinfo pi = { .ipi_spec_dst = f->dst.sin_addr };
	ssize_t n = recv(f->up, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return;
	iov.iov_len = n;
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	sendmsg(f->lis, &mh, MSG_DONTWAIT);
}

void udpfwd_ready(struct udpfwd *u, const struct pollfd *pfd)
{
	int i, nflows = u->nflows;

	for (i = 0; i < u->nsocks; i++)
		if (pfd[i].revents)
			from_shadow(u, u->socks[i]);
	/* the flows polled, not those made just now */
	for (i = 0; i < nflows && i < u->nflows; i++)
		if (pfd[u->nsocks + i].revents && pfd[u->nsocks + i].fd == u->flows[i].up)
			to_shadow(&u->flows[i]);
}
