/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sandbox does with each x86_64 syscall (see INSIGHT_CMD_SANDBOX
 * in include/uapi/linux/insight.h and the table in Documentation/kmod.rst):
 * it is default-deny.  Side-effect-free calls run; every write-family
 * call is captured and suppressed; reads of the replayed fd are served
 * from the input; calls on descriptions other processes share are
 * suppressed or refused; every other call, and every number not named
 * here, is refused (EPERM) and recorded as a denied output.  Waiting for
 * new work ends a request.
 *
 * One implementation for insight.ko's sandbox and the ptrace backend's,
 * built unchanged under Kbuild and in userspace: <asm/unistd.h> gives
 * __NR_* in both.  The few flag values the arguments are compared with
 * are x86_64 ABI constants, spelled out here (INSIGHT_X86_*) because the
 * kernel's and libc's headers that define them cannot be included
 * together; each backend checks them against its own headers.
 */
#ifndef _INSIGHT_SYSCALL_CLASS_H
#define _INSIGHT_SYSCALL_CLASS_H

#ifndef __KERNEL__
#include <stdbool.h>
#endif
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/unistd.h>

/* x86_64 ABI values of the flags the sandbox looks at */
#define INSIGHT_X86_O_CREAT		00000100
#define INSIGHT_X86_O_EXCL		00000200
#define INSIGHT_X86_O_TRUNC		00001000
#define INSIGHT_X86_O_TMPFILE		020000000	/* __O_TMPFILE */
#define INSIGHT_X86_MAP_TYPE		0x0f		/* MAP_SHARED ... */
#define INSIGHT_X86_MAP_PRIVATE		0x02
#define INSIGHT_X86_MAP_ANONYMOUS	0x20
#define INSIGHT_X86_MADV_REMOVE		9
#define INSIGHT_X86_MADV_HWPOISON	100
#define INSIGHT_X86_MADV_SOFT_OFFLINE	101
#define INSIGHT_X86_FUTEX_WAIT		0
#define INSIGHT_X86_FUTEX_WAIT_BITSET	9
#define INSIGHT_X86_FUTEX_PRIVATE_FLAG	128
#define INSIGHT_X86_FUTEX_CLOCK_RT	256
#define INSIGHT_X86_CLONE_THREAD	0x00010000
#define INSIGHT_X86_SEEK_SET		0
#define INSIGHT_X86_SEEK_CUR		1
#define INSIGHT_X86_SEEK_END		2
#define INSIGHT_X86_SEEK_DATA		3
#define INSIGHT_X86_SEEK_HOLE		4

/**
 * enum insight_syscall_class - what the sandbox does with a syscall
 * @INSIGHT_SYSCALL_NONE: nothing: it runs (side-effect free, or its
 *	effects stay in the probe)
 * @INSIGHT_SYSCALL_WRITE: an output of (fd, buf, len): write, pwrite64,
 *	sendto
 * @INSIGHT_SYSCALL_WRITEV: an output of (fd, iov, iovcnt): writev,
 *	pwritev, pwritev2
 * @INSIGHT_SYSCALL_SENDMSG: an output of (fd, msghdr): sendmsg
 * @INSIGHT_SYSCALL_SENDMMSG: one output per message of (fd, mmsghdr,
 *	vlen): sendmmsg
 * @INSIGHT_SYSCALL_SENDFILE: an output of (out, in, offset, count) read
 *	from a regular file at the offset: sendfile
 * @INSIGHT_SYSCALL_READ: an input into (fd, buf, len): read, pread64,
 *	recvfrom
 * @INSIGHT_SYSCALL_READV: an input into (fd, iov, iovcnt): readv, preadv,
 *	preadv2
 * @INSIGHT_SYSCALL_RECVMSG: an input into (fd, msghdr): recvmsg
 * @INSIGHT_SYSCALL_DENIED: refused: fails with EPERM, recorded as a
 *	denied output
 * @INSIGHT_SYSCALL_SHARED_SUPPRESS: on a description shared with another
 *	process, returns 0 without running; on the probe's own, runs
 * @INSIGHT_SYSCALL_SHARED_DENIED: on a shared description, DENIED; on the
 *	probe's own, runs
 * @INSIGHT_SYSCALL_MMAP_SHARED: a MAP_SHARED mapping of a file: DENIED if
 *	the description is open for writing, else runs
 * @INSIGHT_SYSCALL_CLONE: a new process: DENIED, except the module's own
 *	trampoline clone (which the backend recognises)
 * @INSIGHT_SYSCALL_ENOSYS: clone3: fails with ENOSYS, as on a kernel
 *	without it, and is not recorded: libc then makes its threads with
 *	clone, whose rules apply (its flags are in a register, clone3's in
 *	memory the tracepoint cannot read)
 * @INSIGHT_SYSCALL_OPEN_CREAT: open or openat that would create or
 *	truncate a file (O_CREAT, O_TRUNC, O_TMPFILE): faked, by whether
 *	the file exists (see insight_syscall_open_fake())
 */
