// SPDX-License-Identifier: GPL-2.0
/*
 * suite_peer: the upstream peer that tests/suite/scenario.sh runs for
 * suite_prefork.  "suite_peer PORT MODE" binds 127.0.0.1:PORT (a free
 * port when PORT is 0), prints "port N" and then, by MODE:
 *   ok      answers each connection "value 42" and closes it
 *   slow    accepts connections, never answers, keeps them open
 *   refuse  does not listen: connecting gets ECONNREFUSED
 * It runs until it is killed.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define HELD 64

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static const char answer[] = "value 42\n";
	int s, c, one = 1, held[HELD], next = 0, i;
	socklen_t alen = sizeof(a);

	if (argc != 3 || (strcmp(argv[2], "ok") && strcmp(argv[2], "slow") &&
			  strcmp(argv[2], "refuse"))) {
		fprintf(stderr, "usage: suite_peer PORT ok|slow|refuse\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	a.sin_port = htons(atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (void *)&a, sizeof(a)) || getsockname(s, (void *)&a, &alen) ||
	    (strcmp(argv[2], "refuse") && listen(s, 16))) {
		perror("suite_peer");
		return 1;
	}
	printf("port %d\n", ntohs(a.sin_port));
	fflush(stdout);
	if (!strcmp(argv[2], "refuse")) {
		for (;;)
			pause();
	}
	for (i = 0; i < HELD; i++)
		held[i] = -1;
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (!strcmp(argv[2], "ok")) {
			if (write(c, answer, sizeof(answer) - 1) < 0)
				perror("suite_peer: write");
			close(c);
			continue;
		}
		/* slow: hold it, forgetting the oldest when there are too many */
		if (held[next] >= 0)
			close(held[next]);
		held[next] = c;
		next = (next + 1) % HELD;
	}
}
