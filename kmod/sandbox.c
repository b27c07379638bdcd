// SPDX-License-Identifier: GPL-2.0
/*
 * The probes' syscall sandbox: the shadow must not disturb production.
 *
 * A probe on the raw sys_enter tracepoint (registered while a session
 * intercepts syscalls) sees every syscall of the session's probes.  It
 * is default-deny, by the classes of include/insight/syscall_class.h
 * (the table is in Documentation/kmod.rst):
 * - a syscall with a fault rule for the probe is skipped, returning the
 *   rule's -errno (fault injection, kmod/fault.c);
 * - a copy's getpid(), and its first thread's gettid(), return the
 *   target's ids;
 * - side-effect-free calls run;
 * - every write-family call to an open fd, and a read of the replayed
 *   fd, is skipped, and a task_work finishes it in the task's own
 *   context on its way back to userspace, where user memory may fault:
 *   it captures the first bytes written and returns the length
 *   (kmod/output.c), or copies the replayed bytes at the probe's offset;
 *   a write to an eventfd no other process holds (one thread of the
 *   probe waking another) runs;
 * - a call that would change a description shared with another process
 *   (the target, other probes) is suppressed (returns 0) or refused;
 * - everything else, and every 32-bit (ia32) syscall, is refused with
 *   EPERM and recorded as a denied output.
 *
 * Skipping: the tracepoint sets orig_ax to -1; 6.1's syscall entry
 * re-reads the number after the tracepoint and runs nothing for -1,
 * leaving ax, the return value, as set here.  TWA_SIGNAL work runs first
 * thing in get_signal(), before any signal frame or syscall restart.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/rculist.h>
#include <linux/rcupdate_wait.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>
#include <asm/syscall.h>
#include <linux/fcntl.h>
#include <linux/futex.h>
#include <uapi/linux/memfd.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <insight/inject_args.h>
#include <insight/syscall_class.h>

#include "insight.h"
#include "sandbox.h"

unsigned int insight_max_outputs = 4096;
module_param_named(max_outputs, insight_max_outputs, uint, 0444);
MODULE_PARM_DESC(max_outputs, "Captured outputs kept per probe (default 4096)");

/* Sessions that intercept syscalls, read under RCU by the tracepoint. */
static LIST_HEAD(insight_hooked);
static struct tracepoint *insight_tp_sys_enter;
/*
 * Serialises changes of insight_hooked with the probe's (un)registration:
 * SANDBOX and FAULT_ADD hook under insight_lock, but a session's end
 * unhooks without it, and the first session's hook must not find the
 * probe still registered by the last one's end.
 */
static DEFINE_MUTEX(insight_hook_lock);

static void insight_skip(struct pt_regs *regs, long ret)
{
	regs->orig_ax = -1;
	regs->ax = ret;
}

/*
 * The callbacks below (and kmod/shared_maps.c's) end with the decrement
 * of s->pending that lets insight_sandbox_end() return, and a few
 * instructions of this module's text still run after it (wake_up_var(),
 * the return).  Module unload therefore waits for an RCU Tasks grace
 * period (insight_sandbox_exit()) once any session has hooked syscalls:
 * it ends only once every task has switched voluntarily or gone back to
 * userspace, which a task still in a callback has not.  Nothing after
 * the decrement touches the session (wake_up_var() only hashes its
 * address).
 */
static bool insight_works_queued;

/*
 * open or openat that would create or truncate a file: whether its path
 * names a file (seen from the task, as the call would see it) decides
 * (insight_syscall_open_fake()).  The call is then either made again (ax
 * the number, ip back over the syscall instruction: the return value is
 * the new call's) with O_CREAT cleared, or as memfd_create() of the
 * path (a path longer than memfd's 249-byte names fails with EINVAL),
 * or fails as it would have.  The file may come or go between the look
 * and the call: the call made again never creates one.
 */