enum insight_syscall_class {
	INSIGHT_SYSCALL_NONE,
	INSIGHT_SYSCALL_WRITE,
	INSIGHT_SYSCALL_WRITEV,
	INSIGHT_SYSCALL_SENDMSG,
	INSIGHT_SYSCALL_SENDMMSG,
	INSIGHT_SYSCALL_SENDFILE,
	INSIGHT_SYSCALL_READ,
	INSIGHT_SYSCALL_READV,
	INSIGHT_SYSCALL_RECVMSG,
	INSIGHT_SYSCALL_DENIED,
	INSIGHT_SYSCALL_SHARED_SUPPRESS,
	INSIGHT_SYSCALL_SHARED_DENIED,
	INSIGHT_SYSCALL_MMAP_SHARED,
	INSIGHT_SYSCALL_CLONE,
	INSIGHT_SYSCALL_ENOSYS,
	INSIGHT_SYSCALL_OPEN_CREAT,
};

/* Side-effect free, or with effects private to the probe: they run. */
static inline bool insight_syscall_runs(__s64 nr)
{
	switch (nr) {
	/* descriptors of its own table, waits, memory of its own */
	case __NR_close: case __NR_close_range: case __NR_dup: case __NR_dup2:
	case __NR_dup3: case __NR_pipe: case __NR_pipe2: case __NR_socket:
	case __NR_socketpair: case __NR_epoll_create: case __NR_epoll_create1:
	case __NR_eventfd: case __NR_eventfd2: case __NR_timerfd_create:
	case __NR_timerfd_gettime: case __NR_inotify_init:
	case __NR_inotify_init1: case __NR_memfd_create: case __NR_memfd_secret:
	case __NR_pidfd_open: case __NR_poll: case __NR_ppoll: case __NR_select:
	case __NR_pselect6: case __NR_epoll_wait: case __NR_epoll_pwait:
	case __NR_epoll_pwait2: case __NR_mprotect: case __NR_pkey_mprotect: case __NR_pkey_alloc:
	case __NR_pkey_free: case __NR_munmap: case __NR_brk: case __NR_mremap:
	case __NR_msync: case __NR_mincore: case __NR_mlock: case __NR_mlock2:
	case __NR_munlock: case __NR_mlockall: case __NR_munlockall:
	case __NR_set_mempolicy: case __NR_get_mempolicy:
	/* file-system reads */
	case __NR_stat: case __NR_fstat: case __NR_lstat: case __NR_newfstatat:
	case __NR_statx: case __NR_statfs: case __NR_fstatfs: case __NR_ustat:
	case __NR_sysfs: case __NR_access: case __NR_faccessat:
	case __NR_faccessat2:
	case __NR_getcwd: case __NR_chdir: case __NR_fchdir: case __NR_readlink:
	case __NR_readlinkat: case __NR_getxattr: case __NR_lgetxattr:
	case __NR_fgetxattr: case __NR_listxattr: case __NR_llistxattr:
	case __NR_flistxattr: case __NR_name_to_handle_at: case __NR_umask:
	case __NR_readahead: case __NR_fadvise64: case __NR_fsync:
	case __NR_fdatasync: case __NR_sync: case __NR_syncfs:
	case __NR_sync_file_range: case __NR_getsockname: case __NR_getpeername:
	case __NR_getsockopt:
	/* the process itself: ids, signals, time, limits, scheduling */
	case __NR_getpid: case __NR_gettid: case __NR_getppid: case __NR_getuid:
	case __NR_geteuid: case __NR_getgid: case __NR_getegid:
	case __NR_getresuid: case __NR_getresgid: case __NR_getgroups:
	case __NR_getpgid: case __NR_getpgrp: case __NR_getsid: case __NR_setuid:
	case __NR_setgid: case __NR_setreuid: case __NR_setregid:
	case __NR_setresuid: case __NR_setresgid: case __NR_setfsuid:
	case __NR_setfsgid: case __NR_setgroups: case __NR_capget:
	case __NR_capset: case __NR_rt_sigaction: case __NR_rt_sigprocmask:
	case __NR_rt_sigreturn: case __NR_rt_sigpending:
	case __NR_rt_sigtimedwait: case __NR_rt_sigsuspend:
	case __NR_sigaltstack: case __NR_pause: case __NR_nanosleep:
	case __NR_clock_nanosleep: case __NR_alarm: case __NR_getitimer:
	case __NR_setitimer: case __NR_timer_create: case __NR_timer_settime:
	case __NR_timer_gettime: case __NR_timer_getoverrun:
	case __NR_timer_delete: case __NR_clock_gettime: case __NR_clock_getres:
	case __NR_gettimeofday: case __NR_time: case __NR_times:
	case __NR_getrusage: case __NR_getrlimit: case __NR_setrlimit:
	case __NR_sysinfo: case __NR_uname: case __NR_getrandom:
	case __NR_getcpu: case __NR_getpriority: case __NR_sched_yield:
	case __NR_sched_getparam: case __NR_sched_getscheduler:
	case __NR_sched_getaffinity: case __NR_sched_getattr:
	case __NR_sched_get_priority_max: case __NR_sched_get_priority_min:
	case __NR_sched_rr_get_interval: case __NR_personality: case __NR_prctl:
	case __NR_arch_prctl: case __NR_set_thread_area:
	case __NR_get_thread_area: case __NR_set_tid_address:
	case __NR_set_robust_list: case __NR_get_robust_list: case __NR_rseq:
	case __NR_restart_syscall: case __NR_membarrier: case __NR_futex_waitv:
	case __NR_seccomp: case __NR_landlock_create_ruleset:
	case __NR_landlock_add_rule: case __NR_landlock_restrict_self:
	case __NR_kcmp: case __NR_wait4: case __NR_waitid: case __NR_exit:
	case __NR_exit_group: case __NR_ioprio_get:
		return true;
	default:
		return false;
	}
}

