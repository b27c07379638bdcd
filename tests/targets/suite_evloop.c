// SPDX-License-Identifier: GPL-2.0
/*
 * suite_evloop: the event-loop HTTP/1.0 server of the failure suite
 * (tests/suite/).  "suite_evloop PORT DIR WARMUP_MS": one process, a
 * non-blocking listening socket on 127.0.0.1:PORT (a free port when PORT
 * is 0) and its connections in an epoll loop; prints "port N" and works
 * in DIR.  For WARMUP_MS after it started every request gets 503
 * "warming up"; then:
 *   GET /hello       200 "hello"
 *   GET /limit       200 "limit N" from ev.conf ("limit=N"), 500 when
 *                    ev.conf cannot be read or holds no number
 *   GET /page/NAME   200 with pages/NAME, 404 when it does not exist,
 *                    503 "busy" when it cannot be opened for want of
 *                    file descriptors
 * Errors also log a line on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* on the line of a planted failure's deciding if: see suite_kv.c */
#define SUITE_STR_(x) #x
#define SUITE_STR(x) SUITE_STR_(x)
#define TRUTH(name) static const char truth_##name[] __attribute__((used)) = \
	"suite-truth " #name " " __FILE__ ":" SUITE_STR(__LINE__)

static long long started_ms, warmup_ms;

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void reply(int c, const char *status, const char *body)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.0 %s\r\n\r\n%s", status, body);

	if (write(c, buf, n) != n)
		dprintf(2, "evloop: reply lost\n");
}

/* 1 while the server is still warming up */
static int __attribute__((noinline)) warming_up(void)
{
	if (now_ms() - started_ms < warmup_ms) { TRUTH(ev_warming_up);
		dprintf(2, "evloop: warming up\n");
		return 1;
	}
	return 0;
}

/* ev.conf's limit, or -1 */
static int __attribute__((noinline)) read_limit(void)
{
	char buf[128];
	int fd, n, limit;

	fd = open("ev.conf", O_RDONLY);
	if (fd < 0) {
		dprintf(2, "evloop: open ev.conf: %s\n", strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (sscanf(buf, "limit=%d", &limit) != 1) { TRUTH(ev_corrupt_config);
		dprintf(2, "evloop: ev.conf: bad limit\n");
		return -1;
	}
	return limit;
}

/* pages/NAME opened, or -errno */
static int __attribute__((noinline)) open_page(const char *name)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "pages/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0) { TRUTH(ev_fd_limit);
		dprintf(2, "evloop: open pages/%s: %s\n", name, strerror(errno));
		return -errno;
	}
	return fd;
}

static void get_page(int c, const char *name)
{
	char body[256];
	int fd, n;

	if (!*name || strchr(name, '/') || name[0] == '.') {
		reply(c, "400 Bad Request", "bad name\n");
		return;
	}
	fd = open_page(name);
	if (fd == -EMFILE || fd == -ENFILE) {
		reply(c, "503 Service Unavailable", "busy\n");
		return;
	} else if (fd < 0) {
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
	char path[128], body[64];
	int limit;

	if (sscanf(req, "GET %127s HTTP/1.", path) != 1) {
		dprintf(2, "evloop: bad request\n");
		reply(c, "400 Bad Request", "bad request\n");
	} else if (warming_up()) {
		reply(c, "503 Service Unavailable", "warming up\n");
	} else if (!strcmp(path, "/hello")) {
		reply(c, "200 OK", "hello\n");
	} else if (!strcmp(path, "/limit")) {
		limit = read_limit();
		if (limit < 0) {
			reply(c, "500 Internal Server Error", "bad config\n");
		} else {
			snprintf(body, sizeof(body), "limit %d\n", limit);
			reply(c, "200 OK", body);
		}
	} else if (!strncmp(path, "/page/", 6)) {
		get_page(c, path + 6);
	} else {
		reply(c, "404 Not Found", "no such page\n");
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct epoll_event ev, evs[16];
	char req[4096];
	int s, ep, c, i, n, r, one = 1;
	socklen_t alen = sizeof(a);

	if (argc != 4) {
		fprintf(stderr, "usage: suite_evloop PORT DIR WARMUP_MS\n");
		return 2;
	}
	if (chdir(argv[2])) {
		perror(argv[2]);
		return 1;
	}
	warmup_ms = atoll(argv[3]);
	signal(SIGPIPE, SIG_IGN);
	a.sin_port = htons(atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (void *)&a, sizeof(a)) || listen(s, 16) ||
	    getsockname(s, (void *)&a, &alen)) {
		perror("suite_evloop");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = s;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev)) {
		perror("epoll");
		return 1;
	}
	started_ms = now_ms();
	printf("port %d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, evs, 16, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == s) {
				c = accept(s, NULL, NULL);
				if (c < 0)
					continue;
				ev.events = EPOLLIN;
				ev.data.fd = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev))
					close(c);
				continue;
			}
			c = evs[i].data.fd;
			r = read(c, req, sizeof(req) - 1);
			req[r > 0 ? r : 0] = '\0';
			handle(c, req);
			close(c);
		}
	}
}
