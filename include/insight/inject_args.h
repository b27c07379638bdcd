/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an injection into a component is (INSIGHT_CMD_INJECT_ADD in
 * include/uapi/linux/insight.h), and which arguments of an x86_64
 * syscall its filters look at: one implementation for insight.ko
 * (kmod/inject.c) and the explorer (the fault list of insight campaign),
 * built unchanged under Kbuild and in userspace.
 */
#ifndef _INSIGHT_INJECT_ARGS_H
#define _INSIGHT_INJECT_ARGS_H

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <stdbool.h>
#include <string.h>
#endif
#include <linux/types.h>
#include <asm/unistd.h>

/* longest path prefix of a filter, its NUL included */
#define INSIGHT_INJECT_PATH_MAX	256

/**
 * struct insight_inject_spec - one injection, as INJECT_ADD gives it
 * @nr: the syscall (x86_64 number), or INSIGHT_INJECT_NR_LIBRARY
 * @action: an &enum insight_inject_action
 * @err: ERRNO: the errno
 * @delay_ms: DELAY: how long the call waits before it runs
 * @retval: RETURN: the library function's return value
 * @offset: RETURN: the function's offset in its file
 * @fd_kinds: INSIGHT_INJECT_FD_* the call's fd must be one of (0: any)
 * @port: the port of the call's sockaddr, or of its socket's peer (0: any)
 * @nth: only the nth matching call (1: the first; 0: every one)
 * @prob_ppm: only with this probability, in millionths (0: always)
 * @path: a prefix of the call's path, or of its fd's ("": any)
 * @lib: userspace only: the file of a library function (libinsight opens it)
 */
struct insight_inject_spec {
	__u32 nr;
	__u32 action;
	__u32 err;
	__u32 delay_ms;
	__u64 retval;
	__u64 offset;
	__u32 fd_kinds;
	__u32 port;
	__u32 nth;
	__u32 prob_ppm;
	char path[INSIGHT_INJECT_PATH_MAX];
#ifndef __KERNEL__
	const char *lib;
#endif
};

#define INSIGHT_INJECT_NR_LIBRARY	0xffffffffU

/* Which argument of syscall @nr is a path name: its index, or -1. */
static inline int insight_inject_path_arg(__s64 nr)
{
	switch (nr) {
	case __NR_open: case __NR_stat: case __NR_lstat: case __NR_access:
	case __NR_unlink: case __NR_mkdir: case __NR_rmdir: case __NR_rename:
	case __NR_truncate: case __NR_chmod: case __NR_chown: case __NR_creat:
	case __NR_readlink: case __NR_chdir: case __NR_execve:
	case __NR_statfs:
		return 0;
	case __NR_openat: case __NR_newfstatat: case __NR_faccessat:
	case __NR_faccessat2: case __NR_unlinkat: case __NR_mkdirat:
	case __NR_renameat: case __NR_renameat2: case __NR_statx:
	case __NR_readlinkat: case __NR_fchmodat: case __NR_fchownat:
	case __NR_openat2: case __NR_execveat:
		return 1;
	default:
		return -1;
	}
}

/* Whether the first argument of syscall @nr is a file descriptor. */
static inline bool insight_inject_fd_arg(__s64 nr)
{
	switch (nr) {
	case __NR_read: case __NR_write: case __NR_pread64: case __NR_pwrite64:
	case __NR_readv: case __NR_writev: case __NR_preadv: case __NR_pwritev:
	case __NR_preadv2: case __NR_pwritev2: case __NR_fstat: case __NR_lseek:
	case __NR_ioctl: case __NR_fcntl: case __NR_fsync: case __NR_fdatasync:
	case __NR_ftruncate: case __NR_fallocate: case __NR_getdents64:
	case __NR_sendfile: case __NR_connect: case __NR_accept:
	case __NR_accept4: case __NR_sendto: case __NR_recvfrom:
	case __NR_sendmsg: case __NR_recvmsg: case __NR_sendmmsg:
	case __NR_recvmmsg: case __NR_shutdown: case __NR_bind:
	case __NR_listen: case __NR_getsockopt: case __NR_setsockopt:
	case __NR_epoll_ctl: case __NR_flock: case __NR_fchmod:
	case __NR_fchown: case __NR_splice: case __NR_copy_file_range:
		return true;
	default:
		return false;
	}
}

/* Which argument of syscall @nr is a sockaddr, with its length after it: or -1. */
static inline int insight_inject_addr_arg(__s64 nr)
{
	switch (nr) {
	case __NR_connect: case __NR_bind:
		return 1;
	case __NR_sendto:
		return 4;
	default:
		return -1;
	}
}

/* Whether @path begins with @prefix, at a name boundary ("/a" is not under "/ab"). */
static inline bool insight_inject_under(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (!n)
		return true;
	if (strncmp(prefix, path, n))
		return false;
	return prefix[n - 1] == '/' || path[n] == '\0' || path[n] == '/';
}

#endif /* _INSIGHT_INJECT_ARGS_H */