/**
 * insight_syscall_classify() - the sandbox's class of a syscall by number
 * @nr: x86_64 syscall number (orig_ax; -1 is no syscall)
 *
 * The class before the arguments are looked at (see
 * insight_syscall_sandbox() for the final one): calls whose class depends
 * on their arguments are NONE here.
 *
 * Return: an &enum insight_syscall_class; DENIED for a number not named.
 */
static inline enum insight_syscall_class insight_syscall_classify(__s64 nr)
{
	switch (nr) {
	case -1:
		return INSIGHT_SYSCALL_NONE;
	case __NR_write: case __NR_pwrite64: case __NR_sendto:
		return INSIGHT_SYSCALL_WRITE;
	case __NR_writev: case __NR_pwritev: case __NR_pwritev2:
		return INSIGHT_SYSCALL_WRITEV;
	case __NR_sendmsg:
		return INSIGHT_SYSCALL_SENDMSG;
	case __NR_sendmmsg:
		return INSIGHT_SYSCALL_SENDMMSG;
	case __NR_sendfile:
		return INSIGHT_SYSCALL_SENDFILE;
	case __NR_read: case __NR_pread64: case __NR_recvfrom:
		return INSIGHT_SYSCALL_READ;
	case __NR_readv: case __NR_preadv: case __NR_preadv2:
		return INSIGHT_SYSCALL_READV;
	case __NR_recvmsg:
		return INSIGHT_SYSCALL_RECVMSG;
	/* shared descriptions must not change: suppressed */
	case __NR_epoll_ctl: case __NR_setsockopt: case __NR_shutdown:
		return INSIGHT_SYSCALL_SHARED_SUPPRESS;
	/* ... or refused; on the probe's own they run */
	case __NR_recvmmsg: case __NR_timerfd_settime:
	case __NR_inotify_add_watch: case __NR_inotify_rm_watch:
	case __NR_getdents: case __NR_getdents64:	/* move the position */
	/*
	 * a socket of the probe's own: until the shadow network comes, the
	 * peer sees a connection, never a byte (writes are captured)
	 */
	case __NR_connect:
		return INSIGHT_SYSCALL_SHARED_DENIED;
	case __NR_clone: case __NR_fork: case __NR_vfork:
		return INSIGHT_SYSCALL_CLONE;
	case __NR_clone3:
		return INSIGHT_SYSCALL_ENOSYS;
	/* their arguments decide */
	case __NR_open: case __NR_openat: case __NR_mmap: case __NR_madvise:
	case __NR_futex: case __NR_fcntl: case __NR_ioctl: case __NR_lseek:
	case __NR_kill: case __NR_tkill: case __NR_tgkill:
	case __NR_rt_sigqueueinfo: case __NR_rt_tgsigqueueinfo:
	case __NR_prlimit64: case __NR_signalfd: case __NR_signalfd4:
	case __NR_accept: case __NR_accept4:
		return INSIGHT_SYSCALL_NONE;
	default:
		return insight_syscall_runs(nr) ? INSIGHT_SYSCALL_NONE :
		       INSIGHT_SYSCALL_DENIED;
	}
}

