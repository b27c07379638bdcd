// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow's network gateway (gateway.h).  Its process holds, in its
 * network namespace, a packet socket per tap (every frame the shadow
 * sends is logged), a listener per port that some peer's policy accepts
 * on, and the connections accepted: a `forward` one relayed to the real
 * peer through a socket made in the host's namespace, the others read and
 * dropped.  A connection to a peer whose policy refuses it is reset; to a
 * port nobody listens on, the kernel refuses it.  Datagrams to forward
 * peers: udpfwd.h.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "gateway.h"
#include "netlog.h"
#include "stop.h"
#include "udpfwd.h"

#define GATEWAY_NAME "insight-gateway"
#define MAX_LISTEN 32
#define MAX_CONN 128
#define FRAME_MAX 65536
#define FORWARD_CONNECT_S 3

struct conn {
	int fd, up;		/* the shadow's end; the real peer's, or -1 */
};

struct gw {
	const struct gateway *g;
	FILE *log;
	int hostns, ownns;
	int pkt[NETNS_MAX_NETS], ifindex[NETNS_MAX_NETS];
	int lis[MAX_LISTEN], nlis;
	struct conn conns[MAX_CONN];
	int nconns;
	struct udpfwd udp;
	struct in_addr resolver;	/* the host's, for the networks' DNS address */
	struct timespec t0;
};

static double since(const struct gw *w)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - w->t0.tv_sec) + (t.tv_nsec - w->t0.tv_nsec) / 1e9;
}

