// SPDX-License-Identifier: GPL-2.0
/*
 * A request/response target for the sandbox tests.  It prints "sites
 * SITE", stops itself (SIGSTOP) until the test has set up its session,
 * then reads a request from fd 0 one byte at a time: at SITE it branches
 * on the first byte ('G' or not), then reads the rest of the line.  It
 * answers on fd 1 "200 <rest>" or "400 <rest>", appends "served <rest>"
 * to the file named by argv[1] (or reports why it could not open it),
 * and exits.  Every byte of the request after the branch is read after
 * the split, so forked probes show whether each reads at its own offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "site_get.h"

int main(int argc, char **argv)
{
	const char *logpath = argc > 1 ? argv[1] : "/tmp/insight-server.log";
	char rest[128], out[256], c;
	size_t n = 0;
	int get, fd, len;

	printf("sites %p\n", (void *)site_get);
	fflush(stdout);
	raise(SIGSTOP);
	if (read(0, &c, 1) != 1)
		return 1;
	get = is_get(c);
	while (n < sizeof(rest) - 1 && read(0, &rest[n], 1) == 1 && rest[n] != '\n')
		n++;
	rest[n] = '\0';
	len = snprintf(out, sizeof(out), "%s %s\n", get ? "200" : "400", rest);
	if (write(1, out, len) != len)
		return 2;
	fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0) {
		len = snprintf(out, sizeof(out), "log failed: %d\n", errno);
		return write(1, out, len) == len ? 3 : 4;
	}
	len = snprintf(out, sizeof(out), "served %s\n", rest);
	if (write(fd, out, len) != len)
		return 5;
	close(fd);
	return 0;
}
