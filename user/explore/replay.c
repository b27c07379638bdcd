// SPDX-License-Identifier: GPL-2.0
/*
 * The request's way to the target (replay.h), found in /proc: the IPv4
 * TCP socket it listens on, the other processes sharing that socket
 * (prefork servers), and the fd a new connection will get.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/insight.h>

#include "replay.h"

static unsigned long socket_inode(pid_t pid, int fd)
{
	char path[64], link[64];
	unsigned long ino = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	sscanf(link, "socket:[%lu]", &ino);
	return ino;
}

/* Whether @pid has an fd on the socket of inode @ino. */
static bool has_socket(pid_t pid, unsigned long ino)
{
	char path[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.' && socket_inode(pid, atoi(e->d_name)) == ino;
	closedir(d);
	return found;
}

/* The TCP port @pid listens on (IPv4, any address), and that socket's inode. */
static int listen_port(pid_t pid, unsigned long *inode)
{
	char line[512];
	unsigned long ino;
	unsigned int port, st;
	int found = 0;
	FILE *f = fopen("/proc/net/tcp", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x %*s %*s %*s %*d %*d %lu",
			   &port, &st, &ino) != 3 || st != 0x0A)
			continue;
		if (has_socket(pid, ino)) {
			found = port;
			*inode = ino;
		}
	}
	fclose(f);
	return found;
}

/* Other processes sharing the listening socket @ino: stopped while we work. */
static int siblings(pid_t pid, unsigned long ino, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	pid_t p;

	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		p = atoi(e->d_name);
		if (p > 0 && p != pid && p != getpid() && has_socket(p, ino))
			out[n++] = p;
	}
	closedir(d);
	return n;
}

/* Wait (up to 1 s) until @pid is stopped by a signal (or gone). */
static void wait_stopped(pid_t pid)
{
	char path[64], buf[512], *p;
	int i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 100; i++) {
		f = fopen(path, "r");
		if (!f)
			return;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (!p || p[1] != ' ' || p[2] == 'T' || p[2] == 't')
			return;
		usleep(10000);
	}
}

static int lowest_free_fd(pid_t pid)
{
	char path[64];
	int fd;

	for (fd = 0; fd < 65536; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		if (access(path, F_OK))
			return fd;
	}
	return -1;
}

static int connect_to(int port, const void *data, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (void *)&a, sizeof(a))) {
		if (s >= 0)
			close(s);
		return -1;
	}
	/* the bytes make the target's socket readable (epoll); the sandbox serves reads */
	if (len && write(s, data, len) < 0) {
		close(s);
		return -1;
	}
	return s;
}

int replay_prepare(struct replay *rp, pid_t pid, const struct insight_record *rec,
		   int *in_fd, char *why, size_t whylen)
{
	memset(rp, 0, sizeof(*rp));
	rp->pid = pid;
	rp->conn = -1;
	if (rec->in_kind != INSIGHT_FD_SOCKET) {
		*in_fd = rec->in_fd;
	} else {
		rp->port = listen_port(pid, &rp->ino);
		if (!rp->port) {
			snprintf(why, whylen, "process %d listens on no IPv4 TCP socket: cannot "
				 "replay the request's connection", pid);
			return -ENOTSOCK;
		}
		*in_fd = lowest_free_fd(pid);
	}
	if (*in_fd < 0) {
		snprintf(why, whylen, "the record names no input fd");
		return -EBADF;
	}
	return 0;
}

int replay_send(struct replay *rp, const struct insight_record *rec, char *why,
		size_t whylen)
{
	int i;

	if (!rp->port)
		return 0;
	rp->nsib = siblings(rp->pid, rp->ino, rp->sib, REPLAY_MAX_SIBLINGS);
	for (i = 0; i < rp->nsib; i++)
		kill(rp->sib[i], SIGSTOP);
	/* stopped, so out of accept(): the connection can only be the target's */
	for (i = 0; i < rp->nsib; i++)
		wait_stopped(rp->sib[i]);
	rp->conn = connect_to(rp->port, rec->input, rec->input_len);
	if (rp->conn < 0) {
		snprintf(why, whylen, "cannot connect to port %d of process %d: %s", rp->port,
			 rp->pid, strerror(errno));
		return -errno;
	}
	return 0;
}

void replay_end(struct replay *rp)
{
	int i;

	if (rp->conn >= 0)
		close(rp->conn);
	rp->conn = -1;
	for (i = 0; i < rp->nsib; i++)
		kill(rp->sib[i], SIGCONT);
	rp->nsib = 0;
}
