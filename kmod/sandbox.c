// SPDX-License-Identifier: GPL-2.0
/*
 * The probes' syscall sandbox: the shadow must not disturb production.
 *
 * A probe on the raw sys_enter tracepoint (registered while a session
 * intercepts syscalls) sees every syscall of the session's probes:
 * - a syscall with a fault rule for the probe is skipped, returning the
 *   rule's -errno (fault injection);
 * - a write to a socket, pipe, file or character device, and a read of
 *   the replayed fd, is skipped too, and a task_work finishes it in the
 *   task's own context on its way back to userspace, where user memory
 *   may fault: it captures the first bytes written and returns the
 *   length, or copies the replayed bytes at the probe's offset.
 *
 * Skipping: the tracepoint sets orig_ax to -1; 6.1's syscall entry
 * re-reads the number after the tracepoint and runs nothing for -1,
 * leaving ax, the return value, as set here.  TWA_SIGNAL work runs first
 * thing in get_signal(), before any signal frame or syscall restart.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>
#include <asm/syscall.h>
#include <insight/syscall_class.h>

#include "insight.h"

unsigned int insight_max_outputs = 4096;
module_param_named(max_outputs, insight_max_outputs, uint, 0444);
MODULE_PARM_DESC(max_outputs, "Captured outputs kept per probe (default 4096)");

/* Sessions that intercept syscalls, read under RCU by the tracepoint. */
static LIST_HEAD(insight_hooked);
static struct tracepoint *insight_tp_sys_enter;

/**
 * struct insight_sys_work - an intercepted syscall, finished in task context
 * @cb: the task_work
 * @s: the session (alive while @s->pending counts this work)
 * @p: the probe
 * @kind: what to do
 * @nr: syscall number
 * @args: its arguments
 */
struct insight_sys_work {
	struct callback_head cb;
	struct insight_session *s;
	struct insight_probe *p;
	enum insight_syscall_class kind;
	long nr;
	unsigned long args[6];
};

static void insight_skip(struct pt_regs *regs, long ret)
{
	regs->orig_ax = -1;
	regs->ax = ret;
}

/*
 * Keep a captured output, from task context; beyond max_outputs or the
 * session's memory total, count it.
 */
static void insight_output_add(struct insight_probe *p, long nr, int fd,
			       u64 len, const void *data, u32 captured)
{
	struct insight_output *o;

	o = kmalloc(struct_size(o, data, captured), GFP_KERNEL);
	if (o && !insight_mem_charge(p->path.session,
				     struct_size(o, data, captured))) {
		kfree(o);
		o = NULL;
	}
	if (o) {
		o->m.nr = nr;
		o->m.fd = fd;
		o->m.len = len;
		o->m.captured = captured;
		memcpy(o->data, data, captured);
	}
	spin_lock(&p->path.lock);
	if (o && p->nout < insight_max_outputs) {
		o->m.seq = p->nout++;
		o->m.decisions = p->path.len + p->path.lost;
		list_add_tail(&o->node, &p->outputs);
		o = NULL;
	} else {
		p->out_lost++;
	}
	spin_unlock(&p->path.lock);
	if (o)	/* not kept */
		insight_mem_uncharge(p->path.session,
				     struct_size(o, data, captured));
	kfree(o);
}

/*
 * Gather the iovecs at @uiov (@cnt of them): their total length in *len,
 * the first @cap bytes into @buf (*got of them).
 */
static int insight_iov_capture(const struct iovec __user *uiov, unsigned long cnt,
			       u8 *buf, u32 cap, u64 *len, u32 *got)
{
	struct iovec iov;
	unsigned long i;
	u32 n;

	*len = 0;
	*got = 0;
	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	for (i = 0; i < cnt; i++) {
		if (copy_from_user(&iov, uiov + i, sizeof(iov)))
			return -EFAULT;
		*len += iov.iov_len;
		n = min_t(u64, iov.iov_len, cap - *got);
		if (n && copy_from_user(buf + *got, iov.iov_base, n))
			return -EFAULT;
		*got += n;
	}
	return 0;
}