/**
 * insight_syscall_is_read() - whether a class reads (replayed on the input fd)
 * @cls: an &enum insight_syscall_class
 *
 * Return: true for READ, READV and RECVMSG.
 */
static inline bool insight_syscall_is_read(enum insight_syscall_class cls)
{
	return cls >= INSIGHT_SYSCALL_READ && cls <= INSIGHT_SYSCALL_RECVMSG;
}

/**
 * insight_syscall_is_output() - whether a class writes (captured, suppressed)
 * @cls: an &enum insight_syscall_class
 *
 * Return: true for WRITE, WRITEV, SENDMSG, SENDMMSG and SENDFILE.
 */
static inline bool insight_syscall_is_output(enum insight_syscall_class cls)
{
	return cls >= INSIGHT_SYSCALL_WRITE && cls <= INSIGHT_SYSCALL_SENDFILE;
}

/* Whether a read of a description other than the input moves it. */
static inline bool insight_syscall_read_consumes(__s64 nr, const __u64 *a)
{
	return nr != __NR_pread64 && nr != __NR_preadv &&
	       !(nr == __NR_preadv2 && (__s64)a[3] != -1);
}

/* open, openat: one that would create or truncate a file is faked. */
static inline enum insight_syscall_class insight_syscall_open(__u64 flags)
{
	return flags & (INSIGHT_X86_O_CREAT | INSIGHT_X86_O_TRUNC |
			INSIGHT_X86_O_TMPFILE) ?
	       INSIGHT_SYSCALL_OPEN_CREAT : INSIGHT_SYSCALL_NONE;
}

/**
 * insight_fpos_seek() - lseek at a probe's own position in a regular file
 * @pos: the probe's position
 * @off: lseek's offset
 * @whence: lseek's whence
 * @size: the file's size
 *
 * The file is all data, no holes (as on a file system without
 * SEEK_DATA/SEEK_HOLE support).
 *
 * Return: the new position, or -EINVAL / -ENXIO as lseek() would fail.
 */
static inline __s64 insight_fpos_seek(__s64 pos, __s64 off, int whence, __s64 size)
{
	switch (whence) {
	case INSIGHT_X86_SEEK_SET:
		break;
	case INSIGHT_X86_SEEK_CUR:
		off += pos;
		break;
	case INSIGHT_X86_SEEK_END:
		off += size;
		break;
	case INSIGHT_X86_SEEK_DATA:
	case INSIGHT_X86_SEEK_HOLE:
		if (off >= size)
			return -ENXIO;
		if (whence == INSIGHT_X86_SEEK_HOLE)
			off = size;
		break;
	default:
		return -EINVAL;
	}
	return off < 0 ? -EINVAL : off;
}

