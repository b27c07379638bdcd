// SPDX-License-Identifier: GPL-2.0
/*
 * suite_kv: the key-value server of the failure suite (tests/suite/).
 * "suite_kv PORT DIR" listens on 127.0.0.1:PORT (a free port when PORT
 * is 0), prints "port N", works in DIR and serves one connection at a
 * time, one request line per connection:
 *   GET KEY        "OK VALUE" from store/KEY
 *   PUT KEY VALUE  writes VALUE to store/KEY: "OK stored"
 * A KEY is 1 to 32 of a-z, 0-9, '_'.  Each request loads kv.conf
 * ("maxlen=N": the longest value PUT takes).  Errors are one "ERR ..."
 * line, with a log line on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

/*
 * TRUTH(name) goes on the line of a planted failure's deciding if: it
 * leaves "suite-truth NAME FILE:LINE" in the binary for
 * tests/suite/scenario.sh, and no code.
 */
#define SUITE_STR_(x) #x
#define SUITE_STR(x) SUITE_STR_(x)
#define TRUTH(name) static const char truth_##name[] __attribute__((used)) = \
	"suite-truth " #name " " __FILE__ ":" SUITE_STR(__LINE__)

#define KEYCHARS "abcdefghijklmnopqrstuvwxyz0123456789_"

static void reply(int c, const char *line)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);

	if (write(c, buf, n) != n)
		dprintf(2, "kv: reply lost\n");
}

static int __attribute__((noinline)) check_key(const char *key)
{
	size_t n = strspn(key, KEYCHARS);

	if (n == 0 || n > 32 || key[n] != '\0') { TRUTH(kv_malformed);
		dprintf(2, "kv: malformed request\n");
		return -1;
	}
	return 0;
}

/* kv.conf's maxlen, or -1 */
static int __attribute__((noinline)) load_config(void)
{
	char buf[128];
	int fd, n, maxlen;

	fd = open("kv.conf", O_RDONLY);
	if (fd < 0) { TRUTH(kv_missing_config);
		dprintf(2, "kv: cannot open kv.conf: %s\n", strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (sscanf(buf, "maxlen=%d", &maxlen) != 1 || maxlen < 0) {
		dprintf(2, "kv: kv.conf: no maxlen\n");
		return -1;
	}
	return maxlen;
}

static void do_get(int c, const char *key)
{
	char path[64], val[200], out[210];
	int fd, n;

	snprintf(path, sizeof(path), "store/%s", key);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		dprintf(2, "kv: get %s: %s\n", key, strerror(errno));
		reply(c, "ERR not found");
		return;
	}
	n = read(fd, val, sizeof(val) - 1);
	close(fd);
	val[n > 0 ? n : 0] = '\0';
	val[strcspn(val, "\n")] = '\0';
	snprintf(out, sizeof(out), "OK %s", val);
	reply(c, out);
}

/* 0, or -1 when the value could not be written whole */
static int __attribute__((noinline)) store_value(int fd, const char *key,
						 const char *val)
{
	ssize_t len = strlen(val), n;

	n = write(fd, val, len);
	if (n != len) { TRUTH(kv_disk_full);
		dprintf(2, "kv: write store/%s: %s\n", key,
			n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

static void do_put(int c, const char *key, const char *val, int maxlen)
{
	char path[64];
	int fd, err;

	if ((int)strlen(val) > maxlen) {
		dprintf(2, "kv: put %s: value too long\n", key);
		reply(c, "ERR too long");
		return;
	}
	snprintf(path, sizeof(path), "store/%s", key);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		dprintf(2, "kv: put %s: %s\n", key, strerror(errno));
		reply(c, "ERR io");
		return;
	}
	err = store_value(fd, key, val);
	close(fd);
	reply(c, err ? "ERR disk full" : "OK stored");
}

static void handle(int c, char *req)
{
	char *verb, *key, *val = "";
	int maxlen;

	req[strcspn(req, "\r\n")] = '\0';
	verb = req;
	key = strchr(req, ' ');
	if (key) {
		*key++ = '\0';
		val = strchr(key, ' ');
		if (val)
			*val++ = '\0';
		else
			val = "";
	} else {
		key = "";
	}
	if (check_key(key)) {
		reply(c, "ERR malformed");
		return;
	}
	maxlen = load_config();
	if (maxlen < 0) {
		reply(c, "ERR config");
		return;
	}
	if (!strcmp(verb, "GET") && !*val) {
		do_get(c, key);
	} else if (!strcmp(verb, "PUT")) {
		do_put(c, key, val, maxlen);
	} else {
		dprintf(2, "kv: unknown request\n");
		reply(c, "ERR unknown");
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char req[4096];
	int s, c, n, one = 1;
	socklen_t alen = sizeof(a);

	if (argc != 3) {
		fprintf(stderr, "usage: suite_kv PORT DIR\n");
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
		perror("suite_kv");
		return 1;
	}
	printf("port %d\n", ntohs(a.sin_port));
	fflush(stdout);
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
