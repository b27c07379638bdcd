// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's sandbox, at syscall stops, with insight.ko's
 * default-deny classes (include/insight/syscall_class.h).  At the enter
 * stop a write to any open fd is captured (but one to an eventfd no other
 * process holds runs, fds.c), a read of the replayed fd is
 * served from the input, a call on a shared description is suppressed
 * (0) or refused, and every other refused call, and every 32-bit one
 * (PTRACE_GET_SYSCALL_INFO's arch), is a denied output (EPERM); each is
 * then skipped (orig_rax = -1) and its result set at the exit stop.  An
 * open that would create or truncate a file is faked (fds.c looks the
 * path up).  A fault rule of the probe (fault.c) comes first; then a
 * copy's getpid(), and its first thread's gettid(), get the target's ids.
 * A probe that finished the request is parked at the enter stop of the
 * syscall that tells so, that syscall not made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <sched.h>

#include "ptrace.h"

enum pt_verdict { PT_RUN, PT_EMULATE, PT_PARK, PT_WAIT };

_Static_assert(INSIGHT_X86_O_CREAT == O_CREAT && INSIGHT_X86_O_EXCL == O_EXCL &&
	       INSIGHT_X86_O_TRUNC == O_TRUNC && INSIGHT_X86_O_TMPFILE == (O_TMPFILE & ~O_DIRECTORY),
	       "open flags");
_Static_assert(INSIGHT_X86_MAP_PRIVATE == MAP_PRIVATE && INSIGHT_X86_MAP_TYPE == MAP_TYPE &&
	       INSIGHT_X86_MAP_ANONYMOUS == MAP_ANONYMOUS && INSIGHT_X86_MADV_REMOVE == MADV_REMOVE &&
	       INSIGHT_X86_MADV_HWPOISON == MADV_HWPOISON, "mmap flags");
_Static_assert(INSIGHT_X86_CLONE_THREAD == CLONE_THREAD && INSIGHT_X86_SEEK_CUR == SEEK_CUR,
	       "clone, lseek");

/* Keep output slot for @p: in its list, or (past PT_MAX_OUTPUTS) a spare that is only counted. */
static struct xb_output *pt_out_slot(struct pt_probe *p, bool *kept)
{
	static struct xb_output spare;
	struct xb_output *arr;

	arr = p->nout < PT_MAX_OUTPUTS ? pt_grow(p->out, &p->aout, p->nout + 1, sizeof(*arr)) :
	      NULL;
	*kept = arr;
	if (arr)
		p->out = arr;
	return arr ? &arr[p->nout] : &spare;
}

/* Number output @o of @p (syscall @nr, fd @fd) and keep it (or count it lost). */
static void pt_out_done(struct pt_probe *p, struct xb_output *o, bool kept, long nr, long fd)
{
	o->seq = p->nout + p->out_lost;
	o->decisions = pt_next_seq(p);
	o->nr = nr;
	o->fd = fd;
	if (kept)
		p->nout++;
	else
		p->out_lost++;
}

/* A refused call of @p: a denied output (@flags XB_OUT_IA32 or 0). */
static void pt_deny(struct pt_probe *p, long nr, long arg0, uint32_t flags)
{
	bool kept;
	struct xb_output *o = pt_out_slot(p, &kept);

	o->len = 0;
	o->captured = 0;
	o->flags = XB_OUT_DENIED | flags;
	pt_out_done(p, o, kept, nr, arg0);
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

/* sendmmsg: one output per message, its msg_len set; how many were "sent". */
static long pt_capture_mmsg(struct pt_task *t, const struct user_regs_struct *r)
{
	uint64_t vlen = r->rdx < PT_IOV_MAX ? r->rdx : PT_IOV_MAX, i;
	struct mmsghdr mm;
	struct xb_output *o;
	unsigned int len;
	bool kept;
	int err;

	for (i = 0; i < vlen; i++) {
		uint64_t at = r->rsi + i * sizeof(mm);

		if (pt_peek(t->tid, at, &mm, sizeof(mm)) != sizeof(mm))
			return i ? (long)i : -EFAULT;
		o = pt_out_slot(t->probe, &kept);
		*o = (struct xb_output){ 0 };
		err = pt_capture_iov(t->tid, (uintptr_t)mm.msg_hdr.msg_iov,
				     mm.msg_hdr.msg_iovlen, o);
		len = o->len;
		if (!err && pt_poke(t->tid, at + offsetof(struct mmsghdr, msg_len), &len,
				    sizeof(len)) != sizeof(len))
			err = -EFAULT;
		if (err)
			return i ? (long)i : err;
		pt_out_done(t->probe, o, kept, r->orig_rax, r->rdi);
	}
	return i;
}

/*
 * sendfile(out, in, &offset, count) from a regular file: the bytes are
 * read at the offset through /proc/TID/fd/IN and captured, the offset
 * moved.  Without an offset, or from anything else, it is refused.
 */
static long pt_capture_sendfile(struct pt_task *t, const struct user_regs_struct *r)
{
	struct pt_probe *p = t->probe;
	struct xb_output *o;
	char path[64];
	struct stat st;
	int64_t pos;
	long n;
	bool kept;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", t->tid, (int)r->rsi);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -EBADF;
	if (!r->rdx || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		pt_deny(p, r->orig_rax, r->rdi, 0);
		return -EPERM;
	}
	n = -EFAULT;
	if (pt_peek(t->tid, r->rdx, &pos, sizeof(pos)) == sizeof(pos)) {
		n = pos < 0 ? -EINVAL : pos < st.st_size ? st.st_size - pos : 0;
		n = n > 0 && (uint64_t)n > r->r10 ? (long)r->r10 : n;
	}
	if (n > 0) {
		pos += n;
		if (pt_poke(t->tid, r->rdx, &pos, sizeof(pos)) != sizeof(pos))
			n = -EFAULT;
	}
	if (n >= 0) {
		o = pt_out_slot(p, &kept);
		o->len = n;
		o->flags = 0;
		o->captured = 0;
		if (n) {
			ssize_t got = pread(fd, o->data, n < XB_CAPTURE_MAX ? n : XB_CAPTURE_MAX,
					    pos - n);

			o->captured = got > 0 ? got : 0;
		}
		pt_out_done(p, o, kept, r->orig_rax, r->rdi);
	}
	close(fd);
	return n;
}

/*
 * A suppressed write: keep its first bytes, return what it would have.
 * Past PT_MAX_OUTPUTS (or without memory) it is captured into a spare
 * and only counted (out_lost), so that its result is still right.
 */
static long pt_capture(struct pt_task *t, enum insight_syscall_class kind,
		       const struct user_regs_struct *r)
{
	struct pt_probe *p = t->probe;
	struct msghdr msg;
	struct xb_output *o;
	bool kept;
	int err = 0;

	if (kind == INSIGHT_SYSCALL_SENDMMSG)
		return pt_capture_mmsg(t, r);
	if (kind == INSIGHT_SYSCALL_SENDFILE)
		return pt_capture_sendfile(t, r);
	o = pt_out_slot(p, &kept);
	o->len = 0;
	o->captured = 0;
	o->flags = 0;
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
	default:	/* sendmsg */
		if (pt_peek(t->tid, r->rsi, &msg, sizeof(msg)) != sizeof(msg))
			err = -EFAULT;
		else
			err = pt_capture_iov(t->tid, (uintptr_t)msg.msg_iov, msg.msg_iovlen, o);
		break;
	}
	if (err) {
		o->len = 0;
		o->captured = 0;
	}
	pt_out_done(p, o, kept, r->orig_rax, r->rdi);
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

/* The head of the kernel's struct ptrace_syscall_info (<linux/ptrace.h>). */
struct pt_syscall_info {
	uint8_t op;
	uint8_t pad[3];
	uint32_t arch;
	uint64_t rest[10];
};
#define PT_AUDIT_ARCH_I386	0x40000003U	/* <linux/audit.h> */

/* Whether @tid, at a syscall-enter stop, makes a 32-bit (ia32) syscall. */
static bool pt_ia32_syscall(pid_t tid)
{
	struct pt_syscall_info info = { 0 };

	return ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) > 0 &&
	       info.arch == PT_AUDIT_ARCH_I386;
}

static int pt_poke_reg(pid_t tid, size_t off, uint64_t v)
{
	return ptrace(PTRACE_POKEUSER, tid, off, (void *)v) ? -errno : 0;
}

/*
 * An open that would create or truncate a file, faked as insight.ko does
 * (insight_syscall_open_fake()): made with O_CREAT cleared, or as
 * memfd_create(path), or failed as it would have.  PT_EMULATE with
 * t->emul_ret, or PT_RUN with the registers changed.
 */
static enum pt_verdict pt_open_fake(struct pt_task *t, const struct user_regs_struct *r)
{
	bool at = r->orig_rax == SYS_openat;
	uint64_t flags = at ? r->rdx : r->rsi;
	size_t freg = at ? offsetof(struct user, regs.rdx) : offsetof(struct user, regs.rsi);
	bool exists = !(flags & INSIGHT_X86_O_TMPFILE) && pt_open_exists(t->tid, r);
	int err = 0;

	switch (insight_syscall_open_fake(flags, exists)) {
	case INSIGHT_OPEN_EEXIST:
		t->emul_ret = -EEXIST;
		return PT_EMULATE;
	case INSIGHT_OPEN_ENOENT:
		t->emul_ret = -ENOENT;
		return PT_EMULATE;
	case INSIGHT_OPEN_AGAIN:
		err = pt_poke_reg(t->tid, freg, flags & ~(uint64_t)O_CREAT);
		break;
	default:
		err = pt_poke_reg(t->tid, offsetof(struct user, regs.orig_rax), SYS_memfd_create) ?:
		      pt_poke_reg(t->tid, offsetof(struct user, regs.rdi), at ? r->rsi : r->rdi) ?:
		      pt_poke_reg(t->tid, offsetof(struct user, regs.rsi),
				  flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
		break;
	}
	if (err) {		/* never let it through as it was */
		t->emul_ret = err;
		return PT_EMULATE;
	}
	return PT_RUN;
}

/*
 * A SHARED_DENIED call of @t (@r) on a shared socket: a read of a stream
 * socket at the probe's own position (sockpos.c), or a wait for one; a
 * connect on a copy of the probe's own (sockcopy.c); anything else
 * denied.
 */
static enum pt_verdict pt_shared_socket(struct pt_task *t, const struct user_regs_struct *r)
{
	long nr = r->orig_rax;

	if (nr == SYS_connect && pt_sock_copy_start(t, r))
		return PT_RUN;	/* as socket(): the copy, the connect again */
	if (nr == SYS_read || nr == SYS_readv || nr == SYS_preadv2 || nr == SYS_recvfrom ||
	    nr == SYS_recvmsg) {
		switch (pt_sockpos_call(t, r, &t->emul_ret)) {
		case PT_SOCKPOS_DONE:
			if (t->emul_ret != -EPERM)
				return PT_EMULATE;
			break;
		case PT_SOCKPOS_WAIT:
			return PT_WAIT;
		default:
			break;
		}
	}
	pt_deny(t->probe, nr, r->rdi, 0);
	t->emul_ret = -EPERM;
	return PT_EMULATE;
}

/*
 * Make @t's syscall (@r, at its enter stop) a poll(NULL, 0, PT_SLICE_MS)
 * and, at its exit stop, the syscall again (pt_retry()).
 */
static void pt_wait_then_retry(struct pt_task *t, const struct user_regs_struct *r)
{
	struct user_regs_struct w = *r;

	t->retry_regs = *r;
	t->retry_regs.rip -= 2;		/* the syscall instruction */
	t->retry_regs.rax = r->orig_rax;
	w.orig_rax = SYS_poll;
	w.rdi = 0;
	w.rsi = 0;
	w.rdx = PT_SLICE_MS;
	if (!ptrace(PTRACE_SETREGS, t->tid, NULL, &w))
		t->retrying = true;
}

/* After the wait pt_wait_then_retry() made, at any stop: the syscall again. */
void pt_retry(struct pt_task *t)
{
	if (t->retrying) {
		t->retrying = false;
		ptrace(PTRACE_SETREGS, t->tid, NULL, &t->retry_regs);
	}
}

/* The verdict on class @kind of @t's syscall (@r): run it, or emulate it (t->emul_ret). */
static enum pt_verdict pt_class_verdict(struct xb *b, struct pt_task *t,
					enum insight_syscall_class kind,
					const struct user_regs_struct *r)
{
	long fd = (long)r->rdi;

	switch (kind) {
	case INSIGHT_SYSCALL_NONE:
		return PT_RUN;
	case INSIGHT_SYSCALL_READ:
	case INSIGHT_SYSCALL_READV:
	case INSIGHT_SYSCALL_RECVMSG:	/* of the replayed fd */
		t->emul_ret = pt_replay(b, t, kind, r);
		return PT_EMULATE;
	case INSIGHT_SYSCALL_WRITE:
	case INSIGHT_SYSCALL_WRITEV:
	case INSIGHT_SYSCALL_SENDMSG:
	case INSIGHT_SYSCALL_SENDMMSG:
	case INSIGHT_SYSCALL_SENDFILE:	/* a bad fd fails by itself */
		if (!pt_fd_open(t->tid, fd))
			return PT_RUN;
		if (r->orig_rax == SYS_write && pt_fd_own_eventfd(t, fd))
			return PT_RUN;	/* a thread of its own woken */
		t->emul_ret = pt_capture(t, kind, r);
		return PT_EMULATE;
	case INSIGHT_SYSCALL_SHARED_SUPPRESS:
		if (!pt_fd_shared(b, t, fd))
			return PT_RUN;
		t->emul_ret = 0;
		return PT_EMULATE;
	case INSIGHT_SYSCALL_SHARED_DENIED:
		if (!pt_fd_shared(b, t, fd) && !pt_fpos_has(t, fd))
			return PT_RUN;
		if (pt_fd_is_socket(t->tid, fd))	/* a peer's connection */
			return pt_shared_socket(t, r);
		switch (pt_fpos_call(t, r, &t->emul_ret)) {	/* a regular file */
		case PT_FPOS_RUN:
			return PT_RUN;
		case PT_FPOS_DONE:	/* at its own position, unless out of slots */
			if (t->emul_ret != -EPERM)
				return PT_EMULATE;
			break;
		default:
			break;
		}
		break;
	case INSIGHT_SYSCALL_MMAP_SHARED:
		if (!pt_fd_writable(t->tid, (long)r->r8))
			return PT_RUN;
		break;
	case INSIGHT_SYSCALL_OPEN_CREAT:
		return pt_open_fake(t, r);
	case INSIGHT_SYSCALL_ENOSYS:	/* clone3: libc falls back to clone */
		t->emul_ret = -ENOSYS;
		return PT_EMULATE;
	default:	/* DENIED; CLONE: the backend's own clones are injected, unseen here */
		break;
	}
	pt_deny(t->probe, r->orig_rax, fd, 0);
	t->emul_ret = -EPERM;
	return PT_EMULATE;
}

/* At the syscall-enter stop of @t (registers @r): what to do with the syscall. */
static enum pt_verdict pt_sandbox(struct xb *b, struct pt_task *t,
				  const struct user_regs_struct *r)
{
	struct pt_probe *p = t->probe;
	long nr = r->orig_rax;
	const __u64 a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	struct insight_syscall_ctx c = { .self = p->pid, .input_fd = b->in_fd, .target = !p->id };
	int fd = r->rdi;

	if (!p->id && p->done)
		return PT_RUN;		/* its other threads: the target's own again */
	if (pt_ia32_syscall(t->tid)) {	/* the classes are x86-64 ones */
		pt_deny(p, nr, r->rbx, XB_OUT_IA32);
		t->emul_ret = -EPERM;
		return PT_EMULATE;
	}
	t->emul_ret = -pt_fault_of(t, nr, a);	/* fault.c: before the classes */
	if (t->emul_ret)
		return PT_EMULATE;
	/* a copy of the target is the target to itself: its ids are the target's */
	if (p->id && p->as_tgid && nr == SYS_getpid) {
		t->emul_ret = p->as_tgid;
		return PT_EMULATE;
	}
	if (p->id && p->as_tgid && nr == SYS_gettid && t->tid == p->pid) {
		t->emul_ret = p->as_tid;
		return PT_EMULATE;
	}
	if (b->in_fd >= 0 && !p->done &&
	    (insight_syscall_idle_fork(nr, p->id, p->in_off) ||
	     insight_syscall_request_done(nr, fd, b->in_fd, p->in_off, b->input_len))) {
		p->done = true;
		pt_event(b, (struct xb_event){ .kind = XB_EV_DONE, .probe = p->id });
		return PT_PARK;	/* the target until close, a probe until killed */
	}
	return pt_class_verdict(b, t, insight_syscall_sandbox(nr, a, &c), r);
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
		if (t->copying)
			pt_sock_copy_finish(b, t);
		pt_retry(t);
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
		case PT_WAIT:
			pt_wait_then_retry(t, &r);
			break;
		case PT_RUN:
			break;
		}
	}
	pt_cont(t, 0);
}
