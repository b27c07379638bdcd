// SPDX-License-Identifier: GPL-2.0
/*
 * suite_prefork: the pre-forking HTTP/1.0 server of the failure suite
 * (tests/suite/).  "suite_prefork PORT DIR": the master listens on
 * 127.0.0.1:PORT (a free port when PORT is 0), prints "port N", forks two
 * workers working in DIR, prints "worker PID" for each and waits for
 * them.  Every worker blocks in accept() on the shared socket: which one
 * takes a connection is the kernel's choice (record the server by cgroup;
 * the failure record names the worker that served the request).
 *   GET /value       asks the upstream peer whose port is in the file
 *                    "upstream" (it answers "value N" when connected):
 *                    200 "value N", 502 when it cannot be reached, 504
 *                    when it says nothing within 300 ms
 *   GET /file/NAME   200 with files/NAME, 404 when it cannot be opened
 * Errors also log a line on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* on the line of a planted failure's deciding if: see suite_kv.c */
#define SUITE_STR_(x) #x
#define SUITE_STR(x) SUITE_STR_(x)
#define TRUTH(name) static const char truth_##name[] __attribute__((used)) = \
	"suite-truth " #name " " __FILE__ ":" SUITE_STR(__LINE__)

#define WORKERS 2
#define UPSTREAM_MS 300

static void reply(int c, const char *status, const char *body)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.0 %s\r\n\r\n%s", status, body);

	if (write(c, buf, n) != n)
		dprintf(2, "prefork: reply lost\n");
}

/* the port in "upstream", or -1 */
static int upstream_port(void)
{
	char buf[32];
	int fd, n;

	fd = open("upstream", O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	n = atoi(buf);
	return n > 0 && n < 65536 ? n : -1;
}

/* a socket connected to the upstream, or -1 */
static int __attribute__((noinline)) connect_upstream(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s, r;

	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return -1;
	r = connect(s, (void *)&a, sizeof(a));
	if (r < 0) { TRUTH(pf_peer_refused);
		dprintf(2, "prefork: connect upstream: %s\n", strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

/* 0 when the upstream has something to say within UPSTREAM_MS */
static int __attribute__((noinline)) wait_upstream(int s)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	int n;

	n = poll(&p, 1, UPSTREAM_MS);
	if (n == 0) { TRUTH(pf_peer_timeout);
		dprintf(2, "prefork: upstream timed out\n");
		return -1;
	}
	return n < 0 ? -1 : 0;
}

static void get_value(int c)
{
	char buf[128];
	int port = upstream_port(), s, n;

	if (port < 0) {
		dprintf(2, "prefork: no upstream\n");
		reply(c, "502 Bad Gateway", "no upstream\n");
		return;
	}
	s = connect_upstream(port);
	if (s < 0) {
		reply(c, "502 Bad Gateway", "upstream unavailable\n");
		return;
	}
	if (wait_upstream(s)) {
		close(s);
		reply(c, "504 Gateway Timeout", "upstream timeout\n");
		return;
	}
	n = read(s, buf, sizeof(buf) - 1);
	close(s);
	buf[n > 0 ? n : 0] = '\0';
	if (strncmp(buf, "value ", 6)) {
		dprintf(2, "prefork: bad answer from upstream\n");
		reply(c, "502 Bad Gateway", "bad upstream answer\n");
		return;
	}
	reply(c, "200 OK", buf);
}

/* files/NAME opened, or -1 */
static int __attribute__((noinline)) open_file(const char *name)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "files/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0) { TRUTH(pf_not_found);
		dprintf(2, "prefork: open files/%s: %s\n", name, strerror(errno));
		return -1;
	}
	return fd;
}

static void get_file(int c, const char *name)
{
	char body[256];
	int fd, n;

	if (!*name || strchr(name, '/') || name[0] == '.') {
		dprintf(2, "prefork: bad file name\n");
		reply(c, "400 Bad Request", "bad name\n");
		return;
	}
	fd = open_file(name);
	if (fd < 0) {
		reply(c, "404 Not Found", "not found\n");
		return;
	}
	n = read(fd, body, sizeof(body) - 1);
	close(fd);
	body[n > 0 ? n : 0] = '\0';
	reply(c, "200 OK", body);
}

static void handle(int c, const char *req)
{
	char path[128];

	if (sscanf(req, "GET %127s HTTP/1.", path) != 1) {
		dprintf(2, "prefork: bad request\n");
		reply(c, "400 Bad Request", "bad request\n");
	} else if (!strcmp(path, "/value")) {
		get_value(c);
	} else if (!strncmp(path, "/file/", 6)) {
		get_file(c, path + 6);
	} else {
		reply(c, "404 Not Found", "no such page\n");
	}
}

static void worker(int s)
{
	char req[4096];
	int c, n;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		n = read(c, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = '\0';
		handle(c, req);
		close(c);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s, i, one = 1;
	socklen_t alen = sizeof(a);
	pid_t pid;

	if (argc != 3) {
		fprintf(stderr, "usage: suite_prefork PORT DIR\n");
		return 2;
	}
	if (chdir(argv[2])) {
		perror(argv[2]);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	a.sin_port = htons(atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (void *)&a, sizeof(a)) || listen(s, 16) ||
	    getsockname(s, (void *)&a, &alen)) {
		perror("suite_prefork");
		return 1;
	}
	printf("port %d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (i = 0; i < WORKERS; i++) {
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid)
			worker(s);
		printf("worker %d\n", (int)pid);
		fflush(stdout);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
