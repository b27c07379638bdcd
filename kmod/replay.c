// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox's replay of the failed request: reads of the input fd
 * served at each probe's own offset (its threads sharing it), the thread
 * whose request it is (the reader), and the request's end, where a probe
 * waits, its syscall not made.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/wait_bit.h>

#include "insight.h"
#include "sandbox.h"

/*
 * Hold the current task in task context, its syscall @nr not run, until
 * it is killed or the session ends; then the syscall is made again, for
 * real (the target's): the interception is gone by then.  Returns what
 * ax must hold for that: @nr.
 */
long insight_park(struct insight_session *s, long nr)
{
	task_pt_regs(current)->ip -= 2;	/* syscall, int $0x80 and sysenter restart so */
	wait_var_event_killable(&s->release, READ_ONCE(s->release));
	return nr;
}

/*
 * The thread of @p that first got replayed bytes is its reader: the
 * request is that thread's (see insight_request_done()).  A probe without
 * one yet (a forked probe, which has one thread) takes any thread.
 */
static bool insight_is_reader(struct insight_probe *p)
{
	struct pid *reader = READ_ONCE(p->reader);

	return !reader || reader == task_pid(current);
}

static void insight_set_reader(struct insight_probe *p)
{
	struct pid *pid;

	if (READ_ONCE(p->reader))
		return;
	pid = get_pid(task_pid(current));
	if (cmpxchg(&p->reader, NULL, pid))
		put_pid(pid);	/* another thread was first */
}

/* Tell the owner, once, that probe @p has finished the request. */
static void insight_request_end(struct insight_session *s,
				struct insight_probe *p)
{
	struct insight_ev ev = { .kind = INSIGHT_EVENT_DONE, .probe = p->id };

	if (!xchg(&p->done, true))
		insight_event(s, &ev, GFP_ATOMIC);
}

/*
 * Serve @iter from the replayed input at the probe's offset.  The threads
 * of a probe share it and may read at once: each reserves its range by
 * moving in_off forward with a cmpxchg, never past input_len, then copies
 * outside any lock (the copy may fault and sleep); what it could not copy
 * goes back unless another thread has reserved since (then those bytes
 * are lost to the probe, as from a stream whose read faulted).  A thread
 * that finds the input at its end (another took the last bytes since it
 * entered) is held, as one entering at the end (insight_request_done());
 * the reader has then finished the request.
 */
static long insight_replay_iter(struct insight_sys_work *w, struct iov_iter *iter)
{
	size_t want = iov_iter_count(iter), copied;
	struct insight_session *s = w->s;
	struct insight_probe *p = w->p;
	u64 off, end;

	do {
		off = READ_ONCE(p->in_off);
		end = off + min_t(u64, want, s->input_len - off);
	} while (cmpxchg64(&p->in_off, off, end) != off);
	if (end == off) {
		if (!want)
			return 0;
		if (insight_is_reader(p))
			insight_request_end(s, p);
		return insight_park(s, w->nr);
	}
	copied = copy_to_iter(s->input + off, end - off, iter);
	if (copied < end - off)
		cmpxchg64(&p->in_off, end, off + copied);
	if (!copied)
		return -EFAULT;
	insight_set_reader(p);
	return copied;
}

/* Replay into the @cnt iovecs at @uiov. */
static long insight_replay_iov(struct insight_sys_work *w,
			       const struct iovec __user *uiov, unsigned long cnt)
{
	struct iovec fast[UIO_FASTIOV], *iov = fast;
	struct iov_iter iter;
	ssize_t ret;

	ret = import_iovec(ITER_DEST, uiov, cnt, ARRAY_SIZE(fast), &iov, &iter);
	if (ret < 0)
		return ret;
	ret = insight_replay_iter(w, &iter);
	kfree(iov);
	return ret;
}

/* A read of the replayed fd, served at the probe's own offset. */
long insight_replay(struct insight_sys_work *w)
{
	struct user_msghdr msg;
	struct iov_iter iter;
	struct iovec iov;
	int err;

	switch (w->kind) {
	case INSIGHT_SYSCALL_READ:
		err = import_single_range(ITER_DEST, (void __user *)w->args[1],
					  w->args[2], &iov, &iter);
		return err ? err : insight_replay_iter(w, &iter);
	case INSIGHT_SYSCALL_READV:
		return insight_replay_iov(w, (void __user *)w->args[1], w->args[2]);
	default:	/* recvmsg */
		if (copy_from_user(&msg, (void __user *)w->args[1], sizeof(msg)))
			return -EFAULT;
		return insight_replay_iov(w, msg.msg_iov, msg.msg_iovlen);
	}
}

/*
 * Whether a thread of probe @p entering syscall @nr on @fd is held
 * (parked): after reading some input the probe's reader goes back to
 * waiting for work, or a thread reads the input fd at its end.  The
 * request is the reader's: its end is the probe's, told to the owner the
 * first time.  Another thread waiting for work (an event loop, an
 * acceptor) goes on; one reading the exhausted input is held without
 * ending the request, as on a connection with nothing more to read.
 */
bool insight_request_done(struct insight_session *s,
				 struct insight_probe *p, long nr, int fd)
{
	if (insight_syscall_idle_fork(nr, p->id, READ_ONCE(p->in_off))) {
		insight_request_end(s, p);
		return true;
	}
	if (!insight_syscall_request_done(nr, fd, s->input_fd,
					  READ_ONCE(p->in_off), s->input_len))
		return false;
	if (!insight_is_reader(p))
		return !insight_syscall_waits_for_work(nr);
	insight_request_end(s, p);
	return true;
}