static long insight_open_fake(struct insight_sys_work *w)
{
	bool at = w->nr == __NR_openat;
	struct pt_regs *regs = task_pt_regs(current);
	unsigned long flags = w->args[at ? 2 : 1];
	const char __user *name = (const char __user *)w->args[at ? 1 : 0];
	bool exists = false;
	struct path path;

	if (!(flags & __O_TMPFILE) &&
	    !user_path_at(at ? (int)w->args[0] : AT_FDCWD, name,
			  flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &path)) {
		exists = true;
		path_put(&path);
	}
	switch (insight_syscall_open_fake(flags, exists)) {
	case INSIGHT_OPEN_EEXIST:
		return -EEXIST;
	case INSIGHT_OPEN_ENOENT:
		return -ENOENT;
	case INSIGHT_OPEN_AGAIN:
		if (at)
			regs->dx &= ~(unsigned long)O_CREAT;
		else
			regs->si &= ~(unsigned long)O_CREAT;
		regs->ip -= 2;
		return w->nr;
	default:
		regs->di = (unsigned long)name;
		regs->si = flags & O_CLOEXEC ? MFD_CLOEXEC : 0;
		regs->ip -= 2;
		return __NR_memfd_create;
	}
}

/*
 * A call on a shared regular file or stream socket, at the probe's
 * position; a connect() of a shared socket, on a copy of the probe's own.
 */
static long insight_shared_call(struct insight_sys_work *w)
{
	struct file *file = fget(w->args[0]);
	bool sock;

	if (!file)
		return -EBADF;
	sock = S_ISSOCK(file_inode(file)->i_mode);
	fput(file);
	if (sock && w->nr == __NR_connect)
		return insight_sock_copy(w->p, w->nr, w->args);
	return sock ? insight_sockpos_call(w->s, w->p, w->nr, w->args) :
	       insight_fpos_call(w->p, w->nr, w->args);
}

static void insight_sys_work_run(struct callback_head *cb)
{
	struct insight_sys_work *w = container_of(cb, struct insight_sys_work, cb);
	struct insight_session *s = w->s;
	long ret;

	if (!current->mm)	/* not when it runs on the way out of exit */
		ret = -EIO;
	else if (w->kind == INSIGHT_SYSCALL_OPEN_CREAT)
		ret = insight_open_fake(w);
	else if (w->kind == INSIGHT_SYSCALL_SHARED_DENIED)
		ret = insight_shared_call(w);
	else if (insight_syscall_is_read(w->kind))
		ret = insight_replay(w);
	else
		ret = insight_capture(s, w->p, w->kind, w->nr, w->args);
	task_pt_regs(current)->ax = ret;
	kfree(w);
	if (atomic_dec_and_test(&s->pending))
		wake_up_var(&s->pending);
}

/*
 * A probe that has finished the request, in task context before it goes
 * back to userspace: it waits there (insight_park()).  The target parked
 * this way cannot take more of the replayed connection's readiness from
 * an epoll set its copies still share, nor serve real work meanwhile.
 */
static void insight_park_run(struct callback_head *cb)
{
	struct insight_sys_work *w = container_of(cb, struct insight_sys_work, cb);
	struct insight_session *s = w->s;

	if (current->mm)
		task_pt_regs(current)->ax = insight_park(s, w->nr);
	kfree(w);
	if (atomic_dec_and_test(&s->pending))
		wake_up_var(&s->pending);
}

/*
 * A counting filter of the mms of every probe of every session, read
 * without any lock by the tracepoint: a task whose bucket is empty is no
 * probe, and its syscall costs a hash and a load.  A probe's mm is
 * counted from its registration (insight_probe_new(), before it makes a
 * syscall as a probe) until the probe is freed; the probe holds the mm
 * (mmgrab) that long, so its address is not reused meanwhile.  A bucket
 * that is not empty only sends the task to the exact, locked lookup.
 */
#define INSIGHT_MM_BITS	8
static atomic_t insight_mm_filter[1 << INSIGHT_MM_BITS];

void insight_sandbox_track(struct mm_struct *mm)
{
	atomic_inc(&insight_mm_filter[hash_ptr(mm, INSIGHT_MM_BITS)]);
	smp_mb__after_atomic();	/* counted before the probe is listed */
}

void insight_sandbox_untrack(struct mm_struct *mm)
{
	atomic_dec(&insight_mm_filter[hash_ptr(mm, INSIGHT_MM_BITS)]);
}

static bool insight_mm_maybe_probe(struct mm_struct *mm)
{
	return atomic_read(&insight_mm_filter[hash_ptr(mm, INSIGHT_MM_BITS)]);
}

/* insight_fd_look(): the fd is open, shared, open for writing */
#define INSIGHT_FD_OPEN		BIT(0)
#define INSIGHT_FD_SHARED	BIT(1)
#define INSIGHT_FD_WRITE	BIT(2)
#define INSIGHT_FD_REG		BIT(3)
#define INSIGHT_FD_SOCK		BIT(4)
#define INSIGHT_FD_OWNPOS	BIT(5)	/* the probe has its own position in it */
#define INSIGHT_FD_STREAM	BIT(6)	/* a stream socket */
#define INSIGHT_FD_EVENTFD	BIT(7)	/* an eventfd */

