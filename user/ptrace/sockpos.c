// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's own positions of a probe in the stream sockets it
 * shares with the target and the other probes (a peer's connection made
 * before a split), as insight.ko's kmod/sockpos.c: read, readv, preadv2
 * (at -1), recvfrom and recvmsg of such a socket peek (MSG_PEEK, through
 * a copy of the descriptor taken with pidfd_getfd(): the receive queue is
 * left as it was) and the probe gets the bytes past its own position,
 * kept in fpos.c's slots, up to PT_SOCKPOS_MAX bytes from where the
 * socket was first shared.
 *
 * A probe with nothing new to read: the end of the stream (the peer shut
 * down: POLLRDHUP) gives 0; a non-blocking socket or MSG_DONTWAIT
 * -EAGAIN; else it waits: its syscall is made a poll(NULL, 0,
 * PT_SLICE_MS), and the read is made again after it (PT_SOCKPOS_WAIT:
 * sandbox.c), until bytes come or the socket's receive timeout passes
 * (-EAGAIN).  A signal meanwhile is handled and the read made again, as
 * with SA_RESTART.  MSG_WAITALL is not waited for: the bytes there are
 * given.  Datagram and other sockets: PT_SOCKPOS_NO (denied).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "ptrace.h"

#define PT_SOCKPOS_MAX	(1 << 20)	/* as insight.ko's INSIGHT_SOCKPOS_MAX */

/* The user's buffers and flags of @r: read, readv, preadv2, recvfrom, recvmsg. */
struct pt_sockread {
	struct iovec iov[PT_IOV_MAX];
	uint64_t cnt;
	int flags;
	uint64_t msg;		/* recvmsg's msghdr, to write back; or 0 */
	uint64_t addrlen;	/* recvfrom's address length, to write back; or 0 */
};

static long pt_sockread_import(pid_t tid, const struct user_regs_struct *r,
			       struct pt_sockread *q)
{
	uint64_t uiov = r->rsi;
	struct msghdr m;

	q->cnt = 1;
	q->flags = 0;
	q->msg = q->addrlen = 0;
	switch (r->orig_rax) {
	case SYS_recvfrom:
		q->flags = r->r10;
		q->addrlen = r->r8 ? r->r9 : 0;
		/* fall through */
	case SYS_read:
		q->iov[0] = (struct iovec){ (void *)(uintptr_t)r->rsi, r->rdx };
		return 0;
	case SYS_recvmsg:
		if (pt_peek(tid, r->rsi, &m, sizeof(m)) != sizeof(m))
			return -EFAULT;
		q->msg = r->rsi;
		q->flags = r->rdx;
		uiov = (uintptr_t)m.msg_iov;
		q->cnt = m.msg_iovlen;
		break;
	default:	/* readv, preadv2 */
		q->cnt = r->rdx;
		break;
	}
	if (q->cnt > PT_IOV_MAX)
		return -EINVAL;
	if (q->cnt && pt_peek(tid, uiov, q->iov, q->cnt * sizeof(*q->iov)) !=
		      (ssize_t)(q->cnt * sizeof(*q->iov)))
		return -EFAULT;
	return 0;
}

/* Write @len bytes of @buf into @tid's buffers @q; what was written or -EFAULT. */
static long pt_sockread_copy(pid_t tid, const struct pt_sockread *q, const char *buf,
			     size_t len)
{
	size_t done = 0, n;
	uint64_t i;

	for (i = 0; i < q->cnt && done < len; i++) {
		n = q->iov[i].iov_len < len - done ? q->iov[i].iov_len : len - done;
		if (n && pt_poke(tid, (uintptr_t)q->iov[i].iov_base, buf + done, n) !=
			 (ssize_t)n)
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return done;
}

/* What the call gives back besides the bytes: no address, no control data. */
static long pt_sockread_done(pid_t tid, const struct pt_sockread *q, long ret)
{
	static const int zero;
	static const size_t zlen;

	if (ret < 0)
		return ret;
	if (q->addrlen && pt_poke(tid, q->addrlen, &zero, sizeof(zero)) != sizeof(zero))
		return -EFAULT;
	if (q->msg &&
	    (pt_poke(tid, q->msg + offsetof(struct msghdr, msg_namelen), &zero,
		     sizeof(zero)) != sizeof(zero) ||
	     pt_poke(tid, q->msg + offsetof(struct msghdr, msg_controllen), &zlen,
		     sizeof(zlen)) != sizeof(zlen) ||
	     pt_poke(tid, q->msg + offsetof(struct msghdr, msg_flags), &zero,
		     sizeof(zero)) != sizeof(zero)))
		return -EFAULT;
	return ret;
}

static int64_t pt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the receive timeout of @sock (0: none) has passed since @t began waiting. */
static bool pt_sockpos_timed_out(struct pt_task *t, int sock)
{
	struct timeval tv = { 0 };
	socklen_t len = sizeof(tv);
	int64_t ms;

	if (!t->sock_wait_since)
		t->sock_wait_since = pt_now_ms();
	if (getsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, &len))
		return false;
	ms = tv.tv_sec * 1000 + tv.tv_usec / 1000;
	return ms && pt_now_ms() - t->sock_wait_since >= ms;
}

