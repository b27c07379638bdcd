// SPDX-License-Identifier: GPL-2.0
/*
 * A line server for the backend contract's tests (tests/guest/backend_test).
 * It prints "sites SITE", then serves requests from fd 0 until its end:
 * for each, it reads one byte and branches on it at SITE ('G' or not),
 * reads the rest of the line one byte at a time, answers "200 <rest>" or
 * "400 <rest>" on fd 1 and appends "served <rest>" to the file named by
 * argv[1].  With "epoll" as argv[2] it waits in epoll_wait() for fd 0
 * after each request, as an event loop does.  With "peer" it reads, after
 * the branch, one piece (up to 31 bytes) of fd 10, a peer's connection,
 * and adds it to the answer ("200 <rest> <piece>"); with "ids" the piece
 * is its getpid() and gettid() ("200 <rest> <pid> <tid>"); with "efd_own"
 * it is what an eventfd it makes after the branch counts once it has
 * written 1 to it ("1": the write ran; "none": it was captured), with
 * "efd_early" the same of an eventfd made at its start.  It exits at the end
 * of its input (0) or when something fails (1 to 4).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

extern const char psite[];
int first_is_g(int c);

/* returns c == 'G', with a jne at psite */
asm(".text\n"
    ".globl first_is_g\n"
    ".type first_is_g, @function\n"
    "first_is_g:\n\t"
    "mov $1, %eax\n\t"
    "cmp $0x47, %edi\n"
    ".globl psite\n"
    "psite:\n\t"
    "jne 1f\n\t"
    "ret\n"
    "1:\n\t"
    "xor %eax, %eax\n\t"
    "ret\n"
    ".size first_is_g, .-first_is_g\n");

static int peer_mode, ids_mode, efd_mode, early_efd = -1;

/* Write 1 to the eventfd (the early one, or one made now), then read its count. */
static void eventfd_count(char *piece, size_t len)
{
	uint64_t one = 1, n = 0;
	int fd = early_efd >= 0 ? early_efd : eventfd(0, EFD_NONBLOCK);

	if (fd >= 0 && write(fd, &one, sizeof(one)) == sizeof(one) &&
	    read(fd, &n, sizeof(n)) == sizeof(n))
		snprintf(piece, len, "%llu", (unsigned long long)n);
	else
		snprintf(piece, len, "none");
	if (fd != early_efd && fd >= 0)
		close(fd);
}

static int serve(const char *logpath, char c)
{
	char rest[128], out[192], piece[32] = "";
	int get = first_is_g(c), fd, len;
	ssize_t got;
	size_t n = 0;

	while (n < sizeof(rest) - 1 && read(0, &rest[n], 1) == 1 && rest[n] != '\n')
		n++;
	rest[n] = '\0';
	if (peer_mode) {
		got = read(10, piece, sizeof(piece) - 1);
		if (got < 0)
			return 2;
		piece[got] = '\0';
	}
	if (ids_mode)
		snprintf(piece, sizeof(piece), "%d %ld", getpid(), syscall(SYS_gettid));
	if (efd_mode)
		eventfd_count(piece, sizeof(piece));
	len = snprintf(out, sizeof(out), peer_mode || ids_mode || efd_mode ?
		       "%s %s %s\n" : "%s %s\n",
		       get ? "200" : "400", rest, piece);
	if (write(1, out, len) != len)
		return 2;
	fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return 3;
	len = snprintf(out, sizeof(out), "served %s\n", rest);
	if (write(fd, out, len) != len)
		return 4;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = -1, err;
	char c;

	if (argc < 2)
		return 1;
	printf("sites %p\n", (void *)psite);
	fflush(stdout);
	peer_mode = argc > 2 && !strcmp(argv[2], "peer");
	ids_mode = argc > 2 && !strcmp(argv[2], "ids");
	efd_mode = argc > 2 && !strncmp(argv[2], "efd_", 4);
	if (argc > 2 && !strcmp(argv[2], "efd_early")) {
		early_efd = eventfd(0, EFD_NONBLOCK);
		if (early_efd < 0)
			return 1;
	}
	if (argc > 2 && !strcmp(argv[2], "epoll")) {
		ep = epoll_create1(0);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev))
			return 1;
	}
	while (read(0, &c, 1) == 1) {
		err = serve(argv[1], c);
		if (err)
			return err;
		if (ep >= 0 && epoll_wait(ep, &ev, 1, -1) != 1)
			return 1;
	}
	return 0;
}