/* How many fds of the current task's table name @file. */
static unsigned long insight_fd_refs(struct file *file)
{
	struct fdtable *fdt;
	unsigned long fd, n = 0;

	rcu_read_lock();
	fdt = files_fdtable(current->files);
	for_each_set_bit(fd, fdt->open_fds, fdt->max_fds)
		n += rcu_access_pointer(fdt->fd[fd]) == file;
	rcu_read_unlock();
	return n;
}

/* Whether @file is an eventfd (its f_op is not exported: ask eventfd). */
static bool insight_is_eventfd(struct file *file)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fileget(file);

	if (IS_ERR(ctx))
		return false;
	eventfd_ctx_put(ctx);	/* @file still holds the context */
	return true;
}

/*
 * What fd @fd of the current task names.  A description is the probe's
 * own when no other reference than its fd table's (one per fd naming
 * it: dup()s count) and ours, here, holds it: a fork copies the table,
 * each copy holding a reference, so whatever the target had at a fork
 * is shared with the probe and back.  Any other reference (another
 * table, an mmap, a file in flight in a unix socket, another thread's
 * syscall in progress) counts as shared too: that errs towards
 * suppressing.
 */
static unsigned int insight_fd_look(struct insight_probe *p, unsigned long fd)
{
	unsigned int how = INSIGHT_FD_OPEN;
	struct file *file;

	if (fd > INT_MAX)
		return 0;
	file = fget(fd);
	if (!file)
		return 0;
	if (file_count(file) > 1 + insight_fd_refs(file))
		how |= INSIGHT_FD_SHARED;
	if (file->f_mode & FMODE_WRITE)
		how |= INSIGHT_FD_WRITE;
	if (S_ISREG(file_inode(file)->i_mode))
		how |= INSIGHT_FD_REG;
	if (S_ISSOCK(file_inode(file)->i_mode)) {
		struct socket *sock = sock_from_file(file);

		how |= INSIGHT_FD_SOCK;
		if (sock && sock->type == SOCK_STREAM)
			how |= INSIGHT_FD_STREAM;
	}
	if ((how & (INSIGHT_FD_REG | INSIGHT_FD_STREAM)) &&
	    insight_fpos_has(p, file))
		how |= INSIGHT_FD_OWNPOS;
	if (insight_is_eventfd(file))
		how |= INSIGHT_FD_EVENTFD;
	fput(file);
	return how;
}

/* The module's own clone(CLONE_PARENT) at the trampoline (kmod/fork.c). */
static bool insight_tramp_clone(struct insight_session *s, long nr,
				const unsigned long *a, struct pt_regs *regs)
{
	unsigned long tramp = READ_ONCE(s->tramp_addr);

	/* at sys_enter ip is past the 2-byte syscall, the trampoline's first */
	return nr == __NR_clone && tramp && a[0] == CLONE_PARENT && !a[1] &&
	       regs->ip == tramp + 2;
}

enum insight_action {
	INSIGHT_RUN, INSIGHT_WORK, INSIGHT_SUPPRESS, INSIGHT_DENY, INSIGHT_ENOSYS,
};

/*
 * A SHARED_DENIED call on a description @how (insight_fd_look()): on the
 * probe's own it runs; a read or lseek of a shared regular file goes to
 * the probe's own position (kmod/fpos.c), and so does a read (read,
 * readv, preadv2, recvfrom, recvmsg) of a shared stream socket, a peer's
 * connection made before a fork: it peeks (kmod/sockpos.c); so they do
 * on one the probe has its own position in once shared (a description
 * stays shared for a probe once it has been: the description's own
 * position is stale for it, and references come and go); a connect() of
 * a shared socket is made on a copy of the probe's own (kmod/sockcopy.c:
 * an unconnected, unbound one; else denied there); the other calls
 * on a regular file fail there by themselves (ENOTSOCK, EINVAL) and run;
 * anything else shared (a datagram socket, a pipe, a directory,
 * recvmmsg) is denied.
 */
