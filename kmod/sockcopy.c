// SPDX-License-Identifier: GPL-2.0
/*
 * A probe's connect() of a socket it shares, unconnected, with the target
 * or another probe (made before a fork): connecting the shared
 * description would connect it for all of them (the others would then
 * get EISCONN, or send to the peer this one chose).  Instead the probe
 * gets a socket of its own in place of its fd (same family, type,
 * protocol, O_NONBLOCK and close-on-exec; socket options set before are
 * not carried over), and its connect() is made again, on that one: a
 * socket of the probe's own, whose connect runs (Documentation/kmod.rst).
 * A shared socket that is bound, connected, listening, or of a family
 * other than inet, inet6 and unix is not copied: the connect is denied.
 * Should another thread of the probe take the fd number between its
 * close and the copy's install (or more than INSIGHT_FD_BELOW_MAX fds
 * below it be free), the connect fails with EBUSY and the fd is closed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/sched/task_stack.h>
#include <linux/socket.h>
#include <linux/un.h>
#include <net/sock.h>

#include "insight.h"

/* Whether @sock, unconnected, is bound to no address (it can be copied). */
static bool insight_sock_unbound(struct socket *sock)
{
	struct sockaddr_storage ss;
	int len;

	if (READ_ONCE(sock->state) != SS_UNCONNECTED)
		return false;
	len = kernel_getsockname(sock, (struct sockaddr *)&ss);
	switch (sock->sk->sk_family) {
	case AF_INET:
		return len >= 0 && !((struct sockaddr_in *)&ss)->sin_port;
	case AF_INET6:
		return len >= 0 && !((struct sockaddr_in6 *)&ss)->sin6_port;
	case AF_UNIX:
		return len == offsetof(struct sockaddr_un, sun_path);
	default:
		return false;
	}
}

/* most free fds below the shared one taken to reach it */
#define INSIGHT_FD_BELOW_MAX	1024

/*
 * Put @file at @fd of the current task, where nothing is now: the fds
 * below it that are free are taken meanwhile, so that the lowest free
 * one is @fd, then given back.  -EBUSY if another thread took @fd, or
 * more than INSIGHT_FD_BELOW_MAX below it are free.
 */
static int insight_fd_put_at(int fd, struct file *file, bool cloexec)
{
	int got, *taken, n = 0, err = -EBUSY;

	taken = kvmalloc_array(INSIGHT_FD_BELOW_MAX, sizeof(*taken), GFP_KERNEL);
	if (!taken)
		return -ENOMEM;
	while (n < INSIGHT_FD_BELOW_MAX) {
		got = get_unused_fd_flags(cloexec ? O_CLOEXEC : 0);
		if (got < 0 || got > fd) {
			if (got >= 0)
				put_unused_fd(got);
			break;
		}
		if (got == fd) {
			fd_install(fd, get_file(file));
			err = 0;
			break;
		}
		taken[n++] = got;
	}
	while (n)
		put_unused_fd(taken[--n]);
	kvfree(taken);
	return err;
}

/**
 * insight_sock_copy() - connect() of a shared socket: the probe's own copy
 * @p: the probe, the current task
 * @nr: connect
 * @a: its arguments
 *
 * Return: @nr with the call to be made again (ip moved back) on the copy
 * now at the same fd, or -errno (-EPERM: denied, a denied output).
 */
long insight_sock_copy(struct insight_probe *p, long nr, const unsigned long *a)
{
	struct file *old = fget(a[0]), *copy;
	struct socket *sock, *mine;
	bool cloexec;
	long ret = -EPERM;

	if (!old)
		return -EBADF;
	sock = sock_from_file(old);
	if (!sock || !insight_sock_unbound(sock))
		goto denied;
	ret = sock_create(sock->sk->sk_family, sock->type, sock->sk->sk_protocol,
			  &mine);
	if (ret)
		goto out;
	copy = sock_alloc_file(mine, old->f_flags & O_NONBLOCK, NULL);
	if (IS_ERR(copy)) {	/* it released @mine */
		ret = PTR_ERR(copy);
		goto out;
	}
	rcu_read_lock();
	cloexec = close_on_exec(a[0], files_fdtable(current->files));
	rcu_read_unlock();
	ret = close_fd(a[0]) ?: insight_fd_put_at(a[0], copy, cloexec);
	fput(copy);
	if (!ret) {
		task_pt_regs(current)->ip -= 2;	/* as insight_park() */
		ret = nr;
	}
	goto out;
denied:
	insight_output_denied(p, nr, a[0], 0, GFP_KERNEL);
out:
	fput(old);
	return ret;
}
