// SPDX-License-Identifier: GPL-2.0
/*
 * A target whose forked probe attacks the world outside its sandbox, for
 * tests/guest/deny_test.c.  "hostile ACTION [ARG...]" prints "sites
 * SITE" and stops itself (SIGSTOP) until the test has set up a session
 * with SITE as a FORK site.  At SITE the target goes its natural way and
 * exits 0; the probe forked there goes the other way: it makes the
 * ACTION's syscall (the fds it names were inherited from the test, their
 * descriptions shared with it), writes "ret=R errno=E" on fd 1 (a write:
 * captured, never delivered) and exits 0.  Each ACTION is the raw
 * syscall (syscall(2)), so that the test knows the number denied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <linux/futex.h>

extern const char site_flip[];
int flip(int v);

/* 1 when v == 0 (the natural way here); the forked probe gets 0 */
asm(".text\n"
    ".globl flip\n"
    ".type flip, @function\n"
    "flip:\n\t"
    "xor %eax, %eax\n\t"
    "test %edi, %edi\n"
    ".globl site_flip\n"
    "site_flip:\n\t"
    "jne 1f\n\t"
    "mov $1, %eax\n"
    "1:\n\t"
    "ret\n"
    ".size flip, .-flip\n");

/* write(fd, buf, len) through int $0x80 (ia32 write is 4); buf below 4 GiB */
static long int80_write(int fd, const char *s, size_t len)
{
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long ret;

	if (low == MAP_FAILED)
		return -1;
	memcpy(low, s, len);
	asm volatile("int $0x80" : "=a"(ret)
		     : "a"(4), "b"(fd), "c"(low), "d"(len) : "memory");
	return ret;
}

static long mmap_store(int fd)
{
	long p = syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == -1)
		return -1;
	memcpy((char *)p, "XXXX", 4);
	return 0;
}

static long sendmmsg2(int fd)
{
	struct iovec a = { "mm1", 3 }, b = { "mm2", 3 };
	struct mmsghdr m[2] = {
		{ .msg_hdr = { .msg_iov = &a, .msg_iovlen = 1 } },
		{ .msg_hdr = { .msg_iov = &b, .msg_iovlen = 1 } },
	};

	return syscall(SYS_sendmmsg, fd, m, 2, 0) == 2 && m[0].msg_len == 3 && m[1].msg_len == 3 ? 2 : -1;
}

static long sendfile_at(int out, int in)
{
	off_t off = 2;
	long n = syscall(SYS_sendfile, out, in, &off, 5);

	return n == 5 && off == 7 ? n : -1;
}

static long epoll_add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fd, &ev);
}

static long timer_arm(int fd)
{
	struct itimerspec its = { .it_value = { .tv_sec = 1000 } };

	return syscall(SYS_timerfd_settime, fd, 0, &its, NULL);
}

static long splice_out(int out, int in)
{
	return syscall(SYS_splice, in, NULL, out, NULL, 16, 0);
}

static long connect_to(int fd, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return syscall(SYS_connect, fd, &a, sizeof(a));
}