static enum insight_action insight_shared_action(long nr, unsigned int how)
{
	if (!(how & (INSIGHT_FD_SHARED | INSIGHT_FD_OWNPOS)))
		return INSIGHT_RUN;
	if ((how & INSIGHT_FD_SOCK) && nr == __NR_connect)
		return INSIGHT_WORK;	/* on a copy of its own (kmod/sockcopy.c) */
	if (how & INSIGHT_FD_STREAM)
		return nr == __NR_read || nr == __NR_readv ||
		       nr == __NR_preadv2 || nr == __NR_recvfrom ||
		       nr == __NR_recvmsg ?
		       INSIGHT_WORK : INSIGHT_DENY;
	if (!(how & INSIGHT_FD_REG))
		return INSIGHT_DENY;
	return nr == __NR_read || nr == __NR_readv || nr == __NR_preadv2 ||
	       nr == __NR_lseek ? INSIGHT_WORK : INSIGHT_RUN;
}

/*
 * A write to an eventfd no other process holds wakes a thread of the
 * probe's own (memcached's listener hands a connection to its worker
 * this way): it runs.  Any other write to an open fd is captured.
 */
static enum insight_action insight_write_action(struct insight_probe *p,
						long nr, unsigned long fd)
{
	unsigned int how = insight_fd_look(p, fd);

	if (!how)
		return INSIGHT_RUN;	/* a bad fd fails by itself */
	if (nr == __NR_write &&
	    (how & (INSIGHT_FD_EVENTFD | INSIGHT_FD_SHARED)) == INSIGHT_FD_EVENTFD)
		return INSIGHT_RUN;
	return INSIGHT_WORK;
}

/* What to do with syscall @nr (class @kind, arguments @a) of a probe. */
static enum insight_action insight_action(struct insight_session *s,
					  struct insight_probe *p,
					  enum insight_syscall_class kind,
					  long nr, const unsigned long *a,
					  struct pt_regs *regs)
{
	switch (kind) {
	case INSIGHT_SYSCALL_NONE:
		return INSIGHT_RUN;
	case INSIGHT_SYSCALL_READ:
	case INSIGHT_SYSCALL_READV:
	case INSIGHT_SYSCALL_RECVMSG:	/* of the replayed fd */
		return INSIGHT_WORK;
	case INSIGHT_SYSCALL_WRITE:
	case INSIGHT_SYSCALL_WRITEV:
	case INSIGHT_SYSCALL_SENDMSG:
	case INSIGHT_SYSCALL_SENDMMSG:
	case INSIGHT_SYSCALL_SENDFILE:
		return insight_write_action(p, nr, a[0]);
	case INSIGHT_SYSCALL_SHARED_SUPPRESS:
		return insight_fd_look(p, a[0]) & INSIGHT_FD_SHARED ?
		       INSIGHT_SUPPRESS : INSIGHT_RUN;
	case INSIGHT_SYSCALL_SHARED_DENIED:
		return insight_shared_action(nr, insight_fd_look(p, a[0]));
	case INSIGHT_SYSCALL_MMAP_SHARED:	/* could write to the file */
		return insight_fd_look(p, a[4]) & INSIGHT_FD_WRITE ?
		       INSIGHT_DENY : INSIGHT_RUN;
	case INSIGHT_SYSCALL_CLONE:
		return insight_tramp_clone(s, nr, a, regs) ? INSIGHT_RUN :
		       INSIGHT_DENY;
	case INSIGHT_SYSCALL_OPEN_CREAT:	/* faked, by whether it exists */
		return INSIGHT_WORK;
	case INSIGHT_SYSCALL_ENOSYS:
		return INSIGHT_ENOSYS;
	default:
		return INSIGHT_DENY;
	}
}

/* Refuse the syscall (EPERM) and record it as a denied output. */
static void insight_deny(struct insight_probe *p, struct pt_regs *regs,
			 long nr, unsigned long arg0, u32 flags)
{
	insight_skip(regs, -EPERM);
	insight_output_denied(p, nr, arg0, flags, GFP_ATOMIC | __GFP_NOWARN);
}

/* Skip the syscall; @fn finishes it in task context. */
static void insight_queue(struct insight_session *s, struct insight_probe *p,
			  struct pt_regs *regs, long nr, const unsigned long *a,
			  enum insight_syscall_class kind, task_work_func_t fn)
{
	struct insight_sys_work *w;