/* Close every inherited fd but 0-2 and @keep (production's QMP among them). */
static void close_others(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd, dfd = d ? dirfd(d) : -1;

	while (d && (e = readdir(d))) {
		fd = atoi(e->d_name);
		if (fd > 2 && fd != keep && fd != dfd)
			close(fd);
	}
	if (d)
		closedir(d);
	fd = open("/dev/null", O_RDWR);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static int packet_socket(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex,
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int listener(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A listener per port some peer is accepted on: 0, or -1. */
static int listen_all(struct gw *w)
{
	int ports[MAX_LISTEN], i, n = peers_ports(&w->g->peers, ports, MAX_LISTEN);

	for (i = 0; i < n; i++) {
		w->lis[i] = listener(ports[i]);
		if (w->lis[i] < 0)
			return -1;
		w->nlis++;
	}
	return 0;
}

/* Reset connection @fd: the peer refuses it. */
static void reset(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/*
 * A socket of @type to the real peer of @dst, made in the host's
 * namespace and connected: the user network's host address is the host's
 * loopback and its DNS address the host's resolver, as in qemu's own user
 * network.  Its fd, or -1.
 */
static int upstream(struct gw *w, struct sockaddr_in dst, int type)
{
	struct timeval tmo = { .tv_sec = FORWARD_CONNECT_S };
	int i, fd;

	for (i = 0; i < w->g->nnets; i++) {
		if (dst.sin_addr.s_addr == w->g->nets[i].host.s_addr)
			dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else if (dst.sin_addr.s_addr == w->g->nets[i].dns.s_addr)
			dst.sin_addr = w->resolver;
	}
	if (setns(w->hostns, CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (setns(w->ownns, CLONE_NEWNET)) {
		/* never left in the host's namespace */
		_exit(1);
	}
	/* bounded: the gateway logs nothing while it waits */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int udp_up(void *arg, struct sockaddr_in dst)
{
	return upstream(arg, dst, SOCK_DGRAM);
}

/* The host's first IPv4 resolver (/etc/resolv.conf), or its loopback. */
static struct in_addr host_resolver(void)
{
	struct in_addr a = { htonl(INADDR_LOOPBACK) }, n;
	char line[256], addr[64];
	FILE *f = fopen("/etc/resolv.conf", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, &n) == 1) {
			a = n;
			break;
		}
	if (f)
		fclose(f);
	return a;
}

static void accept_one(struct gw *w, int lis)
{
	struct sockaddr_in dst;
	socklen_t len = sizeof(dst);
	const struct peer *p;
	int fd = accept4(lis, NULL, NULL, SOCK_CLOEXEC), up = -1;

	if (fd < 0)
		return;
	if (getsockname(fd, (struct sockaddr *)&dst, &len) || w->nconns == MAX_CONN ||
	    !peers_accept(&w->g->peers, dst.sin_addr, ntohs(dst.sin_port))) {
		reset(fd);
		return;
	}
	p = peers_find(&w->g->peers, dst.sin_addr, ntohs(dst.sin_port));
	if (p->policy == POLICY_FORWARD) {
		up = upstream(w, dst, SOCK_STREAM);
		if (up < 0) {
			reset(fd);
			return;
		}
	}
	w->conns[w->nconns].fd = fd;
	w->conns[w->nconns].up = up;
	w->nconns++;
}

static void conn_close(struct gw *w, int i)
{
	close(w->conns[i].fd);
	if (w->conns[i].up >= 0)
		close(w->conns[i].up);
	w->conns[i] = w->conns[--w->nconns];
}

/* Move what @from has to @to (-1: dropped): false at its end. */
static bool pump(int from, int to)
{
	static char buf[FRAME_MAX];
	ssize_t n = read(from, buf, sizeof(buf)), off;

	if (n <= 0)
		return false;
	for (off = 0; to >= 0 && off < n;) {
		ssize_t m = write(to, buf + off, n - off);

		if (m <= 0)
			return false;
		off += m;
	}
	return true;
}

static void frame_in(struct gw *w, int fd)
{
	static unsigned char f[FRAME_MAX];
	struct sockaddr_ll from;
	socklen_t len = sizeof(from);
	ssize_t n = recvfrom(fd, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&from, &len);

	/* what the shadow sent; the gateway's own frames are PACKET_OUTGOING */
	if (n > 0 && from.sll_pkttype != PACKET_OUTGOING)
		netlog_frame(w->log, &w->g->peers, f, n, since(w));
}

/* Are the taps gone (the shadow qemu closed them)? */
static bool taps_gone(const struct gw *w)
{
	char name[IF_NAMESIZE];
	int i;

	for (i = 0; i < w->g->nnets; i++)
		if (if_indextoname(w->ifindex[i], name))
			return false;
	return true;
}

static void serve(struct gw *w)
{
	struct pollfd pfd[NETNS_MAX_NETS + MAX_LISTEN + 2 * MAX_CONN + UDPFWD_PORTS + UDPFWD_FLOWS];
	int i, n, nn = w->g->nnets, nlis = w->nlis, nconns;

	while (!taps_gone(w)) {
		n = 0;
		for (i = 0; i < nn; i++)
			pfd[n++] = (struct pollfd){ .fd = w->pkt[i], .events = POLLIN };
		for (i = 0; i < nlis; i++)
			pfd[n++] = (struct pollfd){ .fd = w->lis[i], .events = POLLIN };
		nconns = w->nconns;
		for (i = 0; i < nconns; i++) {
			pfd[n++] = (struct pollfd){ .fd = w->conns[i].fd, .events = POLLIN };
			pfd[n++] = (struct pollfd){ .fd = w->conns[i].up, .events = POLLIN };
		}
		n += udpfwd_poll_fds(&w->udp, pfd + n);
		if (poll(pfd, n, 1000) <= 0)
			continue;
		for (i = 0; i < nn; i++)
			if (pfd[i].revents)
				frame_in(w, w->pkt[i]);
		udpfwd_ready(&w->udp, pfd + nn + nlis + 2 * nconns);
		/* backwards: a closed connection's slot takes the last one's */
		for (i = nconns - 1; i >= 0; i--) {
			struct pollfd *p = &pfd[nn + nlis + 2 * i];
			struct conn *c = &w->conns[i];

			if ((p[0].revents && !pump(c->fd, c->up)) ||
			    (p[1].revents && !pump(c->up, c->fd)))
				conn_close(w, i);
		}
		/* accepted last: the connections above are those polled */
		for (i = 0; i < nlis; i++)
			if (pfd[nn + i].revents)
				accept_one(w, w->lis[i]);
	}
}

/* To the parent on @ctl: the taps, or (@why not empty) the reason: 0 or -1. */
static int send_taps(int ctl, const char *why, const int *taps, int n)
{
	union {
		char buf[CMSG_SPACE(NETNS_MAX_NETS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)(why[0] ? why : "ok") };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	iov.iov_len = strlen(iov.iov_base) + 1;
	if (!why[0]) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), taps, n * sizeof(int));
	}
	return sendmsg(ctl, &mh, 0) < 0 ? -1 : 0;
}

/* The gateway process, after the fork: its exit status. */
static int gateway_main(const struct gateway *g, int ctl)
{
	struct gw w = { .g = g, .hostns = -1, .ownns = -1 };
	struct in_addr addrs[PEERS_MAX];
	int taps[NETNS_MAX_NETS], i;
	char why[256] = "";

	prctl(PR_SET_NAME, GATEWAY_NAME);
	setsid();
	signal(SIGPIPE, SIG_IGN);
	close_others(ctl);
	clock_gettime(CLOCK_MONOTONIC, &w.t0);
	w.resolver = host_resolver();
	for (i = 0; i < g->peers.n; i++)
		addrs[i] = g->peers.p[i].addr;
	w.log = fopen(g->log, "we");
	w.hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!w.log || w.hostns < 0)
		snprintf(why, sizeof(why), "cannot open %s: %s",
			 w.log ? "/proc/self/ns/net" : "the network log", strerror(errno));
	else if (!netns_enter(g->nets, g->nnets, addrs, g->peers.n, taps, w.ifindex, why,
			      sizeof(why)))
		w.ownns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (i = 0; !why[0] && i < g->nnets; i++) {
		w.pkt[i] = packet_socket(w.ifindex[i]);
		if (w.pkt[i] < 0)
			snprintf(why, sizeof(why), "cannot watch the tap: %s", strerror(errno));
	}
	if (!why[0] && (w.ownns < 0 || listen_all(&w) || udpfwd_open(&w.udp, &g->peers, udp_up, &w)))
		snprintf(why, sizeof(why), "cannot listen for the shadow's peers: %s",
			 strerror(errno));
	if (send_taps(ctl, why, taps, g->nnets) || why[0])
		return 1;
	close(ctl);
	for (i = 0; i < g->nnets; i++)
		close(taps[i]);
	setvbuf(w.log, NULL, _IOLBF, 0);
	serve(&w);
	return 0;
}

/* The gateway's answer on @ctl: the taps into @g, or -1 with @why. */
static int receive_taps(struct gateway *g, int ctl, char *why, size_t whylen)
{
	char text[256] = "";
	union {
		char buf[CMSG_SPACE(sizeof(g->taps))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = text, .iov_len = sizeof(text) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(ctl, &mh, 0);

	cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (cm && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(g->nnets * sizeof(int)) && !strcmp(text, "ok")) {
		memcpy(g->taps, CMSG_DATA(cm), g->nnets * sizeof(int));
		return 0;
	}
	snprintf(why, whylen, "the network gateway: %s", text[0] ? text : "it exited at start");
	return -1;
}

int gateway_start(struct gateway *g, char *why, size_t whylen)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(why, whylen, "socketpair: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	g->pid = fork();
	if (g->pid < 0) {
		snprintf(why, whylen, "cannot start the network gateway: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (!g->pid)
		_exit(gateway_main(g, sv[1]));
	close(sv[1]);
	if (receive_taps(g, sv[0], why, whylen)) {
		close(sv[0]);
		gateway_stop(g->pid);
		g->pid = 0;
		return -1;
	}
	close(sv[0]);
	return 0;
}

void gateway_close_taps(struct gateway *g)
{
	int i;

	for (i = 0; i < g->nnets; i++)
		if (g->taps[i] >= 0) {
			close(g->taps[i]);
			g->taps[i] = -1;
		}
}

void gateway_stop(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	if (!f)
		return;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	if (!strncmp(comm, GATEWAY_NAME, strlen(GATEWAY_NAME)))
		stop_process(pid, 1000);
}
