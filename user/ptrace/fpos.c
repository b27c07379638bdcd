// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's own positions of a probe in the regular files it
 * shares with the target and the other probes, as insight.ko's
 * kmod/fpos.c: a read, readv, preadv2 at the current position or lseek
 * of such a file is served at the probe's own position (pread through
 * /proc/TID/fd/N: the file's own position does not move), which starts
 * at the description's position (its fdinfo) when the probe first uses
 * it, or at its parent's own at the split (pt_hold() copies them).  A
 * slot is the fd and the file's inode; past PT_FPOS_MAX files the call
 * is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "ptrace.h"

/* The description's own position, from /proc/TID/fdinfo/FD. */
static int64_t pt_fd_pos(pid_t tid, int fd)
{
	char name[64], line[128];
	long long pos = 0;
	FILE *f;

	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	f = pt_proc_file(tid, name);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && sscanf(line, "pos: %lld", &pos) != 1)
		;
	fclose(f);
	return pos;
}

/* @p's slot for @fd (inode @st), a new one, or NULL (sockpos.c's too). */
struct pt_fpos *pt_fpos_get(struct pt_probe *p, pid_t tid, int fd,
				    const struct stat *st)
{
	struct pt_fpos *free = NULL;
	int i;

	for (i = 0; i < PT_FPOS_MAX; i++) {
		struct pt_fpos *s = &p->fpos[i];

		if (s->used && s->fd == fd && s->dev == st->st_dev && s->ino == st->st_ino)
			return s;
		if (!s->used && !free)
			free = s;
	}
	if (free)
		*free = (struct pt_fpos){ .used = true, .fd = fd, .dev = st->st_dev,
					  .ino = st->st_ino, .pos = pt_fd_pos(tid, fd) };
	return free;
}

/*
 * Whether @t's probe has its own position in the file of fd @fd: then it
 * keeps using it, shared or not by now (the file's own is stale for it).
 */
bool pt_fpos_has(const struct pt_task *t, int fd)
{
	char path[64];
	struct stat st;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", t->tid, fd);
	if (stat(path, &st))
		return false;
	for (i = 0; i < PT_FPOS_MAX; i++) {
		const struct pt_fpos *s = &t->probe->fpos[i];

		if (s->used && s->fd == fd && s->dev == st.st_dev && s->ino == st.st_ino)
			return true;
	}
	return false;
}

/* Read at @pos from @file into @tid's @cnt iovecs at @uiov (or one buffer). */
static long pt_fpos_read(pid_t tid, int file, const struct user_regs_struct *r, int64_t pos)
{
	static char buf[65536];
	struct iovec one = { (void *)(uintptr_t)r->rsi, r->rdx }, iov[PT_IOV_MAX];
	struct iovec *v = &one;
	uint64_t cnt = 1, i;
	long done = 0;
	ssize_t n;

	if (r->orig_rax != SYS_read) {
		cnt = r->rdx;
		v = iov;
		if (cnt > PT_IOV_MAX)
			return -EINVAL;
		if (cnt && pt_peek(tid, r->rsi, iov, cnt * sizeof(*iov)) !=
			   (ssize_t)(cnt * sizeof(*iov)))
			return -EFAULT;
	}
	for (i = 0; i < cnt; i++) {
		size_t want = v[i].iov_len < sizeof(buf) ? v[i].iov_len : sizeof(buf);

		n = want ? pread(file, buf, want, pos + done) : 0;
		if (n < 0)
			return done ? done : -errno;
		if (n && pt_poke(tid, (uintptr_t)v[i].iov_base, buf, n) != n)
			return done ? done : -EFAULT;
		done += n;
		if ((size_t)n < v[i].iov_len)
			break;
	}
	return done;
}

/*
 * @t's call @r, a SHARED_DENIED one on a shared description: PT_FPOS_NO
 * if it is not a regular file; PT_FPOS_RUN for a call that fails there
 * by itself (recv*, timerfd_settime...); PT_FPOS_DONE for a read or
 * lseek, served at the probe's own position, its result in *@ret.
 */
int pt_fpos_call(struct pt_task *t, const struct user_regs_struct *r, long *ret)
{
	long nr = r->orig_rax;
	int fd = r->rdi, file;
	char path[64];
	struct pt_fpos *s;
	struct stat st;
	int64_t pos;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", t->tid, fd);
	file = open(path, O_RDONLY | O_CLOEXEC);
	if (file < 0)
		return PT_FPOS_NO;
	if (fstat(file, &st) || !S_ISREG(st.st_mode)) {
		close(file);
		return PT_FPOS_NO;
	}
	if (nr != SYS_read && nr != SYS_readv && nr != SYS_preadv2 && nr != SYS_lseek) {
		close(file);
		return PT_FPOS_RUN;
	}
	s = pt_fpos_get(t->probe, t->tid, fd, &st);
	if (!s) {
		*ret = -EPERM;
	} else if (nr == SYS_lseek) {
		pos = insight_fpos_seek(s->pos, (int64_t)r->rsi, (int)r->rdx, st.st_size);
		*ret = pos;
		if (pos >= 0)
			s->pos = pos;
	} else {
		*ret = pt_fpos_read(t->tid, file, r, s->pos);
		if (*ret > 0)
			s->pos += *ret;
	}
	close(file);
	return PT_FPOS_DONE;
}