/**
 * enum insight_open_fake - how an OPEN_CREAT call is faked
 * @INSIGHT_OPEN_AGAIN: made again with O_CREAT cleared: it opens the
 *	file that exists
 * @INSIGHT_OPEN_MEMFD: made again as memfd_create(path, MFD_CLOEXEC if
 *	O_CLOEXEC): a new empty file only the probe sees, as a created or
 *	truncated file would be (writes to it are captured as any others)
 * @INSIGHT_OPEN_EEXIST: fails with EEXIST (O_CREAT|O_EXCL of a file that
 *	exists), as it would have
 * @INSIGHT_OPEN_ENOENT: fails with ENOENT (O_TRUNC without O_CREAT of a
 *	file that does not exist), as it would have
 */
enum insight_open_fake {
	INSIGHT_OPEN_AGAIN,
	INSIGHT_OPEN_MEMFD,
	INSIGHT_OPEN_EEXIST,
	INSIGHT_OPEN_ENOENT,
};

/**
 * insight_syscall_open_fake() - how to fake an open that would change a file
 * @flags: its flags
 * @exists: whether its path names a file, looked up as the call would
 *
 * Nothing is created or truncated: a call that would have done it gets a
 * private empty file instead; the others do what they would have.
 *
 * Return: an &enum insight_open_fake.
 */
static inline enum insight_open_fake insight_syscall_open_fake(__u64 flags,
							       bool exists)
{
	if (flags & INSIGHT_X86_O_TMPFILE)
		return INSIGHT_OPEN_MEMFD;
	if (!exists)
		return flags & INSIGHT_X86_O_CREAT ? INSIGHT_OPEN_MEMFD :
		       INSIGHT_OPEN_ENOENT;
	if ((flags & INSIGHT_X86_O_CREAT) && (flags & INSIGHT_X86_O_EXCL))
		return INSIGHT_OPEN_EEXIST;
	return flags & INSIGHT_X86_O_TRUNC ? INSIGHT_OPEN_MEMFD :
	       INSIGHT_OPEN_AGAIN;
}

/* fcntl: queries run, flag changes are suppressed, locks refused. */
static inline enum insight_syscall_class insight_syscall_fcntl(__u64 cmd)
{
	switch (cmd) {
	case 0: case 1: case 2: case 3:		/* F_DUPFD .. F_GETFL */
	case 5: case 9: case 11: case 16:	/* F_GETLK, F_GETOWN(_EX), F_GETSIG */
	case 17: case 36:			/* F_GETOWNER_UIDS, F_OFD_GETLK */
	case 1025: case 1030: case 1032:	/* F_GETLEASE, F_DUPFD_CLOEXEC, F_GETPIPE_SZ */
	case 1034: case 1035: case 1037:	/* F_GET_SEALS, F_GET_(FILE_)RW_HINT */
		return INSIGHT_SYSCALL_NONE;
	case 4: case 8: case 10: case 15:	/* F_SETFL, F_SETOWN, F_SETSIG, F_SETOWN_EX */
		return INSIGHT_SYSCALL_SHARED_SUPPRESS;
	case 1026: case 1031: case 1033:	/* F_NOTIFY, F_SETPIPE_SZ, F_ADD_SEALS */
		return INSIGHT_SYSCALL_SHARED_DENIED;
	default:	/* locks and leases (seen by every process), hints */
		return INSIGHT_SYSCALL_DENIED;
	}
}

/* ioctl: a few read-only requests run, FIONBIO/FIOASYNC are flag changes. */
static inline enum insight_syscall_class insight_syscall_ioctl(__u64 cmd)
{
	switch ((__u32)cmd) {
	case 0x5401: case 0x540f: case 0x5411:	/* TCGETS, TIOCGPGRP, TIOCOUTQ */
	case 0x5413: case 0x541b:		/* TIOCGWINSZ, FIONREAD */
	case 0x5450: case 0x5451: case 0x5460:	/* FIONCLEX, FIOCLEX, FIOQSIZE */
	case 0x8905: case 0x8910: case 0x8912:	/* SIOCATMARK, SIOCGIFNAME, SIOCGIFCONF */
	case 0x8913: case 0x8915: case 0x8921:	/* SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFMTU */
	case 0x8927: case 0x8933:		/* SIOCGIFHWADDR, SIOCGIFINDEX */
	case 0x2: case 0x80086601:		/* FIGETBSZ, FS_IOC_GETFLAGS */
		return INSIGHT_SYSCALL_NONE;
	case 0x5421: case 0x5452:		/* FIONBIO, FIOASYNC */
		return INSIGHT_SYSCALL_SHARED_SUPPRESS;
	default:
		return INSIGHT_SYSCALL_DENIED;
	}
}

