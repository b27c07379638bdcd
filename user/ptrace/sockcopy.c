// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's connect() of a socket a probe shares, unconnected,
 * with the target or another probe, as insight.ko's kmod/sockcopy.c: the
 * probe gets a socket of its own in place of its fd and the connect is
 * made again, on that one.  The probe makes the calls itself: its connect
 * becomes socket() (same domain, type, protocol, O_NONBLOCK and
 * close-on-exec, read through a copy of the descriptor taken with
 * pidfd_getfd()), then at its exit stop dup3() of the new socket onto the
 * fd and close() of the new one are injected at the target's `syscall`
 * instruction, and the connect is made again (sandbox.c's retry).  A
 * shared socket that is bound, connected, listening, or of a family other
 * than inet, inet6 and unix is not copied: the connect is denied.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "ptrace.h"

/* Whether @sock is unconnected, not listening and bound to no address. */
static bool pt_sock_unbound(int sock, int domain)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int listening = 0;
	socklen_t llen = sizeof(listening);

	if (getsockopt(sock, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) || listening)
		return false;
	if (!getpeername(sock, (struct sockaddr *)&ss, &len) || errno != ENOTCONN)
		return false;
	len = sizeof(ss);
	if (getsockname(sock, (struct sockaddr *)&ss, &len))
		return false;
	switch (domain) {
	case AF_INET:
		return !((struct sockaddr_in *)&ss)->sin_port;
	case AF_INET6:
		return !((struct sockaddr_in6 *)&ss)->sin6_port;
	case AF_UNIX:
		return len == offsetof(struct sockaddr_un, sun_path);
	default:
		return false;
	}
}

/*
 * At the enter stop of @t's connect (@r) of a shared socket: make it a
 * socket() of the same kind (true), the copy to finish at the exit stop
 * (pt_sock_copy_finish()); false if the socket is not one to copy.
 */
bool pt_sock_copy_start(struct pt_task *t, const struct user_regs_struct *r)
{
	int fd = r->rdi, sock, domain = 0, type = 0, proto = 0;
	socklen_t len = sizeof(int);
	struct user_regs_struct w = *r;
	unsigned int flags = 0;
	bool ok;

	sock = pt_fd_copy(t->tid, fd);
	if (sock < 0)
		return false;
	ok = !getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &len) &&
	     !getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) &&
	     !getsockopt(sock, SOL_SOCKET, SO_PROTOCOL, &proto, &len) &&
	     pt_sock_unbound(sock, domain);
	if (ok && (fcntl(sock, F_GETFL) & O_NONBLOCK))
		type |= SOCK_NONBLOCK;
	close(sock);
	if (!ok)
		return false;
	t->copy_fd = fd;
	t->copy_cloexec = !pt_fd_flags(t->tid, fd, &flags) && (flags & O_CLOEXEC);
	w.orig_rax = SYS_socket;
	w.rdi = domain;
	w.rsi = type | (t->copy_cloexec ? SOCK_CLOEXEC : 0);
	w.rdx = proto;
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, &w))
		return false;
	t->retry_regs = *r;
	t->retry_regs.rip -= 2;		/* the connect again, on the copy */
	t->retry_regs.rax = r->orig_rax;
	t->retrying = true;
	t->copying = true;
	return true;
}

/*
 * Make stopped @t run syscall @nr (@a0, @a1, @a2) at b->sysaddr, from
 * the registers @base, up to its exit stop; its result or -errno.
 */
static long pt_inject(struct xb *b, struct pt_task *t, const struct user_regs_struct *base,
		      long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct user_regs_struct r = *base;
	struct pt_status s;
	int sysstops = 0;

	r.rax = nr;
	r.orig_rax = -1;
	r.rdi = a0;
	r.rsi = a1;
	r.rdx = a2;
	r.rip = b->sysaddr;
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, &r))
		return -errno;
	while (sysstops < 2) {
		ptrace(PTRACE_SYSCALL, t->tid, NULL, NULL);
		if (pt_wait_task(b, t, &s))
			return -ESRCH;
		if (s.what == PTW_SYSCALL)
			sysstops++;
		else if (s.what == PTW_SIGNAL && s.sig > 0 && s.sig < 64)
			t->resend |= 1ULL << s.sig;	/* sent again afterwards */
	}
	return ptrace(PTRACE_GETREGS, t->tid, NULL, &r) ? -errno : (long)r.rax;
}

/*
 * At the exit stop of the socket() pt_sock_copy_start() made: the new
 * socket onto the shared one's fd, the new fd closed.  The caller then
 * makes the connect again (pt_retry()); if the copy failed, it gets the
 * error instead.
 */
void pt_sock_copy_finish(struct xb *b, struct pt_task *t)
{
	struct user_regs_struct r;
	long mine, err;

	t->copying = false;
	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &r))
		return;
	mine = (long)r.rax;
	err = mine;
	if (mine >= 0) {
		err = pt_inject(b, t, &r, SYS_dup3, mine, t->copy_fd,
				t->copy_cloexec ? O_CLOEXEC : 0);
		pt_inject(b, t, &r, SYS_close, mine, 0, 0);
	}
	if (err < 0) {		/* the connect fails with it, not made again */
		t->retry_regs.rip += 2;
		t->retry_regs.rax = err;
	}
}
