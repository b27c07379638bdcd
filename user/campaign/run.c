// SPDX-License-Identifier: GPL-2.0
/*
 * The stack's processes: each component's start command runs with sh in
 * a process group of its own (the whole tree can be signalled, and an
 * injection's process tree is that of the component), its readiness is
 * polled with its "ready" command, its end seen with waitpid.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "proctree.h"
#include "run.h"

/* How long a component without a "ready" command must last to be ready. */
#define NO_READY_GRACE_MS	300

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Fork sh -c @cmd in a new process group, stdout on @outfd (-1: /dev/null). */
static pid_t spawn(const char *cmd, int outfd)
{
	pid_t pid = fork();
	int null;

	if (pid)
		return pid;
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);	/* the campaign gone: the stack goes too */
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(outfd >= 0 ? outfd : null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Read what @fd has into @out at *@used (drops what does not fit). */
static void drain(int fd, char *out, size_t len, size_t *used)
{
	char sink[512];
	ssize_t n;

	for (;;) {
		if (out && *used + 1 < len)
			n = read(fd, out + *used, len - 1 - *used);
		else
			n = read(fd, sink, sizeof(sink));
		if (n <= 0)
			break;
		if (out && *used + 1 < len)
			*used += n;
	}
	if (out && len)
		out[*used] = '\0';
}

int run_cmd(const char *cmd, double seconds, char *out, size_t len,
	    run_idle_fn idle, void *arg, volatile int *stop)
{
	double deadline = now() + seconds;
	int p[2], st, rc = -ETIMEDOUT;
	size_t used = 0;
	pid_t pid;

	if (out && len)
		out[0] = '\0';
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	pid = spawn(cmd, p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	while (now() < deadline && !(stop && *stop)) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };

		poll(&pfd, 1, 50);
		drain(p[0], out, len, &used);
		if (idle)
			idle(arg);
		if (waitpid(pid, &st, WNOHANG) == pid) {
			drain(p[0], out, len, &used);
			close(p[0]);
			return status_of(st);
		}
	}
	if (stop && *stop)
		rc = -EINTR;
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(p[0]);
	return rc;
}

pid_t run_pidfile(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 ? (pid_t)pid : 0;
}

bool run_alive(pid_t pid)
{
	pid_t ppid;
	char st;

	return !proc_stat(pid, &st, &ppid) && st != 'Z' && st != 'X';	/* a zombie has ended */
}

bool stack_ended(struct stack_component *c)
{
	int st;

	if (!c->ended && c->pid > 0 && waitpid(c->pid, &st, WNOHANG) == c->pid) {
		c->ended = true;
		c->status = status_of(st);
	}
	if (c->ended)
		return true;
	return c->root != c->pid && c->root > 0 && !run_alive(c->root);
}

/* Start component @c and wait until it is ready: 0, or -1 (why in @why). */
static int start_one(struct stack *s, struct stack_component *c, char *why, size_t len,
		     volatile int *stop)
{
	double deadline = now() + s->timeout;
	int rc;

	c->ended = false;
	c->pid = spawn(c->start, -1);
	c->root = c->pid;
	if (c->pid < 0) {
		snprintf(why, len, "%s: cannot fork: %s", c->name, strerror(errno));
		return -1;
	}
	for (;;) {
		if (stack_ended(c)) {
			snprintf(why, len, "%s: its start command ended (status %d)", c->name,
				 c->status);
			return -1;
		}
		rc = c->ready ? run_cmd(c->ready, s->timeout, NULL, 0, NULL, NULL, stop) : 0;
		if (!c->ready)	/* ready at once: unless it ends at once */
			usleep(NO_READY_GRACE_MS * 1000);
		if (!rc && !stack_ended(c) &&
		    (!c->pidfile || (c->root = run_pidfile(c->pidfile)) > 0))
			return 0;
		if (now() > deadline || (stop && *stop)) {
			snprintf(why, len, "%s: not ready after %.0f s (%s)", c->name, s->timeout,
				 c->pidfile ? "its ready command, or its pid file" : "its ready command");
			return -1;
		}
		usleep(100 * 1000);
	}
}

int stack_start(struct stack *s, char *why, size_t len, volatile int *stop)
{
	int i;

	for (i = 0; i < s->n; i++)
		s->c[i].pid = s->c[i].root = 0;
	for (i = 0; i < s->n; i++)
		if (start_one(s, &s->c[i], why, len, stop))
			return -1;
	return 0;
}

/* Signal component @c's group (and its root's, if the start daemonized). */
static void signal_component(struct stack_component *c, int sig)
{
	pid_t g;

	if (c->pid > 0)
		kill(-c->pid, sig);
	if (c->root > 0 && c->root != c->pid) {
		g = getpgid(c->root);
		if (g > 1 && g != c->pid)
			kill(-g, sig);
		kill(c->root, sig);
	}
}

void stack_stop(struct stack *s)
{
	double deadline;
	int i;

	for (i = s->n - 1; i >= 0; i--) {
		struct stack_component *c = &s->c[i];

		if (c->pid <= 0)
			continue;
		signal_component(c, SIGTERM);
		deadline = now() + 3;
		while (!stack_ended(c) && now() < deadline)
			usleep(20 * 1000);
		signal_component(c, SIGKILL);	/* the rest of its group, too */
		if (!c->ended)
			waitpid(c->pid, NULL, 0);
		c->pid = c->root = 0;
		c->ended = false;
	}
}