/* A suppressed write: keep its first bytes, return what it would have. */
static long insight_capture(struct insight_sys_work *w)
{
	struct user_msghdr msg;
	u64 len = 0;
	u32 got = 0;
	long err = 0;
	u8 *buf;

	buf = kmalloc(max(w->s->capture, 1U), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	switch (w->kind) {
	case INSIGHT_SYSCALL_WRITE:
		len = w->args[2];
		got = min_t(u64, len, w->s->capture);
		if (got && copy_from_user(buf, (void __user *)w->args[1], got))
			err = -EFAULT;
		break;
	case INSIGHT_SYSCALL_WRITEV:
		err = insight_iov_capture((void __user *)w->args[1], w->args[2],
					  buf, w->s->capture, &len, &got);
		break;
	case INSIGHT_SYSCALL_SENDMSG:
		if (copy_from_user(&msg, (void __user *)w->args[1], sizeof(msg)))
			err = -EFAULT;
		else
			err = insight_iov_capture(msg.msg_iov, msg.msg_iovlen, buf,
						  w->s->capture, &len, &got);
		break;
	default:	/* not emulated: refused, and shown to the coordinator */
		err = -EPERM;
		break;
	}
	insight_output_add(w->p, w->nr, w->args[0], err ? 0 : len, buf,
			   err ? 0 : got);
	kfree(buf);
	return err ? err : (long)len;
}

/* Copy the next replayed bytes into the iovecs at @uiov. */
static long insight_replay_iov(struct insight_sys_work *w,
			       const struct iovec __user *uiov, unsigned long cnt)
{
	struct insight_session *s = w->s;
	struct insight_probe *p = w->p;
	struct iovec iov;
	unsigned long i;
	long done = 0;
	u64 n;

	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	for (i = 0; i < cnt && p->in_off < s->input_len; i++) {
		if (copy_from_user(&iov, uiov + i, sizeof(iov)))
			return done ? done : -EFAULT;
		n = min_t(u64, iov.iov_len, s->input_len - p->in_off);
		if (copy_to_user(iov.iov_base, s->input + p->in_off, n))
			return done ? done : -EFAULT;
		p->in_off += n;
		done += n;
	}
	return done;
}

/* A read of the replayed fd, served at the probe's own offset. */
static long insight_replay(struct insight_sys_work *w)
{
	struct iovec iov = {
		.iov_base = (void __user *)w->args[1],
		.iov_len = w->args[2],
	};
	struct user_msghdr msg;
	struct insight_probe *p = w->p;
	u64 n;

	switch (w->kind) {
	case INSIGHT_SYSCALL_READ:
		n = min_t(u64, iov.iov_len, w->s->input_len - p->in_off);
		if (copy_to_user(iov.iov_base, w->s->input + p->in_off, n))
			return -EFAULT;
		p->in_off += n;
		return n;
	case INSIGHT_SYSCALL_READV:
		return insight_replay_iov(w, (void __user *)w->args[1], w->args[2]);
	default:	/* recvmsg */
		if (copy_from_user(&msg, (void __user *)w->args[1], sizeof(msg)))
			return -EFAULT;
		return insight_replay_iov(w, msg.msg_iov, msg.msg_iovlen);
	}
}

static void insight_sys_work_run(struct callback_head *cb)
{
	struct insight_sys_work *w = container_of(cb, struct insight_sys_work, cb);
	struct insight_session *s = w->s;
	long ret = -EIO;

	if (current->mm)	/* not when it runs on the way out of exit */
		ret = insight_syscall_is_read(w->kind) ? insight_replay(w) :
		      insight_capture(w);
	task_pt_regs(current)->ax = ret;
	kfree(w);
	if (atomic_dec_and_test(&s->pending))
		wake_up_var(&s->pending);
}

/* Whether writes to @fd are suppressed: sockets, pipes, files, char devs. */
static bool insight_fd_sandboxed(int fd)
{
	struct file *file = fget_raw(fd);
	umode_t mode;

	if (!file)
		return false;
	mode = file_inode(file)->i_mode;
	fput(file);
	return S_ISSOCK(mode) || S_ISFIFO(mode) || S_ISREG(mode) || S_ISCHR(mode);
}

/*
 * A probe that has finished the request, in task context before it goes
 * back to userspace: it waits there, its syscall not run, until it is
 * killed or the session ends; then the syscall is made again, for real
 * (the target's): the interception is gone by then.  The target parked
 * this way cannot take more of the replayed connection's readiness from
 * an epoll set its copies still share, nor serve real work meanwhile.
 */
static void insight_park_run(struct callback_head *cb)
{
	struct insight_sys_work *w = container_of(cb, struct insight_sys_work, cb);
	struct insight_session *s = w->s;
	struct pt_regs *regs = task_pt_regs(current);

	if (current->mm) {
		regs->ax = w->nr;
		regs->ip -= 2;	/* syscall, int $0x80 and sysenter restart so */
		wait_var_event_killable(&s->release, READ_ONCE(s->release));
	}
	kfree(w);
	if (atomic_dec_and_test(&s->pending))
		wake_up_var(&s->pending);
}

/*
 * Whether probe @p has finished the replayed request, telling the owner
 * the first time: after reading some input it goes back to waiting for
 * work, or it reads the input fd past the end.
 */
static bool insight_request_done(struct insight_session *s,
				 struct insight_probe *p, long nr, int fd)
{
	struct insight_ev ev = { .kind = INSIGHT_EVENT_DONE, .probe = p->id };

	if (!insight_syscall_request_done(nr, fd, s->input_fd, p->in_off,
					  s->input_len))
		return false;
	p->done = true;
	insight_event(s, &ev, GFP_ATOMIC);
	return true;
}

/* In the sys_enter tracepoint (preemption off) for probe @p of @s. */
static void insight_sys_intercept(struct insight_session *s,
				  struct insight_probe *p, struct pt_regs *regs,
				  long nr)
{
	enum insight_syscall_class kind;
	struct insight_sys_work *w;
	bool park = false;
	u32 i, err = 0;
	int fd;

	spin_lock(&s->lock);
	for (i = 0; i < p->nfaults; i++)
		if (p->faults[i].nr == nr)
			err = p->faults[i].err;
	spin_unlock(&s->lock);
	if (err) {
		insight_skip(regs, -(long)err);
		return;
	}
	if (!READ_ONCE(s->sandbox))
		return;
	kind = insight_syscall_classify(nr);
	fd = regs->di;
	if (p->done) {
		if (!p->id)
			return;	/* its other threads: the target's own again */
	} else if (s->input_fd >= 0) {
		park = insight_request_done(s, p, nr, fd);
	}
	if (!park) {
		if (kind == INSIGHT_SYSCALL_NONE)
			return;
		if (insight_syscall_is_read(kind)) {
			if (fd != s->input_fd)
				return;		/* reading from peers is allowed */
		} else if (!insight_fd_sandboxed(fd)) {
			return;
		}
	}
	w = kzalloc(sizeof(*w), GFP_ATOMIC);
	if (!w) {
		insight_skip(regs, -ENOMEM);	/* never let it through */
		return;
	}
	w->s = s;
	w->p = p;
	w->kind = kind;
	w->nr = nr;
	syscall_get_arguments(current, regs, w->args);
	init_task_work(&w->cb, park ? insight_park_run : insight_sys_work_run);
	atomic_inc(&s->pending);
	if (task_work_add(current, &w->cb, TWA_SIGNAL)) {
		atomic_dec(&s->pending);
		kfree(w);
		insight_skip(regs, -ESRCH);	/* exiting */
		return;
	}
	insight_skip(regs, -EIO);	/* the work sets the result */
}

static void insight_sys_enter(void *data, struct pt_regs *regs, long nr)
{
	struct insight_session *s;
	struct insight_probe *p;

	if (!current->mm)
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(s, &insight_hooked, hook) {
		p = insight_probe_of_mm(s, current->mm);
		if (p) {
			insight_sys_intercept(s, p, regs, nr);
			break;
		}
	}
	rcu_read_unlock();
}

static void insight_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sys_enter"))
		insight_tp_sys_enter = tp;
}