/* futex: private operations and waits run; shared wakes are refused. */
static inline enum insight_syscall_class insight_syscall_futex(__u64 op)
{
	__u64 cmd = op & ~(__u64)(INSIGHT_X86_FUTEX_PRIVATE_FLAG |
				  INSIGHT_X86_FUTEX_CLOCK_RT);

	if ((op & INSIGHT_X86_FUTEX_PRIVATE_FLAG) ||
	    cmd == INSIGHT_X86_FUTEX_WAIT || cmd == INSIGHT_X86_FUTEX_WAIT_BITSET)
		return INSIGHT_SYSCALL_NONE;
	return INSIGHT_SYSCALL_DENIED;
}

/*
 * Signals and limits: to itself (@self, its tgid as it sees it) they run,
 * to anything else they are refused.  Signal 0 only checks.
 */
static inline enum insight_syscall_class
insight_syscall_to_self(__s64 nr, const __u64 *a, __s32 self)
{
	bool ok;

	switch (nr) {
	case __NR_kill:
		ok = (__s32)a[0] == self || !a[1];
		break;
	case __NR_tkill:
		ok = (__s32)a[0] == self || !a[1];
		break;
	case __NR_tgkill:
		ok = (__s32)a[0] == self || !a[2];
		break;
	case __NR_rt_sigqueueinfo:
	case __NR_rt_tgsigqueueinfo:
		ok = (__s32)a[0] == self;
		break;
	default:	/* prlimit64: its own, or only reading */
		ok = !(__s32)a[0] || (__s32)a[0] == self || !a[2];
		break;
	}
	return ok ? INSIGHT_SYSCALL_NONE : INSIGHT_SYSCALL_DENIED;
}

/**
 * struct insight_syscall_ctx - who makes the call
 * @self: the probe's tgid, in its own pid namespace
 * @input_fd: the fd whose reads are replayed (-1: none)
 * @target: the probe is the target (probe 0)
 */
struct insight_syscall_ctx {
	__s32 self;
	__s32 input_fd;
	bool target;
};

/**
 * insight_syscall_sandbox() - the sandbox's class of a syscall and its arguments
 * @nr: x86_64 syscall number
 * @a: its six arguments
 * @c: who makes it
 *
 * The read classes come back only for the replayed fd; a read of another
 * description is SHARED_DENIED when it consumes data (read, readv,
 * recvfrom, recvmsg, preadv2 at the current offset), else it runs; the
 * backends give a probe its own position in a shared regular file (its
 * reads and lseek, SHARED_DENIED too, go there) instead of refusing.
 * accept and accept4 run in the target (its real connections come that
 * way) and are refused in the other probes (the listener is shared).
 *
 * Return: an &enum insight_syscall_class.
 */
