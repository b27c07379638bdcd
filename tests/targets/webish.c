// SPDX-License-Identifier: GPL-2.0
/*
 * A small HTTP/1.0 server for the recorder tests: "webish PORT CONFIG".
 * It prints "sites" and "port N" once it listens on 127.0.0.1:N (N is
 * PORT, or a free port when PORT is 0), then serves one connection at a
 * time:
 *   GET /      200 "hello"
 *   GET /conf  200 with CONFIG's first line, or, when CONFIG cannot be
 *              opened, logs "error: cannot open CONFIG: ..." on stderr and
 *              answers 500
 *   GET /quit  200, then exits with status 3
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

static void reply(int c, const char *status, const char *body)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.0 %s\r\n\r\n%s", status, body);

	if (write(c, buf, n) != n)
		exit(4);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char req[1024], body[256];
	int s, c, n, one = 1, fd;
	socklen_t alen;

	if (argc < 3)
		return 2;
	a.sin_port = htons(atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (void *)&a, sizeof(a)) || listen(s, 8))
		return 1;
	alen = sizeof(a);
	if (getsockname(s, (void *)&a, &alen))
		return 1;
	printf("sites\nport %d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			return 1;
		n = read(c, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = '\0';
		if (!strncmp(req, "GET /quit ", 10)) {
			reply(c, "200 OK", "bye\n");
			close(c);
			return 3;
		} else if (!strncmp(req, "GET /conf ", 10)) {
			fd = open(argv[2], O_RDONLY);
			if (fd < 0) {
				dprintf(2, "error: cannot open %s: %s\n", argv[2], strerror(errno));
				reply(c, "500 Internal Server Error", "");
			} else {
				n = read(fd, body, sizeof(body) - 1);
				body[n > 0 ? n : 0] = '\0';
				close(fd);
				reply(c, "200 OK", body);
			}
		} else {
			reply(c, "200 OK", "hello\n");
		}
		close(c);
	}
}
