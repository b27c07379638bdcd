// SPDX-License-Identifier: GPL-2.0
/*
 * A component for tests/guest/inject_test.c: it prints "sites ADDR", the
 * address of libc's getpid() in it (a library function to inject into),
 * then makes the calls its arguments name, in order, writing one line
 * for each (with write(), no stdio buffer that a fault could change):
 *
 *   open:PATH     openat(PATH, O_RDONLY), closed: "open=R errno=E"
 *   cd:DIR        chdir(DIR): "cd=R"
 *   connect:PORT  a TCP connect to 127.0.0.1:PORT: "connect=R errno=E"
 *   getpid        libc's getpid() and the real one: "getpid=P real=R"
 *   wait          reads a line of stdin first: "wait"
 *   child         the rest runs in a forked child; the parent waits for
 *                 it: "child=EXIT signal=SIG" (-1 if killed)
 *
 * and "end" last.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void say(const char *fmt, long a, long b)
{
	char line[128];
	int n = snprintf(line, sizeof(line), fmt, a, b);

	if (write(1, line, n) != n)
		_exit(3);
}

static void put(const char *s)
{
	if (write(1, s, strlen(s)) != (ssize_t)strlen(s))
		_exit(3);
}

static long do_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	long r;

	if (s < 0)
		return -1;
	r = connect(s, (struct sockaddr *)&a, sizeof(a));
	if (r < 0) {
		int e = errno;

		close(s);
		errno = e;
	}
	return r;
}

/* Make call @a; 1 if the rest goes to a child (the caller then waits). */
static int act(const char *a)
{
	char buf[64];
	long r;

	errno = 0;
	if (!strncmp(a, "open:", 5)) {
		r = open(a + 5, O_RDONLY);
		say("open=%ld errno=%ld\n", r, r < 0 ? errno : 0);
		if (r >= 0)
			close(r);
	} else if (!strncmp(a, "cd:", 3)) {
		say("cd=%ld%.0ld\n", chdir(a + 3), 0);
	} else if (!strncmp(a, "connect:", 8)) {
		r = do_connect(atoi(a + 8));
		say("connect=%ld errno=%ld\n", r, r < 0 ? errno : 0);
	} else if (!strcmp(a, "getpid")) {
		say("getpid=%ld real=%ld\n", getpid(), syscall(SYS_getpid));
	} else if (!strcmp(a, "wait")) {
		if (read(0, buf, sizeof(buf)) <= 0)
			_exit(4);
		put("wait\n");
	} else if (!strcmp(a, "child")) {
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i, st;
	pid_t c;

	say("sites %lx%.0ld\n", (long)(void *)getpid, 0);
	for (i = 1; i < argc; i++) {
		if (!act(argv[i]))
			continue;
		c = fork();
		if (c < 0)
			return 2;
		if (c > 0) {
			st = -1;
			waitpid(c, &st, 0);
			say("child=%ld signal=%ld\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
			    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			break;
		}
	}
	put("end\n");
	return 0;
}