	w = kzalloc(sizeof(*w), GFP_ATOMIC | __GFP_NOWARN);
	if (!w) {
		insight_skip(regs, -ENOMEM);	/* never let it through */
		return;
	}
	w->s = s;
	w->p = p;
	w->kind = kind;
	w->nr = nr;
	memcpy(w->args, a, sizeof(w->args));
	init_task_work(&w->cb, fn);
	atomic_inc(&s->pending);
	if (task_work_add(current, &w->cb, TWA_SIGNAL)) {
		atomic_dec(&s->pending);
		kfree(w);
		insight_skip(regs, -ESRCH);	/* exiting */
		return;
	}
	insight_skip(regs, -EIO);	/* the work sets the result */
}

/*
 * A copy of the target is the target to itself: its getpid() is the
 * target's process id, and its first thread's gettid() the id of the
 * target thread it was copied from, so what it writes (a log line with
 * the pid, say) is what the target would write.  Other threads, created
 * by the copy, keep their own ids.  Whether @nr was answered so.
 */
static bool insight_as_target(struct insight_probe *p, struct pt_regs *regs, long nr)
{
	if (!p->id || !p->as_tgid)
		return false;
	if (nr == __NR_getpid) {
		insight_skip(regs, p->as_tgid);
		return true;
	}
	if (nr == __NR_gettid && thread_group_leader(current)) {
		insight_skip(regs, p->as_tid);
		return true;
	}
	return false;
}

/* In the sys_enter tracepoint (preemption off) for probe @p of @s. */
static void insight_sys_intercept(struct insight_session *s,
				  struct insight_probe *p, struct pt_regs *regs,
				  long nr)
{
	struct insight_syscall_ctx ctx = {
		.input_fd = s->input_fd, .target = !p->id,
	};
	enum insight_syscall_class kind;
	unsigned long a[6];
	u32 err;

	if (in_ia32_syscall()) {	/* rules and classes are x86-64 ones */
		if (READ_ONCE(s->sandbox) && !(p->done && !p->id))
			insight_deny(p, regs, nr, regs->bx, INSIGHT_OUTPUT_F_IA32);
		return;
	}
	err = insight_fault_of(s, p, nr, regs);
	if (err) {
		insight_skip(regs, -(long)err);
		return;
	}
	if (!READ_ONCE(s->sandbox))
		return;
	if (insight_as_target(p, regs, nr))
		return;
	if (p->id)
		insight_shared_mmap_enter(s, regs, nr);	/* kmod/shared_maps.c */
	syscall_get_arguments(current, regs, a);
	if (p->done) {
		if (!p->id)
			return;	/* its other threads: the target's own again */
	} else if (s->input_fd >= 0 && insight_request_done(s, p, nr, a[0])) {
		insight_queue(s, p, regs, nr, a, INSIGHT_SYSCALL_NONE,
			      insight_park_run);
		return;
	}
	ctx.self = task_tgid_vnr(current);
	kind = insight_syscall_sandbox(nr, (const u64 *)a, &ctx);
	switch (insight_action(s, p, kind, nr, a, regs)) {
	case INSIGHT_RUN:
		break;
	case INSIGHT_SUPPRESS:
		insight_skip(regs, 0);
		break;
	case INSIGHT_ENOSYS:
		/*
		 * Not run, and ax left as the syscall entry set it: the
		 * "no such system call" result of a number the kernel lacks.
		 */
		regs->orig_ax = -1;
		break;
	case INSIGHT_DENY:
		insight_deny(p, regs, nr, a[0], 0);
		break;
	case INSIGHT_WORK:
		insight_queue(s, p, regs, nr, a, kind, insight_sys_work_run);
		break;
	}
}