/* Start intercepting @s's syscalls; the first session registers the probe. */
static int insight_hook(struct insight_session *s)
{
	int err;

	if (s->hooked)
		return 0;
	if (list_empty(&insight_hooked)) {
		if (!insight_tp_sys_enter)
			for_each_kernel_tracepoint(insight_find_tp, NULL);
		if (!insight_tp_sys_enter)
			return -EOPNOTSUPP;
		err = tracepoint_probe_register(insight_tp_sys_enter,
						insight_sys_enter, NULL);
		if (err)
			return err;
	}
	list_add_rcu(&s->hook, &insight_hooked);
	s->hooked = true;
	return 0;
}

int insight_sandbox_on(struct insight_session *s, u32 capture, int input_fd,
		       const void *input, u32 input_len, bool hold)
{
	int err;

	if (!insight_session_attached(s))
		return -ENOENT;
	if (s->sandbox)
		return -EBUSY;
	if (input_len) {
		s->input = kvmalloc(input_len, GFP_KERNEL);
		if (!s->input)
			return -ENOMEM;
		memcpy(s->input, input, input_len);
	}
	err = insight_hook(s);
	if (err) {
		kvfree(s->input);
		s->input = NULL;
		return err;
	}
	s->capture = capture;
	s->input_fd = input_fd;
	s->input_len = input_len;
	atomic_set(&s->hold_root, hold);
	WRITE_ONCE(s->sandbox, true);
	return 0;
}

