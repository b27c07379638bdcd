// SPDX-License-Identifier: GPL-2.0
/*
 * What the filters of a syscall injection look at in one call, read in
 * the calling task's context (a task_work, kmod/inject.c): its path
 * (made absolute as the call resolves it), its fd's kind, path and
 * socket peer's port, its sockaddr's port.
 */
#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "inject.h"

/* The port of a sockaddr (inet or inet6), or 0. */
static u32 insight_sockaddr_port(const struct sockaddr_storage *ss, int len)
{
	if (ss->ss_family == AF_INET && len >= (int)sizeof(struct sockaddr_in))
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6 && len >= (int)sizeof(struct sockaddr_in6))
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* What fd @fd is: its kind, its path, a socket's peer's port. */
static void insight_call_fd(struct insight_call *c, int fd)
{
	struct sockaddr_storage ss;
	struct file *file = fget(fd);
	struct socket *sock;
	umode_t mode;
	char *p;
	int len;

	if (!file)
		return;
	mode = file_inode(file)->i_mode;
	if (S_ISREG(mode) || S_ISDIR(mode)) {
		c->kinds = INSIGHT_INJECT_FD_FILE;
		p = d_path(&file->f_path, c->path, sizeof(c->path));
		if (IS_ERR(p))
			c->path[0] = '\0';
		else
			memmove(c->path, p, strlen(p) + 1);
	} else if (S_ISSOCK(mode)) {
		c->kinds = INSIGHT_INJECT_FD_SOCKET;
		sock = sock_from_file(file);
		len = sock ? kernel_getpeername(sock, (struct sockaddr *)&ss) : -1;
		if (len > 0 && !c->port)
			c->port = insight_sockaddr_port(&ss, len);
	} else if (S_ISFIFO(mode)) {
		c->kinds = INSIGHT_INJECT_FD_PIPE;
	} else {
		c->kinds = INSIGHT_INJECT_FD_OTHER;
	}
	fput(file);
}

/*
 * The path argument @i of a call (@a), made absolute against its dirfd
 * or the cwd, as the call would resolve a relative one (not normalised:
 * ".." stays): a server that chdir()s to its document root opens
 * "index.html".  Left "" when it cannot be read.
 */
static void insight_call_path(struct insight_call *c, const unsigned long *a, int i)
{
	char *rel, *buf, *base;
	struct file *dirf;
	struct path dir;
	long n;

	rel = kmalloc(2 * INSIGHT_INJECT_PATH_MAX, GFP_KERNEL);
	if (!rel)
		return;
	buf = rel + INSIGHT_INJECT_PATH_MAX;
	n = strncpy_from_user(rel, (const char __user *)a[i], INSIGHT_INJECT_PATH_MAX);
	if (n <= 0 || n == INSIGHT_INJECT_PATH_MAX)
		goto out;	/* unreadable, empty or longer than any prefix */
	if (rel[0] == '/') {
		strscpy(c->path, rel, sizeof(c->path));
		goto out;
	}
	if (i == 1 && (int)a[0] != AT_FDCWD) {
		dirf = fget(a[0]);
		if (!dirf)
			goto out;
		dir = dirf->f_path;
		path_get(&dir);
		fput(dirf);
	} else if (current->fs) {
		get_fs_pwd(current->fs, &dir);
	} else {
		goto out;
	}
	base = d_path(&dir, buf, INSIGHT_INJECT_PATH_MAX);
	path_put(&dir);
	if (!IS_ERR(base))
		snprintf(c->path, sizeof(c->path), "%s/%s", strcmp(base, "/") ? base : "",
			 rel);
out:
	kfree(rel);
}

/* Read what the filters need of syscall @nr with arguments @a. */
void insight_call_read(struct insight_call *c, long nr, const unsigned long *a)
{
	struct sockaddr_storage ss;
	int i = insight_inject_addr_arg(nr);
	int len;

	memset(c, 0, sizeof(*c));
	if (i >= 0 && a[i]) {
		len = min_t(unsigned long, a[i + 1], sizeof(ss));
		if (!copy_from_user(&ss, (void __user *)a[i], len))
			c->port = insight_sockaddr_port(&ss, len);
	}
	i = insight_inject_path_arg(nr);
	if (i >= 0)
		insight_call_path(c, a, i);
	if (insight_inject_fd_arg(nr))
		insight_call_fd(c, a[0]);
}

/* Whether call @c (syscall @nr) passes the filters of @sp. */
bool insight_call_matches(const struct insight_inject_spec *sp, long nr,
			  const struct insight_call *c)
{
	return sp->nr == nr && (!sp->fd_kinds || (sp->fd_kinds & c->kinds)) &&
	       (!sp->port || sp->port == c->port) &&
	       insight_inject_under(sp->path, c->path);
}
