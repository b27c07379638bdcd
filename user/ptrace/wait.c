// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's waits, as rr's WaitManager: every waitpid() of the
 * backend is here, and every wait status is decoded here into a struct
 * pt_status, so the rules (__WALL for threads, EINTR retried, a task
 * reaped by someone else is gone, a dead probe ends with one event) are
 * written once.  Nothing else in user/ptrace/ calls waitpid().
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>

#include "ptrace.h"

/* The only waitpid(): the pid waited for, 0 (WNOHANG, nothing yet) or -errno. */
static pid_t pt_waitpid(pid_t pid, int *raw, int flags)
{
	pid_t r;

	do
		r = waitpid(pid, raw, __WALL | flags);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* What wait status @raw says. */
struct pt_status pt_decode(int raw)
{
	struct pt_status s = { .raw = raw, .what = PTW_OTHER };

	if (WIFEXITED(raw) || WIFSIGNALED(raw)) {
		s.what = PTW_GONE;
		s.killed = WIFSIGNALED(raw) && WTERMSIG(raw) == SIGKILL;
		return s;
	}
	if (!WIFSTOPPED(raw))
		return s;
	s.sig = WSTOPSIG(raw);
	s.event = (unsigned int)raw >> 16;
	if (s.sig == (SIGTRAP | 0x80)) {
		s.what = PTW_SYSCALL;
		return s;
	}
	switch (s.event) {
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		s.what = PTW_CHILD;
		break;
	case PTRACE_EVENT_STOP:
		s.what = PTW_EVENT_STOP;
		break;
	case 0:
		s.what = PTW_SIGNAL;
		break;
	default:
		s.what = PTW_EVENT;
		break;
	}
	return s;
}

/* Whether @sig stops a process (a group-stop, when it is delivered). */
bool pt_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * Wait for known task @t's next status, in @s.  A task that died, or
 * that someone else reaped (then as if it exited 0), is marked gone and
 * its probe's end is told here: -ESRCH.
 */
int pt_wait_task(struct xb *b, struct pt_task *t, struct pt_status *s)
{
	int raw;

	if (pt_waitpid(t->tid, &raw, 0) != t->tid)
		raw = 0;
	*s = pt_decode(raw);
	if (s->what != PTW_GONE)
		return 0;
	pt_gone(b, t, s);
	return -ESRCH;
}

/* Wait for @pid (no task of ours yet: a new child), in @s; -ESRCH if it is dead. */
int pt_wait_pid(pid_t pid, struct pt_status *s)
{
	int raw;

	if (pt_waitpid(pid, &raw, 0) != pid)
		return -ESRCH;
	*s = pt_decode(raw);
	return s->what == PTW_GONE ? -ESRCH : 0;
}

/* Kill @pid, a child that will not be a probe, and reap it. */
void pt_kill_reap(pid_t pid)
{
	struct pt_status s;

	kill(pid, SIGKILL);
	while (!pt_wait_pid(pid, &s))
		;
}

/* Status @s of running task @t: where it goes. */
static void pt_handle(struct xb *b, struct pt_task *t, const struct pt_status *s)
{
	if (s->what == PTW_GONE) {
		pt_gone(b, t, s);
		return;
	}
	if (s->what == PTW_OTHER)
		return;
	t->listening = false;
	switch (s->what) {
	case PTW_SYSCALL:
		pt_syscall_stop(b, t);
		return;
	case PTW_CHILD:
		pt_foreign(b, t, s->event);
		pt_cont(t, 0);
		return;
	case PTW_EVENT_STOP:
		if (pt_stop_signal(s->sig)) {	/* a group-stop: stay stopped */
			ptrace(PTRACE_LISTEN, t->tid, NULL, NULL);
			t->listening = true;
			return;
		}
		pt_cont(t, 0);
		return;
	case PTW_SIGNAL:
		if (s->sig == SIGTRAP && pt_branch(b, t))
			return;
		pt_cont(t, s->sig);
		return;
	default:
		pt_cont(t, 0);
		return;
	}
}

/* One pass over the tasks, without blocking: how many statuses were handled. */
static int pt_pass(struct xb *b)
{
	struct pt_status s;
	struct pt_task *t;
	int raw, n = 0;
	size_t i;
	pid_t r;

	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		if (t->gone)
			continue;
		r = pt_waitpid(t->tid, &raw, WNOHANG);
		if (r == -ECHILD)
			raw = 0;	/* reaped by someone else: gone */
		if (r == t->tid || r == -ECHILD) {
			s = pt_decode(raw);
			pt_handle(b, t, &s);
			n++;
		}
	}
	pt_reap_tasks(b);
	return n;
}

static bool pt_past(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > end->tv_sec ||
	       (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec);
}

/*
 * Drive the tasks until there are events, or for @timeout_ms (-1: until
 * there are).  Between passes it sleeps in sigtimedwait() on SIGCHLD, at
 * most PT_SLICE_MS: a status may come without one (a task reaped, a
 * signal merged), and a pass is cheap.
 */
void pt_drive(struct xb *b, int timeout_ms)
{
	struct timespec now, end, ts;
	sigset_t chld, old;
	long left_ms;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	for (;;) {
		/* drive the tasks until they are all quiet, or there is news */
		while (pt_pass(b) && !b->nev)
			if (timeout_ms >= 0 && pt_past(&end))
				break;
		if (b->nev || !timeout_ms || !b->ntasks)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left_ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (timeout_ms > 0 && left_ms <= 0)
			break;
		if (timeout_ms < 0 || left_ms > PT_SLICE_MS)
			left_ms = PT_SLICE_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = left_ms * 1000000;
		sigtimedwait(&chld, NULL, &ts);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