static void insight_sys_enter(void *data, struct pt_regs *regs, long nr)
{
	struct insight_session *s;
	struct insight_probe *p;

	if (!current->mm || !insight_mm_maybe_probe(current->mm))
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

/* A task_work of the module's may be queued from now (kmod/inject.c too). */
void insight_sandbox_works_queued(void)
{
	WRITE_ONCE(insight_works_queued, true);
}

/* Start intercepting @s's syscalls; the first session registers the probe. */
static int insight_hook(struct insight_session *s)
{
	int err;

	/* the x86_64 values include/insight/syscall_class.h spells out */
	BUILD_BUG_ON((INSIGHT_X86_O_CREAT ^ O_CREAT) |
		     (INSIGHT_X86_O_EXCL ^ O_EXCL) |
		     (INSIGHT_X86_O_TRUNC ^ O_TRUNC) |
		     (INSIGHT_X86_O_TMPFILE ^ __O_TMPFILE));
	BUILD_BUG_ON((INSIGHT_X86_MAP_TYPE ^ MAP_TYPE) |
		     (INSIGHT_X86_MAP_PRIVATE ^ MAP_PRIVATE) |
		     (INSIGHT_X86_MAP_ANONYMOUS ^ MAP_ANONYMOUS));
	BUILD_BUG_ON((INSIGHT_X86_MADV_REMOVE ^ MADV_REMOVE) |
		     (INSIGHT_X86_MADV_HWPOISON ^ MADV_HWPOISON) |
		     (INSIGHT_X86_MADV_SOFT_OFFLINE ^ MADV_SOFT_OFFLINE));
	BUILD_BUG_ON((INSIGHT_X86_FUTEX_WAIT ^ FUTEX_WAIT) |
		     (INSIGHT_X86_FUTEX_WAIT_BITSET ^ FUTEX_WAIT_BITSET) |
		     (INSIGHT_X86_FUTEX_PRIVATE_FLAG ^ FUTEX_PRIVATE_FLAG) |
		     (INSIGHT_X86_FUTEX_CLOCK_RT ^ FUTEX_CLOCK_REALTIME));
	BUILD_BUG_ON((INSIGHT_X86_CLONE_THREAD ^ CLONE_THREAD) |
		     (INSIGHT_X86_SEEK_SET ^ SEEK_SET) |
		     (INSIGHT_X86_SEEK_CUR ^ SEEK_CUR) |
		     (INSIGHT_X86_SEEK_END ^ SEEK_END) |
		     (INSIGHT_X86_SEEK_DATA ^ SEEK_DATA) |
		     (INSIGHT_X86_SEEK_HOLE ^ SEEK_HOLE));
	if (s->hooked)
		return 0;
	WRITE_ONCE(insight_works_queued, true);	/* task_work may come from now */
	mutex_lock(&insight_hook_lock);
	if (list_empty(&insight_hooked)) {
		if (!insight_tp_sys_enter)
			for_each_kernel_tracepoint(insight_find_tp, NULL);
		err = insight_tp_sys_enter ?
		      tracepoint_probe_register(insight_tp_sys_enter,
						insight_sys_enter, NULL) :
		      -EOPNOTSUPP;
		if (err) {
			mutex_unlock(&insight_hook_lock);
			return err;
		}
	}
	list_add_rcu(&s->hook, &insight_hooked);
	s->hooked = true;
	mutex_unlock(&insight_hook_lock);
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

int insight_fault_add(struct insight_session *s, u32 id, u32 nr, u32 err,
		      const char *path)
{
	struct insight_probe *p;
	int ret;

	if (path && insight_inject_path_arg(nr) < 0)
		return -EINVAL;
	p = insight_probe_get(s, id);
	if (!p)
		return -ENOENT;
	ret = insight_hook(s);
	if (ret)
		return ret;
	return insight_fault_store(s, p, nr, err, path);
}

/*
 * Stop intercepting: after this no tracepoint call sees @s, and every
 * intercepted call has been finished by its task (a skipped syscall goes
 * straight back towards userspace, where its work runs first).
 */
void insight_sandbox_end(struct insight_session *s)
{
	bool last;

	if (s->hooked) {
		mutex_lock(&insight_hook_lock);
		list_del_rcu(&s->hook);
		s->hooked = false;
		last = list_empty(&insight_hooked);
		if (last)
			tracepoint_probe_unregister(insight_tp_sys_enter,
						    insight_sys_enter, NULL);
		mutex_unlock(&insight_hook_lock);
		if (last)
			tracepoint_synchronize_unregister();
		else
			synchronize_rcu();
	}
	WRITE_ONCE(s->release, true);	/* parked probes go on */
	smp_mb();	/* before wake_up_var()'s lockless look (see probe.c) */
	wake_up_var(&s->release);
	wait_var_event(&s->pending, !atomic_read(&s->pending));
	kvfree(s->input);
	s->input = NULL;
}

/* Module unload, every session ended: see insight_works_queued. */
void insight_sandbox_exit(void)
{
	if (READ_ONCE(insight_works_queued))
		synchronize_rcu_tasks();
}

/* What the sandbox keeps of probe @p: its outputs, its reader, its rules. */
void insight_probe_sandbox_free(struct insight_probe *p)
{
	insight_faults_free(p);
	insight_outputs_free(p);
	put_pid(p->reader);
}