/* One read of up to 5 bytes from @fd, the way @how names. */
static long read5(int fd, const char *how, char *buf)
{
	struct iovec iov = { buf, 5 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (!strcmp(how, "readv"))
		return syscall(SYS_readv, fd, &iov, 1);
	if (!strcmp(how, "recvfrom"))
		return syscall(SYS_recvfrom, fd, buf, 5, 0, NULL, NULL);
	if (!strcmp(how, "recvmsg"))
		return syscall(SYS_recvmsg, fd, &m, 0);
	return syscall(SYS_read, fd, buf, 5);
}

/*
 * Read @fd 5 bytes at a time until its end, writing each piece on fd 1
 * (captured: the test sees what the probe got); the total, or -1.
 */
static long echo(int fd, const char *how)
{
	long n, total = 0;
	char buf[5];

	while ((n = read5(fd, how, buf)) > 0) {
		if (write(1, buf, n) != n)
			return -1;
		total += n;
	}
	return n < 0 ? n : total;
}

static const uint64_t one = 1;

/* Add 1 to an eventfd of its own, then read its count: 1 if the write ran. */
static long eventfd_own(void)
{
	int fd = syscall(SYS_eventfd2, 0, EFD_NONBLOCK);
	uint64_t n = 0;

	if (fd < 0 || syscall(SYS_write, fd, &one, sizeof(one)) != sizeof(one))
		return -1;
	return syscall(SYS_read, fd, &n, sizeof(n)) == sizeof(n) ? (long)n : -1;
}

static long act(int argc, char **argv)
{
	const char *a = argv[1], *p = argc > 2 ? argv[2] : "";
	int fd = atoi(p), fd2 = argc > 3 ? atoi(argv[3]) : -1;
	char buf[16];

	if (!strcmp(a, "unlink"))
		return syscall(SYS_unlink, p);
	if (!strcmp(a, "rename"))
		return syscall(SYS_rename, p, argv[3]);
	if (!strcmp(a, "creat"))
		return syscall(SYS_openat, AT_FDCWD, p, O_WRONLY | O_CREAT, 0644);
	if (!strcmp(a, "trunc"))
		return syscall(SYS_openat, AT_FDCWD, p, O_WRONLY | O_TRUNC);
	if (!strcmp(a, "mkdir"))
		return syscall(SYS_mkdir, p, 0755);
	if (!strcmp(a, "chmod"))
		return syscall(SYS_chmod, p, 0600);
	if (!strcmp(a, "ftruncate"))
		return syscall(SYS_ftruncate, fd, 0);
	if (!strcmp(a, "write"))
		return syscall(SYS_write, fd, "leak", 4);
	if (!strcmp(a, "eventfd_write"))	/* adds 1 to the eventfd @fd */
		return syscall(SYS_write, fd, &one, sizeof(one));
	if (!strcmp(a, "eventfd_own"))	/* what its own eventfd counts after a write */
		return eventfd_own();
	if (!strcmp(a, "sendmmsg"))
		return sendmmsg2(fd);
	if (!strcmp(a, "sendfile"))
		return sendfile_at(fd, fd2);
	if (!strcmp(a, "splice"))
		return splice_out(fd, fd2);
	if (!strcmp(a, "shutdown"))
		return syscall(SYS_shutdown, fd, SHUT_RDWR);
	if (!strcmp(a, "setfl"))
		return syscall(SYS_fcntl, fd, F_SETFL, O_NONBLOCK);
	if (!strcmp(a, "epoll_ctl"))
		return epoll_add(fd, fd2);
	if (!strcmp(a, "read"))
		return syscall(SYS_read, fd, buf, sizeof(buf));
	if (!strcmp(a, "echo"))		/* argv[3]: read, readv, recvfrom, recvmsg */
		return echo(fd, argc > 3 ? argv[3] : "read");
	if (!strcmp(a, "connect"))	/* argv[3]: a port on 127.0.0.1 */
		return connect_to(fd, fd2);
	if (!strcmp(a, "getdents"))
		return syscall(SYS_getdents64, fd, buf, sizeof(buf));
	if (!strcmp(a, "lseek"))
		return syscall(SYS_lseek, fd, 10, SEEK_SET);
	if (!strcmp(a, "seek_read"))	/* its own position: 10, then 7 bytes */
		return syscall(SYS_lseek, fd, 10, SEEK_SET) == 10 ?
		       syscall(SYS_read, fd, buf, sizeof(buf)) : -1;
	if (!strcmp(a, "accept"))
		return syscall(SYS_accept, fd, NULL, NULL);
	if (!strcmp(a, "timerfd_settime"))
		return timer_arm(fd);
	if (!strcmp(a, "kill"))
		return syscall(SYS_kill, getppid(), SIGUSR1);
	if (!strcmp(a, "tgkill"))
		return syscall(SYS_tgkill, getppid(), getppid(), SIGUSR1);
	if (!strcmp(a, "kill_self0"))	/* signal 0 to the test: only a check */
		return syscall(SYS_kill, getppid(), 0);
	if (!strcmp(a, "fork"))
		return syscall(SYS_fork);
	if (!strcmp(a, "clone3"))
		return syscall(SYS_clone3, NULL, 0);
	if (!strcmp(a, "execve"))
		return syscall(SYS_execve, "/bin/true", argv, NULL);
	if (!strcmp(a, "io_uring_setup"))
		return syscall(SYS_io_uring_setup, 4, buf);
	if (!strcmp(a, "ptrace"))
		return syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, getppid(), 0, 0);
	if (!strcmp(a, "shmget"))
		return syscall(SYS_shmget, 0 /* IPC_PRIVATE */, 4096, 01000 | 0600);
	if (!strcmp(a, "futex_wake"))
		return syscall(SYS_futex, buf, FUTEX_WAKE, 1, NULL, NULL, 0);
	if (!strcmp(a, "mmap_shared"))	/* and a store through it */
		return mmap_store(fd);
	if (!strcmp(a, "int80_write"))
		return int80_write(fd, "leak", 4);
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv)
{
	char out[64];
	long ret;
	int len;

	if (argc < 2)
		return 2;
	printf("sites %p\n", (void *)site_flip);
	fflush(stdout);
	raise(SIGSTOP);
	if (flip(0))
		_exit(0);	/* the target */
	errno = 0;
	ret = act(argc, argv);
	len = snprintf(out, sizeof(out), "ret=%ld errno=%d\n", ret, ret < 0 ? errno : 0);
	_exit(write(1, out, len) == len ? 0 : 3);
}