int insight_fault_add(struct insight_session *s, u32 id, u32 nr, u32 err)
{
	struct insight_probe *p = insight_probe_get(s, id);
	int ret;

	if (!p)
		return -ENOENT;
	ret = insight_hook(s);
	if (ret)
		return ret;
	spin_lock(&s->lock);
	if (p->nfaults < INSIGHT_FAULTS_MAX) {
		p->faults[p->nfaults].nr = nr;
		p->faults[p->nfaults].err = err;
		p->nfaults++;
	} else {
		ret = -ENOSPC;
	}
	spin_unlock(&s->lock);
	return ret;
}

/*
 * Stop intercepting: after this no tracepoint call sees @s, and every
 * intercepted call has been finished by its task (a skipped syscall goes
 * straight back towards userspace, where its work runs first).
 */
void insight_sandbox_end(struct insight_session *s)
{
	if (s->hooked) {
		list_del_rcu(&s->hook);
		s->hooked = false;
		if (list_empty(&insight_hooked)) {
			tracepoint_probe_unregister(insight_tp_sys_enter,
						    insight_sys_enter, NULL);
			tracepoint_synchronize_unregister();
		} else {
			synchronize_rcu();
		}
	}
	WRITE_ONCE(s->release, true);	/* parked probes go on */
	smp_mb();	/* before wake_up_var()'s lockless look (see probe.c) */
	wake_up_var(&s->release);
	wait_var_event(&s->pending, !atomic_read(&s->pending));
	kvfree(s->input);
	s->input = NULL;
}

/*
 * OUTPUTS_GET: copy up to @max outputs of probe @id from sequence number
 * @start into @out; *@lost gets the outputs not kept.  Returns how many,
 * or -ENOENT for an unknown probe.  Caller holds insight_lock.
 */
int insight_outputs_read(struct insight_session *s, u32 id, u64 start,
			 struct insight_output_snap *out, u32 max, u64 *lost)
{
	struct insight_probe *p = insight_probe_get(s, id);
	struct insight_output *o;
	u32 n = 0;

	if (!p)
		return -ENOENT;
	spin_lock(&p->path.lock);
	list_for_each_entry(o, &p->outputs, node) {
		if (o->m.seq < start)
			continue;
		if (n == max)
			break;
		out[n].m = o->m;
		memcpy(out[n].data, o->data, o->m.captured);
		n++;
	}
	*lost = p->out_lost;
	spin_unlock(&p->path.lock);
	return n;
}

void insight_outputs_free(struct insight_probe *p)
{
	struct insight_output *o, *tmp;

	list_for_each_entry_safe(o, tmp, &p->outputs, node)
		kfree(o);
}