/* Peek past @pos on @sock for @q (@want bytes at most): as pt_sockpos_call(). */
static int pt_sockpos_peek(struct pt_task *t, int sock, const struct pt_sockread *q,
			   int64_t pos, size_t want, long *ret)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN | POLLRDHUP };
	bool nonblock = (fcntl(sock, F_GETFL) & O_NONBLOCK) || (q->flags & MSG_DONTWAIT);
	char *buf = malloc(pos + want);
	ssize_t n;

	if (!buf) {
		*ret = -ENOMEM;
		return PT_SOCKPOS_DONE;
	}
	n = recv(sock, buf, pos + want, MSG_PEEK | MSG_DONTWAIT);
	*ret = n < 0 ? -errno : 0;
	if (n > pos)
		*ret = pt_sockread_copy(t->tid, q, buf + pos, n - pos);
	free(buf);
	if (n > pos || (n < 0 && errno != EAGAIN))
		return PT_SOCKPOS_DONE;
	*ret = 0;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLRDHUP | POLLHUP)))
		return PT_SOCKPOS_DONE;	/* the end of the stream */
	*ret = -EAGAIN;
	if (nonblock || pt_sockpos_timed_out(t, sock))
		return PT_SOCKPOS_DONE;
	return PT_SOCKPOS_WAIT;
}

/*
 * @t's call @r, a read of a shared socket: PT_SOCKPOS_NO if it is not a
 * stream socket (or its descriptor cannot be had); PT_SOCKPOS_DONE, its
 * result in *@ret (-EPERM: past the slots or PT_SOCKPOS_MAX: refused);
 * PT_SOCKPOS_WAIT: nothing yet, wait and make it again.
 */
int pt_sockpos_call(struct pt_task *t, const struct user_regs_struct *r, long *ret)
{
	int fd = r->rdi, sock, type = 0, verdict = PT_SOCKPOS_DONE;
	socklen_t len = sizeof(type);
	static struct pt_sockread q;
	struct pt_fpos *slot;
	struct stat st;
	size_t want = 0;
	uint64_t i;
	bool asked;

	sock = pt_fd_copy(t->tid, fd);
	if (sock < 0)
		return PT_SOCKPOS_NO;
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_STREAM ||
	    fstat(sock, &st)) {
		close(sock);
		return PT_SOCKPOS_NO;
	}
	*ret = pt_sockread_import(t->tid, r, &q);
	slot = *ret ? NULL : pt_fpos_get(t->probe, t->tid, fd, &st);
	for (i = 0; slot && i < q.cnt; i++)
		want += q.iov[i].iov_len;
	asked = want;
	if (slot && want > (size_t)(PT_SOCKPOS_MAX - slot->pos))
		want = PT_SOCKPOS_MAX - slot->pos;
	if (!*ret && (!slot || (asked && !want)))
		*ret = -EPERM;	/* past the slots, or past what a probe may read of it */
	else if (slot && want)
		verdict = pt_sockpos_peek(t, sock, &q, slot->pos, want, ret);
	if (verdict == PT_SOCKPOS_DONE) {
		t->sock_wait_since = 0;
		if (*ret > 0 && !(q.flags & MSG_PEEK))
			slot->pos += *ret;
		*ret = pt_sockread_done(t->tid, &q, *ret);
	}
	close(sock);
	return verdict;
}