static inline enum insight_syscall_class
insight_syscall_sandbox(__s64 nr, const __u64 *a,
			const struct insight_syscall_ctx *c)
{
	enum insight_syscall_class cls = insight_syscall_classify(nr);

	if (insight_syscall_is_read(cls)) {
		if (c->input_fd >= 0 && (__s32)a[0] == c->input_fd)
			return cls;
		return insight_syscall_read_consumes(nr, a) ?
		       INSIGHT_SYSCALL_SHARED_DENIED : INSIGHT_SYSCALL_NONE;
	}
	switch (nr) {
	case __NR_open:
		return insight_syscall_open(a[1]);
	case __NR_openat:
		return insight_syscall_open(a[2]);
	case __NR_mmap:
		if ((a[3] & INSIGHT_X86_MAP_TYPE) == INSIGHT_X86_MAP_PRIVATE ||
		    (a[3] & INSIGHT_X86_MAP_ANONYMOUS))
			return INSIGHT_SYSCALL_NONE;
		return INSIGHT_SYSCALL_MMAP_SHARED;
	case __NR_madvise:
		return a[2] == INSIGHT_X86_MADV_REMOVE ||
		       a[2] == INSIGHT_X86_MADV_HWPOISON ||
		       a[2] == INSIGHT_X86_MADV_SOFT_OFFLINE ?
		       INSIGHT_SYSCALL_DENIED : INSIGHT_SYSCALL_NONE;
	case __NR_futex:
		return insight_syscall_futex(a[1]);
	case __NR_fcntl:
		return insight_syscall_fcntl(a[1]);
	case __NR_ioctl:
		return insight_syscall_ioctl(a[1]);
	case __NR_lseek:	/* a shared regular file: the probe's own position */
		return INSIGHT_SYSCALL_SHARED_DENIED;
	case __NR_kill: case __NR_tkill: case __NR_tgkill:
	case __NR_rt_sigqueueinfo: case __NR_rt_tgsigqueueinfo:
	case __NR_prlimit64:
		return insight_syscall_to_self(nr, a, c->self);
	case __NR_signalfd: case __NR_signalfd4:	/* a new one, or changing one */
		return (__s32)a[0] == -1 ? INSIGHT_SYSCALL_NONE :
		       INSIGHT_SYSCALL_SHARED_DENIED;
	case __NR_accept: case __NR_accept4:
		return c->target ? INSIGHT_SYSCALL_NONE : INSIGHT_SYSCALL_DENIED;
	case __NR_clone:	/* a thread shares the probe's mm, so its sandbox */
		return a[0] & INSIGHT_X86_CLONE_THREAD ? INSIGHT_SYSCALL_NONE :
		       INSIGHT_SYSCALL_CLONE;
	default:
		return cls;
	}
}

/**
 * insight_syscall_waits_for_work() - whether a syscall waits for a request
 * @nr: x86_64 syscall number
 *
 * A server that makes one of these after reading a request has finished
 * it: accept, accept4, epoll_wait, epoll_pwait, epoll_pwait2.
 *
 * Return: true for those five.
 */
static inline bool insight_syscall_waits_for_work(__s64 nr)
{
	switch (nr) {
	case __NR_accept:
	case __NR_accept4:
	case __NR_epoll_wait:
	case __NR_epoll_pwait:
	case __NR_epoll_pwait2:
		return true;
	default:
		return false;
	}
}

/**
 * insight_syscall_request_done() - whether a syscall ends the replayed request
 * @nr: the syscall the probe is entering
 * @fd: its first argument
 * @input_fd: the fd whose reads are replayed
 * @in_off: how much of the input the probe has read
 * @input_len: the input's length
 *
 * Having read some input, the probe waits for new work; or it reads the
 * input fd at or past the end of the input.
 *
 * Return: true when the probe has finished the request.
 */
static inline bool insight_syscall_request_done(__s64 nr, __s32 fd,
						__s32 input_fd, __u64 in_off,
						__u64 input_len)
{
	if (insight_syscall_waits_for_work(nr))
		return in_off > 0;
	return insight_syscall_is_read(insight_syscall_classify(nr)) &&
	       fd == input_fd && in_off >= input_len;
}

/**
 * insight_syscall_idle_fork() - whether a forked probe goes back to waiting
 * for work before the request
 * @nr: the syscall the probe is entering
 * @forked: the probe is not the target
 * @in_off: how much of the input the probe has read
 *
 * A probe forked before the request was read (at a branch of the event
 * loop) that waits for new work has nothing of the request left to run.
 * Made, the wait would take, from the listener and epoll set the probe
 * shares with the target, the readiness of the target's connections (an
 * edge-triggered event goes to one waiter only).  It is done like a probe
 * that finished the request, and waits there, its syscall not made.
 *
 * Return: true when the forked probe's path is over.
 */
static inline bool insight_syscall_idle_fork(__s64 nr, bool forked,
					     __u64 in_off)
{
	return forked && !in_off && insight_syscall_waits_for_work(nr);
}

#endif /* _INSIGHT_SYSCALL_CLASS_H */
