// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox's outputs: what a probe wrote (captured, not written) and
 * what it was refused (denied outputs), kept per probe for OUTPUTS_GET.
 *
 * Captures run in the probe's own context, from the task_work that
 * finishes an intercepted syscall (kmod/sandbox.c), where user memory
 * may fault; a denied output is recorded from the tracepoint itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <insight/syscall_class.h>

#include "insight.h"

/*
 * Keep one output of probe @p: @captured bytes of @data, @len the call's
 * result.  Beyond max_outputs or the session's memory total (or without
 * memory) it is only counted.
 */
static void insight_output_keep(struct insight_probe *p,
				const struct insight_output_meta *m,
				const void *data, gfp_t gfp)
{
	size_t size = struct_size((struct insight_output *)NULL, data, m->captured);
	struct insight_output *o;

	o = kmalloc(size, gfp);
	if (o && !insight_mem_charge(p->path.session, size)) {
		kfree(o);
		o = NULL;
	}
	if (o) {
		o->m = *m;
		if (m->captured)
			memcpy(o->data, data, m->captured);
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
		insight_mem_uncharge(p->path.session, size);
	kfree(o);
}

static void insight_output_add(struct insight_probe *p, long nr, int fd,
			       u64 len, const void *data, u32 captured)
{
	struct insight_output_meta m = {
		.nr = nr, .fd = fd, .len = len, .captured = captured,
	};

	insight_output_keep(p, &m, data, GFP_KERNEL);
}

/**
 * insight_output_denied() - record that probe @p was refused a syscall
 * @p: the probe
 * @nr: the syscall number (an ia32 one with %INSIGHT_OUTPUT_F_IA32)
 * @arg0: its first argument, kept as the output's fd
 * @flags: %INSIGHT_OUTPUT_F_IA32 or 0
 * @gfp: GFP_ATOMIC from the tracepoint
 */
void insight_output_denied(struct insight_probe *p, long nr,
			   unsigned long arg0, u32 flags, gfp_t gfp)
{
	struct insight_output_meta m = {
		.nr = nr, .fd = arg0, .flags = INSIGHT_OUTPUT_F_DENIED | flags,
	};

	insight_output_keep(p, &m, NULL, gfp);
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

/* The iovecs of the msghdr at @umsg. */
static int insight_msg_capture(const struct user_msghdr __user *umsg, u8 *buf,
			       u32 cap, u64 *len, u32 *got)
{
	struct user_msghdr msg;

	*len = 0;
	*got = 0;
	if (copy_from_user(&msg, umsg, sizeof(msg)))
		return -EFAULT;
	return insight_iov_capture(msg.msg_iov, msg.msg_iovlen, buf, cap, len, got);
}

/*
 * sendmmsg(fd, msgvec, vlen): one output per message, each message's
 * msg_len set as if it had been sent; returns how many were.
 */
static long insight_capture_mmsg(struct insight_session *s,
				 struct insight_probe *p, const unsigned long *a,
				 u8 *buf)
{
	struct mmsghdr __user *umm = (void __user *)a[1];
	unsigned int i, vlen = min_t(unsigned long, a[2], UIO_MAXIOV);
	u64 len;
	u32 got;
	int err;

	for (i = 0; i < vlen; i++) {
		err = insight_msg_capture(&umm[i].msg_hdr, buf, s->capture,
					  &len, &got);
		if (!err && put_user((unsigned int)len, &umm[i].msg_len))
			err = -EFAULT;
		if (err)
			return i ? i : err;
		insight_output_add(p, __NR_sendmmsg, a[0], len, buf, got);
	}
	return i;
}

/*
 * sendfile(out, in, offset, count) from a regular file, with an offset:
 * the bytes it would send are read at *offset (kernel_read() at that
 * position: the file's own does not move) and captured, and *offset
 * moves by the length, as sendfile() does.  Anything else (not a
 * regular file; no offset, which would move the file's own position,
 * shared with the target) is refused.
 */
static long insight_capture_sendfile(struct insight_session *s,
				     struct insight_probe *p,
				     const unsigned long *a, u8 *buf)
{
	loff_t __user *uoff = (void __user *)a[2];
	struct file *in = fget(a[1]);
	loff_t pos, size, rpos;
	long n = -EPERM;
	ssize_t got = 0;

	if (!in)
		return -EBADF;
	if (!S_ISREG(file_inode(in)->i_mode) || !(in->f_mode & FMODE_READ) ||
	    !uoff)
		goto out;
	if (get_user(pos, uoff)) {
		n = -EFAULT;
		goto out;
	}
	size = i_size_read(file_inode(in));
	n = pos < 0 ? -EINVAL : min_t(u64, a[3], pos < size ? size - pos : 0);
	if (n <= 0)
		goto out;
	rpos = pos;
	got = kernel_read(in, buf, min_t(long, n, s->capture), &rpos);
	if (got < 0) {
		n = got;
		goto out;
	}
	if (put_user(pos + n, uoff))
		n = -EFAULT;
out:
	fput(in);
	if (n == -EPERM)
		insight_output_denied(p, __NR_sendfile, a[0], 0, GFP_KERNEL);
	else if (n >= 0)
		insight_output_add(p, __NR_sendfile, a[0], n, buf, got);
	return n;
}

/**
 * insight_capture() - a suppressed output: keep its first bytes
 * @s: the session
 * @p: the probe, the current task
 * @kind: an output class (insight_syscall_is_output())
 * @nr: the syscall
 * @a: its arguments
 *
 * Return: what the call would have returned, or -errno.
 */
long insight_capture(struct insight_session *s, struct insight_probe *p,
		     enum insight_syscall_class kind, long nr,
		     const unsigned long *a)
{
	u64 len = 0;
	u32 got = 0;
	long err = 0;
	u8 *buf;

	buf = kmalloc(max(s->capture, 1U), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	switch (kind) {
	case INSIGHT_SYSCALL_WRITE:
		len = a[2];
		got = min_t(u64, len, s->capture);
		if (got && copy_from_user(buf, (void __user *)a[1], got))
			err = -EFAULT;
		break;
	case INSIGHT_SYSCALL_WRITEV:
		err = insight_iov_capture((void __user *)a[1], a[2], buf,
					  s->capture, &len, &got);
		break;
	case INSIGHT_SYSCALL_SENDMSG:
		err = insight_msg_capture((void __user *)a[1], buf, s->capture,
					  &len, &got);
		break;
	case INSIGHT_SYSCALL_SENDMMSG:
		len = insight_capture_mmsg(s, p, a, buf);
		kfree(buf);
		return len;
	default:	/* sendfile */
		len = insight_capture_sendfile(s, p, a, buf);
		kfree(buf);
		return len;
	}
	insight_output_add(p, nr, a[0], err ? 0 : len, buf, err ? 0 : got);
	kfree(buf);
	return err ? err : (long)len;
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
