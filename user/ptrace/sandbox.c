// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's sandbox, at syscall stops.  At the enter stop a
 * write to a socket, pipe, file or character device is captured and a
 * read of the replayed fd is served from the input; either is then
 * skipped (orig_rax = -1) and its result set at the exit stop.  A probe
 * that finished the request is parked at the enter stop of the syscall
 * that tells so, that syscall not made.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "ptrace.h"

enum pt_verdict { PT_RUN, PT_EMULATE, PT_PARK };

/* Whether @tid's writes to @fd are suppressed: sockets, pipes, files, char devices. */
static bool pt_fd_sandboxed(pid_t tid, int fd)
{
	char path[64];
	struct stat st;

	if (fd < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", tid, fd);
	if (stat(path, &st))
		return false;
	return S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) ||
	       S_ISCHR(st.st_mode);
}

/* Read @cnt iovecs at @uiov of @tid into @iov. */
static int pt_iovs(pid_t tid, uint64_t uiov, uint64_t cnt, struct iovec *iov)
{
	size_t len = cnt * sizeof(*iov);

	if (cnt > PT_IOV_MAX)
		return -EINVAL;
	if (cnt && pt_peek(tid, uiov, iov, len) != (ssize_t)len)
		return -EFAULT;
	return 0;
}

/* The total length of @cnt iovecs at @uiov, the first bytes into @o. */
static int pt_capture_iov(pid_t tid, uint64_t uiov, uint64_t cnt, struct xb_output *o)
{
	static struct iovec iov[PT_IOV_MAX];
	uint64_t i, n;
	int err = pt_iovs(tid, uiov, cnt, iov);

	for (i = 0; !err && i < cnt; i++) {
		o->len += iov[i].iov_len;
		n = XB_CAPTURE_MAX - o->captured;
		n = iov[i].iov_len < n ? iov[i].iov_len : n;
		if (n && pt_peek(tid, (uintptr_t)iov[i].iov_base, o->data + o->captured, n) !=
			 (ssize_t)n)
			err = -EFAULT;
		else
			o->captured += n;
	}
	return err;
}

/*
 * A suppressed write: keep its first bytes, return what it would have.
 * Past PT_MAX_OUTPUTS (or without memory) it is captured into a spare
 * and only counted (out_lost), so that its result is still right.
 */
static long pt_capture(struct pt_task *t, enum insight_syscall_class kind,
		       const struct user_regs_struct *r)
{
	static struct xb_output spare;
	struct pt_probe *p = t->probe;
	struct xb_output *o = &spare, *arr;
	struct msghdr msg;
	int err = 0;

	arr = p->nout < PT_MAX_OUTPUTS ? pt_grow(p->out, &p->aout, p->nout + 1, sizeof(*o)) :
	      NULL;
	if (arr) {
		p->out = arr;
		o = &arr[p->nout];
	}
	o->len = 0;
	o->captured = 0;
	switch (kind) {
	case INSIGHT_SYSCALL_WRITE:
		o->len = r->rdx;
		o->captured = o->len < XB_CAPTURE_MAX ? o->len : XB_CAPTURE_MAX;
		if (o->captured && pt_peek(t->tid, r->rsi, o->data, o->captured) !=
				   (ssize_t)o->captured)
			err = -EFAULT;
		break;
	case INSIGHT_SYSCALL_WRITEV:
		err = pt_capture_iov(t->tid, r->rsi, r->rdx, o);
		break;
	case INSIGHT_SYSCALL_SENDMSG:
		if (pt_peek(t->tid, r->rsi, &msg, sizeof(msg)) != sizeof(msg))
			err = -EFAULT;
		else
			err = pt_capture_iov(t->tid, (uintptr_t)msg.msg_iov, msg.msg_iovlen, o);
		break;
	default:		/* cannot be emulated: refused, and shown */
		err = -EPERM;
		break;
	}
	if (err) {
		o->len = 0;
		o->captured = 0;
	}
	o->seq = p->nout + p->out_lost;
	o->decisions = pt_next_seq(p);
	o->nr = r->orig_rax;
	o->fd = r->rdi;
	if (arr)
		p->nout++;
	else
		p->out_lost++;
	return err ? err : (long)o->len;
}

