// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's look at a probe's file descriptors, for the
 * sandbox's classes that depend on them (include/insight/syscall_class.h):
 * whether an fd is open, open for writing, and whether its description
 * is shared with another probe or the target.
 *
 * insight.ko tells a shared description by its reference count; from
 * user space the test is kcmp(KCMP_FILE) against every fd of every
 * other live probe whose /proc link names the same inode.  Where kcmp
 * is refused, the same inode counts as shared: that errs towards
 * suppressing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kcmp.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "ptrace.h"

static int pt_fd_stat(pid_t pid, long fd, struct stat *st)
{
	char path[64];

	if (fd < 0 || fd > 0x7fffffff)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", pid, fd);
	return stat(path, st) ? -errno : 0;
}

/* Whether fd @fd of @tid is open. */
bool pt_fd_open(pid_t tid, long fd)
{
	struct stat st;

	return !pt_fd_stat(tid, fd, &st);
}

/* Whether fd @fd of @tid is a socket. */
bool pt_fd_is_socket(pid_t tid, long fd)
{
	struct stat st;

	return !pt_fd_stat(tid, fd, &st) && S_ISSOCK(st.st_mode);
}

/* The open flags of fd @fd of @tid (its fdinfo's), in *@flags: 0, or -1 if none. */
int pt_fd_flags(pid_t tid, long fd, unsigned int *flags)
{
	char name[64], line[128];
	bool found = false;
	FILE *f;

	if (fd < 0 || fd > 0x7fffffff)
		return -1;
	snprintf(name, sizeof(name), "fdinfo/%ld", fd);
	f = pt_proc_file(tid, name);
	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "flags: %o", flags) == 1;
	fclose(f);
	return found ? 0 : -1;
}

/* Whether fd @fd of @tid is open for writing. */
bool pt_fd_writable(pid_t tid, long fd)
{
	unsigned int flags;

	return !pt_fd_flags(tid, fd, &flags) && (flags & O_ACCMODE) != O_RDONLY;
}

/* A copy in this process of @tid's fd @fd (pidfd_getfd()), or -1. */
int pt_fd_copy(pid_t tid, int fd)
{
	int pidfd = pidfd_open(tid, 0), copy;

	if (pidfd < 0)
		return -1;
	copy = pidfd_getfd(pidfd, fd, 0);
	close(pidfd);
	return copy;
}

/* Whether process @pid has an fd on the description of @tid's @fd (inode @st). */
static bool pt_holds(pid_t tid, long fd, pid_t pid, const struct stat *st)
{
	struct stat other;
	char path[64];
	struct dirent *e;
	bool found = false;
	long g, r;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		g = atol(e->d_name);
		if (pt_fd_stat(pid, g, &other) || other.st_ino != st->st_ino ||
		    other.st_dev != st->st_dev)
			continue;
		r = syscall(SYS_kcmp, tid, pid, KCMP_FILE, fd, g);
		found = r == 0 || r < 0;	/* the same, or cannot tell */
	}
	closedir(d);
	return found;
}

/* Whether @t's fd @fd names a description another live probe (or the target) holds. */
bool pt_fd_shared(struct xb *b, const struct pt_task *t, long fd)
{
	struct stat st;
	size_t i;

	if (pt_fd_stat(t->tid, fd, &st))
		return false;
	for (i = 0; i < b->nprobes; i++) {
		const struct pt_probe *q = b->probe[i];

		if (q && q != t->probe && q->state != XB_PROBE_EXITED &&
		    pt_holds(t->tid, fd, q->pid, &st))
			return true;
	}
	return false;
}

/* Whether fd @fd of @tid is an eventfd. */
static bool pt_fd_is_eventfd(pid_t tid, long fd)
{
	char path[64], link[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", tid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, "anon_inode:[eventfd]");
}

/* Whether a process other than @self (and its threads) holds @tid's @fd (inode @st). */
static bool pt_held_elsewhere(pid_t tid, long fd, pid_t self, const struct stat *st)
{
	struct dirent *e;
	bool found = false;
	pid_t pid;
	DIR *d = opendir("/proc");

	if (!d)
		return true;
	while (!found && (e = readdir(d))) {
		pid = atoi(e->d_name);
		if (pid > 0 && pid != self)
			found = pt_holds(tid, fd, pid, st);
	}
	closedir(d);
	return found;
}

/*
 * Whether @t's fd @fd is an eventfd no other process holds: a thread of
 * the probe waking another (memcached's listener hands each connection
 * to a worker so), whose write runs.  As insight.ko's test by reference
 * counts, from /proc: every process's fds, by kcmp().
 */
bool pt_fd_own_eventfd(const struct pt_task *t, long fd)
{
	struct stat st;

	return pt_fd_is_eventfd(t->tid, fd) && !pt_fd_stat(t->tid, fd, &st) &&
	       !pt_held_elsewhere(t->tid, fd, t->probe->pid, &st);
}

/*
 * Whether the path of open/openat (@r) names a file that exists, seen
 * from @tid: through /proc/TID/cwd or /proc/TID/fd/DIRFD for a relative
 * one (same root assumed).
 */
bool pt_open_exists(pid_t tid, const struct user_regs_struct *r)
{
	bool at = r->orig_rax == SYS_openat;
	uint64_t name = at ? r->rsi : r->rdi;
	int dirfd = at ? (int)r->rdi : AT_FDCWD;
	char path[4096 + 64], *p;
	struct stat st;
	ssize_t n;
	int pre;

	if (dirfd == AT_FDCWD)
		pre = snprintf(path, sizeof(path), "/proc/%d/cwd/", tid);
	else
		pre = snprintf(path, sizeof(path), "/proc/%d/fd/%d/", tid, dirfd);
	n = pt_peek(tid, name, path + pre, 4096);
	if (n <= 0)
		return false;
	p = memchr(path + pre, '\0', n);
	if (!p)
		return false;
	if (path[pre] == '/')
		memmove(path, path + pre, p - (path + pre) + 1);
	return (((at ? r->rdx : r->rsi) & O_NOFOLLOW) ? lstat(path, &st) : stat(path, &st)) == 0;
}
