// SPDX-License-Identifier: GPL-2.0
/*
 * An edge-triggered event loop, for the sandbox's idle-fork rule: a
 * non-blocking listener on 127.0.0.1 in an epoll set with EPOLLET.  It
 * prints "sites SITE" and "port N"; each time epoll_wait() reports,
 * ready(n) decides at SITE (jle: back to waiting when n <= 0) whether to
 * accept every pending connection, read one line from each and answer
 * "ok".  A probe forked at SITE goes back to epoll_wait() at once, before
 * any request: it must not take the next connection's edge.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

extern const char site_ready[];
long ready(long n);

asm(".text\n"
    ".globl ready\n"
    ".type ready, @function\n"
    "ready:\n\t"
    "xor %eax, %eax\n\t"
    "cmp $0, %rdi\n"
    ".globl site_ready\n"
    "site_ready:\n\t"
    "jle 1f\n\t"
    "mov $1, %eax\n"
    "1:\n\t"
    "ret\n"
    ".size ready, .-ready\n");

static void serve(int s)
{
	char buf[256];
	ssize_t n;
	int c;

	while ((c = accept(s, NULL, NULL)) >= 0) {
		n = read(c, buf, sizeof(buf));
		if (n > 0 && write(c, "ok\n", 3) != 3)
			perror("write");
		close(c);
	}
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, evs[8];
	socklen_t len = sizeof(a);
	int s, ep;

	setvbuf(stdout, NULL, _IOLBF, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ep = epoll_create1(0);
	if (s < 0 || ep < 0 || bind(s, (void *)&a, sizeof(a)) || listen(s, 16) ||
	    getsockname(s, (void *)&a, &len) || epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev))
		return 1;
	printf("sites %p\n", (void *)site_ready);
	printf("port %d\n", ntohs(a.sin_port));
	for (;;)
		if (ready(epoll_wait(ep, evs, 8, -1)))
			serve(s);
}
