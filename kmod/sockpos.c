// SPDX-License-Identifier: GPL-2.0
/*
 * A probe's own position in the stream sockets it shares with the target
 * and the other probes: a peer's connection made before a fork.
 *
 * A read by one of them would take the bytes from the others, and from
 * the target once the exploration is over.  Instead read, readv,
 * preadv2 (at the current position), recvfrom and recvmsg of such a
 * socket peek (MSG_PEEK: the receive
 * queue is left as it was) and give the probe the bytes past its own
 * position, which then moves on; the position is kept where kmod/fpos.c
 * keeps a probe's positions in regular files, with the same slots, and a
 * forked probe starts at its parent's.  The bytes are those in the queue
 * when the socket was first shared (what the target read before is gone
 * for everyone), up to INSIGHT_SOCKPOS_MAX bytes from there; a read past
 * that, or past the slots, is refused (a denied output).
 *
 * A probe with nothing new to read waits as the real call would: at once
 * -EAGAIN on a non-blocking socket or with MSG_DONTWAIT, else until bytes
 * come, the peer ends the stream (0), the socket's receive timeout
 * (-EAGAIN), a signal (-EINTR: the call is not restarted) or the
 * session's end, when the call is made again, for real.  MSG_WAITALL is
 * not waited for: the bytes there are given.  It polls every
 * INSIGHT_SOCKPOS_POLL_MS: a wait in the socket's own queue would need a
 * wake-up of our own in every path that queues data.  Ancillary data is
 * not delivered (msg_controllen 0) and no address is given back (the
 * socket is connected).  Datagram and other sockets are not served here
 * (denied: a peek cannot skip what a probe has read of a datagram).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <asm/unistd.h>

#include "insight.h"

/* bytes of a shared connection a probe can read, from where it was shared */
#define INSIGHT_SOCKPOS_MAX	(1 << 20)
#define INSIGHT_SOCKPOS_POLL_MS	10

/**
 * struct insight_sockread - one read of a shared stream socket
 * @iter: the user's buffers
 * @fast: iovecs for @iter
 * @iov: @fast or an allocated array (freed by insight_sockread_done())
 * @flags: the call's MSG_ flags
 * @umsg: recvmsg's msghdr, to write back, or NULL
 * @addrlen: recvfrom's address length, to write back, or NULL
 */
struct insight_sockread {
	struct iov_iter iter;
	struct iovec fast[UIO_FASTIOV];
	struct iovec *iov;
	unsigned int flags;
	struct user_msghdr __user *umsg;
	int __user *addrlen;
};

/* The user's side of read, readv, preadv2, recvfrom or recvmsg (@nr, @a). */
static long insight_sockread_import(struct insight_sockread *r, long nr,
				    const unsigned long *a)
{
	struct user_msghdr msg;

	memset(r, 0, sizeof(*r));
	r->iov = r->fast;
	switch (nr) {
	case __NR_read:
		return import_single_range(ITER_DEST, (void __user *)a[1], a[2],
					   r->fast, &r->iter);
	case __NR_recvfrom:
		r->flags = a[3];
		if (a[4])
			r->addrlen = (int __user *)a[5];
		return import_single_range(ITER_DEST, (void __user *)a[1], a[2],
					   r->fast, &r->iter);
	case __NR_readv:
	case __NR_preadv2:	/* at -1: the current position */
		return import_iovec(ITER_DEST, (const struct iovec __user *)a[1],
				    a[2], UIO_FASTIOV, &r->iov, &r->iter);
	case __NR_recvmsg:
		r->umsg = (struct user_msghdr __user *)a[1];
		r->flags = a[2];
		if (copy_from_user(&msg, r->umsg, sizeof(msg)))
			return -EFAULT;
		return import_iovec(ITER_DEST, msg.msg_iov, msg.msg_iovlen,
				    UIO_FASTIOV, &r->iov, &r->iter);
	default:
		return -EINVAL;
	}
}

