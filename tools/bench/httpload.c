// SPDX-License-Identifier: GPL-2.0
/*
 * httpload PORT PATH SECONDS [OUT]: a client of a web server on
 * 127.0.0.1:PORT sending "GET PATH" back to back (a connection each, a
 * 5 s timeout) for SECONDS; prints "REQUESTS FAILED MAX_GAP_MS RATE":
 * answers received, requests without an HTTP answer, the longest time
 * between two answers (the longest pause a client saw), answers per
 * second.  With OUT, the same line is rewritten there after every answer
 * (OUT.tmp renamed: a reader always finds a whole line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One request: 1 if an HTTP status line came back, else 0. */
static int ask(int port, const char *req)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 5 };
	char buf[512];
	ssize_t n, got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!connect(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    write(fd, req, strlen(req)) == (ssize_t)strlen(req))
		while (got < (ssize_t)sizeof(buf) - 1 &&
		       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += n;
	close(fd);
	buf[got] = '\0';
	return !strncmp(buf, "HTTP/1.", 7);
}

static void line(FILE *f, long ok, long failed, double gap, double secs)
{
	fprintf(f, "%ld %ld %.1f %.1f\n", ok, failed, gap, secs > 0 ? ok / secs : 0);
}

int main(int argc, char **argv)
{
	double start, last, gap = 0, t;
	long ok = 0, failed = 0;
	char req[1024], tmp[4096];
	FILE *f;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: httpload PORT PATH SECONDS [OUT]\n");
		return 2;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", argv[2]);
	snprintf(tmp, sizeof(tmp), "%s.tmp", argc == 5 ? argv[4] : "");
	start = last = now_ms();
	while ((t = now_ms()) - start < atof(argv[3]) * 1e3) {
		if (!ask(atoi(argv[1]), req)) {
			failed++;
			usleep(10 * 1000);
			continue;
		}
		t = now_ms();
		if (ok && t - last > gap)
			gap = t - last;
		ok++;
		last = t;
		/* whole, for a reader at any moment: written aside, renamed */
		if (argc == 5 && (f = fopen(tmp, "w"))) {
			line(f, ok, failed, gap, (t - start) / 1e3);
			if (!fclose(f))
				rename(tmp, argv[4]);
		}
	}
	line(stdout, ok, failed, gap, (now_ms() - start) / 1e3);
	return 0;
}