/* Copy the next replayed bytes (at most @len) to @addr: how many, or -EFAULT. */
static long pt_replay_to(struct xb *b, struct pt_task *t, uint64_t addr, uint64_t len)
{
	struct pt_probe *p = t->probe;
	uint64_t n = b->input_len - p->in_off;
	ssize_t w;

	n = len < n ? len : n;
	if (!n)
		return 0;
	w = pt_poke(t->tid, addr, b->input + p->in_off, n);
	if (w <= 0)
		return -EFAULT;
	p->in_off += w;
	return w;
}

/* Copy the next replayed bytes into @cnt iovecs at @uiov. */
static long pt_replay_iov(struct xb *b, struct pt_task *t, uint64_t uiov, uint64_t cnt)
{
	static struct iovec iov[PT_IOV_MAX];
	long done = 0, w;
	uint64_t i;
	int err = pt_iovs(t->tid, uiov, cnt, iov);

	if (err)
		return err;
	for (i = 0; i < cnt && t->probe->in_off < b->input_len; i++) {
		w = pt_replay_to(b, t, (uintptr_t)iov[i].iov_base, iov[i].iov_len);
		if (w < 0)
			return done ? done : w;
		done += w;
		if ((size_t)w < iov[i].iov_len)
			break;
	}
	return done;
}

/* A read of the replayed fd, served at the probe's own offset. */
static long pt_replay(struct xb *b, struct pt_task *t, enum insight_syscall_class kind,
		      const struct user_regs_struct *r)
{
	struct msghdr msg;

	switch (kind) {
	case INSIGHT_SYSCALL_READ:
		return pt_replay_to(b, t, r->rsi, r->rdx);
	case INSIGHT_SYSCALL_READV:
		return pt_replay_iov(b, t, r->rsi, r->rdx);
	default:		/* recvmsg */
		if (pt_peek(t->tid, r->rsi, &msg, sizeof(msg)) != sizeof(msg))
			return -EFAULT;
		return pt_replay_iov(b, t, (uintptr_t)msg.msg_iov, msg.msg_iovlen);
	}
}

/* At the syscall-enter stop of @t (registers @r): what to do with the syscall. */
static enum pt_verdict pt_sandbox(struct xb *b, struct pt_task *t,
				  const struct user_regs_struct *r)
{
	struct pt_probe *p = t->probe;
	long nr = r->orig_rax;
	enum insight_syscall_class kind = insight_syscall_classify(nr);
	int fd = r->rdi;

	if (!p->id && p->done)
		return PT_RUN;		/* its other threads: the target's own again */
	if (b->in_fd >= 0 && !p->done && insight_syscall_request_done(nr, fd, b->in_fd, p->in_off, b->input_len)) {
		p->done = true;
		pt_event(b, (struct xb_event){ .kind = XB_EV_DONE, .probe = p->id });
		return PT_PARK;	/* the target until close, a probe until killed */
	}
	if (kind == INSIGHT_SYSCALL_NONE)
		return PT_RUN;
	if (insight_syscall_is_read(kind)) {
		if (b->in_fd < 0 || fd != b->in_fd)
			return PT_RUN;	/* reading from peers is allowed */
		t->emul_ret = pt_replay(b, t, kind, r);
	} else {
		if (!pt_fd_sandboxed(t->tid, fd))
			return PT_RUN;
		t->emul_ret = pt_capture(t, kind, r);
	}
	return PT_EMULATE;
}

/* A syscall stop of @t (wait.c tells): enter or exit, as @t's state says. */
void pt_syscall_stop(struct xb *b, struct pt_task *t)
{
	struct user_regs_struct r;

	if (t->in_syscall) {
		t->in_syscall = false;
		if (t->emulating) {
			t->emulating = false;
			ptrace(PTRACE_POKEUSER, t->tid, offsetof(struct user, regs.rax),
			       (void *)t->emul_ret);
		}
		pt_cont(t, 0);
		return;
	}
	t->in_syscall = true;
	if (!ptrace(PTRACE_GETREGS, t->tid, NULL, &r)) {
		switch (pt_sandbox(b, t, &r)) {
		case PT_EMULATE:
			t->emulating = true;
			ptrace(PTRACE_POKEUSER, t->tid, offsetof(struct user, regs.orig_rax),
			       (void *)-1L);
			break;
		case PT_PARK:
			t->stopped = true;	/* until killed */
			return;
		case PT_RUN:
			break;
		}
	}
	pt_cont(t, 0);
}