/* What the call gives back besides the bytes: no address, no control. */
static long insight_sockread_done(struct insight_sockread *r, long ret)
{
	if (r->iov != r->fast)
		kfree(r->iov);
	if (ret < 0)
		return ret;
	if (r->addrlen && put_user(0, r->addrlen))
		return -EFAULT;
	if (r->umsg && (put_user(0, &r->umsg->msg_namelen) ||
			put_user(0, &r->umsg->msg_controllen) ||
			put_user(0, &r->umsg->msg_flags)))
		return -EFAULT;
	return ret;
}

/* Peek up to @len bytes of @sock's queue into @buf, without waiting. */
static int insight_sockpos_peek(struct socket *sock, void *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { };

	return kernel_recvmsg(sock, &msg, &kv, 1, len, MSG_PEEK | MSG_DONTWAIT);
}

/*
 * Copy to @r what @file's socket holds past @pos, up to @want bytes,
 * waiting for it as the call would.  Returns the bytes copied, 0 at the
 * end of the stream, -errno, or -ERESTARTNOINTR when the session ended
 * meanwhile (the caller makes the call again, for real).
 */
static long insight_sockpos_wait(struct insight_session *s, struct file *file,
				 struct insight_sockread *r, long pos, long want)
{
	struct socket *sock = sock_from_file(file);
	bool nonblock = (file->f_flags & O_NONBLOCK) || (r->flags & MSG_DONTWAIT);
	long timeo = sock_rcvtimeo(sock->sk, nonblock);
	long poll = msecs_to_jiffies(INSIGHT_SOCKPOS_POLL_MS);
	void *buf;
	long ret;

	buf = kvmalloc(pos + want, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ret = insight_sockpos_peek(sock, buf, pos + want);
		if (ret > pos) {
			ret = copy_to_iter(buf + pos, ret - pos, &r->iter) ?: -EFAULT;
			break;
		}
		if (ret < 0 && ret != -EAGAIN)
			break;
		ret = 0;	/* nothing new: the end of the stream, or wait */
		if (READ_ONCE(sock->sk->sk_shutdown) & RCV_SHUTDOWN)
			break;
		ret = -EAGAIN;
		if (!timeo)
			break;
		ret = -ERESTARTNOINTR;
		if (READ_ONCE(s->release))
			break;
		ret = -EINTR;
		if (signal_pending(current))
			break;
		if (timeo != MAX_SCHEDULE_TIMEOUT)
			timeo -= min(timeo, poll);
		schedule_timeout_interruptible(poll);
	}
	kvfree(buf);
	return ret;
}

/**
 * insight_sockpos_call() - a read of a shared stream socket, at @p's position
 * @s: the session
 * @p: the probe, the current task
 * @nr: read, readv, preadv2 (at -1), recvfrom or recvmsg
 * @a: its arguments
 *
 * Return: what the call returns, -errno, or @nr with the call to be made
 * again (ip moved back) when the session ended while it waited.
 */
long insight_sockpos_call(struct insight_session *s, struct insight_probe *p,
			  long nr, const unsigned long *a)
{
	struct insight_sockread r;
	struct file *file;
	loff_t pos;
	long want;
	long ret;

	file = fget(a[0]);
	if (!file)
		return -EBADF;
	ret = insight_sockread_import(&r, nr, a);
	if (ret < 0)
		goto out;
	ret = insight_fpos_get(p, file, &pos);
	want = min_t(long, iov_iter_count(&r.iter),
		     INSIGHT_SOCKPOS_MAX - min_t(loff_t, pos, INSIGHT_SOCKPOS_MAX));
	if (!ret && !want && iov_iter_count(&r.iter))
		ret = -EPERM;	/* past what a probe may read of it */
	if (ret == -EPERM)
		insight_output_denied(p, nr, a[0], 0, GFP_KERNEL);
	else if (!ret && want)
		ret = insight_sockpos_wait(s, file, &r, pos, want);
	if (ret > 0 && !(r.flags & MSG_PEEK))
		insight_fpos_set(p, file, pos + ret);
	ret = insight_sockread_done(&r, ret);
	if (ret == -ERESTARTNOINTR) {
		task_pt_regs(current)->ip -= 2;	/* as insight_park() */
		ret = nr;
	}
out:
	fput(file);
	return ret;
}
