// SPDX-License-Identifier: GPL-2.0
/*
 * The resume guard (guard.h).  It waits on a pipe whose only writer is
 * insight shadow: a byte means "released", end of file without one means
 * insight shadow is gone (exit, crash or SIGKILL) while production may be
 * paused or migrating: the guard runs the undo it was given on the shared
 * QMP connection (its commands carry their own ids: a reply that was
 * meant for the dead parent is skipped), then exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include "guard.h"

static void guard_main(int qmp_fd, int in, void (*undo)(int fd, void *arg), void *arg)
{
	char c;
	ssize_t n;

	/* not a target of the terminal's signals to insight shadow */
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	do
		n = read(in, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		undo(qmp_fd, arg);
	_exit(0);
}

int guard_start(struct guard *g, int qmp_fd, void (*undo)(int fd, void *arg), void *arg)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	g->pid = fork();
	if (g->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (!g->pid) {
		close(p[1]);
		guard_main(qmp_fd, p[0], undo, arg);
	}
	close(p[0]);
	g->pipe = p[1];
	return 0;
}

void guard_release(struct guard *g)
{
	char c = 'r';

	if (g->pid <= 0)
		return;
	if (write(g->pipe, &c, 1) != 1)
		kill(g->pid, SIGKILL);
	close(g->pipe);
	waitpid(g->pid, NULL, 0);
	g->pid = 0;
}
