// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's attach and detach of the target.  open() seizes
 * every thread and brings each to a stop before anything is armed, then
 * lets them run so that a sleeping syscall restarts (a blocked read is
 * then served from the input); undo and close detach each thread from a
 * stop, putting back what the backend changed: the code, a skipped
 * syscall's result, an epoll_wait() our interrupt broke.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "ptrace.h"

void pt_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/*
 * What /proc/@pid/status says: its thread group in *@tgid and whether a
 * signal is pending for it or its process; false if there is no such
 * task (or no Tgid line).
 */
static bool pt_proc_status(pid_t pid, pid_t *tgid, bool *pending)
{
	FILE *f = pt_proc_file(pid, "status");
	unsigned long long mask;
	bool found = false;
	char line[128];

	*pending = false;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %d", tgid) == 1)
			found = true;
		else if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
			  sscanf(line, "ShdPnd: %llx", &mask) == 1) && mask)
			*pending = true;
	}
	fclose(f);
	return found;
}

/* The thread group of task @pid, in *@tgid; false if there is no such task. */
bool pt_tgid(pid_t pid, pid_t *tgid)
{
	bool pending;

	return pt_proc_status(pid, tgid, &pending);
}

/* Whether task @tid has a signal pending (for itself or its process). */
static bool pt_signal_pending(pid_t tid)
{
	bool pending;
	pid_t tgid;

	return !pt_proc_status(tid, &tgid, &pending) || pending;
}

/*
 * Our PTRACE_INTERRUPT makes a blocked epoll_wait() return EINTR, which
 * the kernel does not restart: when no signal explains it, make task @t
 * (in a stop, after the syscall) run the syscall again.
 */
static void pt_unintr(struct pt_task *t)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &r) || (long)r.rax != -EINTR ||
	    (r.orig_rax != SYS_epoll_wait && r.orig_rax != SYS_epoll_pwait &&
	     r.orig_rax != SYS_epoll_pwait2) || pt_signal_pending(t->tid))
		return;
	r.rax = r.orig_rax;
	r.rip -= 2;		/* syscall is 0f 05 */
	ptrace(PTRACE_SETREGS, t->tid, NULL, &r);
}

/* Detach interrupted task @tid at its next stop. */
static void pt_drop(pid_t tid)
{
	struct pt_status s;

	while (!pt_wait_pid(tid, &s) && ptrace(PTRACE_DETACH, tid, NULL, NULL))
		;
}

/* Seize and interrupt the target's threads, until no new one shows up. */
static int pt_seize_threads(struct xb *b, char *why, size_t whylen)
{
	struct dirent *d;
	char path[64];
	bool added;
	pid_t tid;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", b->pid);
	do {
		added = false;
		dir = opendir(path);
		if (!dir) {
			pt_why(why, whylen, "no process %d", b->pid);
			return -ESRCH;
		}
		while ((d = readdir(dir))) {
			tid = atoi(d->d_name);
			if (tid <= 0 || pt_task_of(b, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)(long)PT_OPTIONS))
				continue;	/* gone, or auto-attached: seen at its clone */
			ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
			if (!pt_task_new(b, tid, b->probe[0])) {
				closedir(dir);
				pt_drop(tid);
				pt_why(why, whylen, "out of memory");
				return -ENOMEM;
			}
			added = true;
		}
		closedir(dir);
	} while (added);
	return 0;
}

/* A clone of seized task @t before anything is armed: keep threads, let the rest go. */
static void pt_seized_child(struct xb *b, struct pt_task *t)
{
	struct pt_status s;
	unsigned long msg;
	struct pt_task *c;
	pid_t tgid;

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, NULL, &msg) || pt_wait_pid(msg, &s))
		return;
	if (pt_tgid(msg, &tgid) && tgid == b->pid && (c = pt_task_new(b, msg, b->probe[0]))) {
		c->stopped = true;
		c->last = s;
	} else {
		ptrace(PTRACE_DETACH, msg, NULL, NULL);
	}
}

/* Bring each seized task to its interrupt stop, letting other stops go. */
static int pt_stop_seized(struct xb *b, char *why, size_t whylen)
{
	struct pt_status s;
	struct pt_task *t;
	size_t i;

	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		while (!t->stopped && !t->gone) {
			if (pt_wait_task(b, t, &s)) {
				if (t->tid == b->pid) {
					pt_why(why, whylen, "process %d exited", b->pid);
					return -ESRCH;
				}
				continue;
			}
			switch (s.what) {
			case PTW_EVENT_STOP:
				t->stopped = true;
				t->last = s;
				continue;
			case PTW_CHILD:
				pt_seized_child(b, t);
				ptrace(PTRACE_CONT, t->tid, NULL, NULL);
				continue;
			case PTW_SIGNAL:
				ptrace(PTRACE_CONT, t->tid, NULL, (void *)(long)s.sig);
				continue;
			default:
				ptrace(PTRACE_CONT, t->tid, NULL, NULL);
				continue;
			}
		}
	}
	return 0;
}

/*
 * Seize every thread of the target and bring each to a stop.  -errno and
 * a reason in @why.  The process first: whether it may be traced at all.
 */
int pt_seize_all(struct xb *b, char *why, size_t whylen)
{
	int err;

	if (ptrace(PTRACE_SEIZE, b->pid, NULL, (void *)(long)PT_OPTIONS)) {
		if (errno == ESRCH) {
			pt_why(why, whylen, "no process %d", b->pid);
			return -ESRCH;
		}
		pt_why(why, whylen, "may not trace %d (%s)", b->pid,
		       errno == EPERM ? "ptrace rules, or traced already" : strerror(errno));
		return -errno;
	}
	ptrace(PTRACE_INTERRUPT, b->pid, NULL, NULL);
	if (!pt_task_new(b, b->pid, b->probe[0])) {
		pt_drop(b->pid);
		pt_why(why, whylen, "out of memory");
		return -ENOMEM;
	}
	err = pt_seize_threads(b, why, whylen) ?: pt_stop_seized(b, why, whylen);
	if (!err)
		pt_reap_tasks(b);
	return err;
}

/* open(): let every stopped task of the target run; syscalls restart. */
void pt_run_all(struct xb *b)
{
	struct pt_task *t;
	size_t i;

	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		t->stopped = false;
		pt_unintr(t);
		if (pt_stop_signal(t->last.sig)) {
			ptrace(PTRACE_LISTEN, t->tid, NULL, NULL);
			t->listening = true;
		} else {
			pt_cont(t, 0);
		}
	}
}

/* Detach what open() attached (each was interrupted), putting back what it changed. */
void pt_undo(struct xb *b)
{
	struct pt_status s;
	struct pt_task *t;
	size_t i;

	if (b->narmed)
		pt_unarm(b, b->pid);
	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		while (!t->stopped && !t->gone) {
			if (!pt_wait_task(b, t, &s) && s.what != PTW_OTHER)
				t->stopped = true;
			t->last = s;
		}
		if (t->stopped)
			ptrace(PTRACE_DETACH, t->tid, NULL,
			       (void *)(long)(t->last.what == PTW_SIGNAL ? t->last.sig : 0));
	}
}

/* close(): bring task @t of the target to a stop (kept in t->last). */
static void pt_stop_target_task(struct xb *b, struct pt_task *t)
{
	struct pt_status s;

	while (!t->stopped && !t->gone) {
		if (!t->interrupted) {
			ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL);
			t->interrupted = true;
		}
		if (pt_wait_task(b, t, &s))
			break;
		if (s.what == PTW_CHILD)
			pt_foreign(b, t, s.event);
		t->stopped = true;
		t->last = s;
	}
}

/* close(): let task @t of the target go from the stop it is in. */
static void pt_release(struct xb *b, struct pt_task *t)
{
	struct user_regs_struct r;
	int detach_sig = 0;
	siginfo_t si;

	if (t->retrying) {	/* in a wait for a shared socket or a copy of one: again, for real */
		if (t->copying && t->last.what == PTW_SYSCALL)
			pt_sock_copy_finish(b, t);
		pt_retry(t);
	} else if (t->last.what == PTW_SYSCALL) {
		/* an exit stop: finish what was skipped; an enter stop: it runs */
		if (t->in_syscall && t->emulating)
			ptrace(PTRACE_POKEUSER, t->tid, offsetof(struct user, regs.rax),
			       (void *)t->emul_ret);
		else if (t->in_syscall)
			pt_unintr(t);
	} else if (t->last.what == PTW_SIGNAL) {
		detach_sig = t->last.sig;
		if (detach_sig == SIGTRAP && !ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si) &&
		    si.si_code == SI_KERNEL && !ptrace(PTRACE_GETREGS, t->tid, NULL, &r) &&
		    pt_site_at(b, r.rip - 1) >= 0) {
			r.rip--;	/* the jcc is back: run it */
			ptrace(PTRACE_SETREGS, t->tid, NULL, &r);
			detach_sig = 0;
		}
	}
	ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(long)detach_sig);
	pt_resend(t);
}

/*
 * close(), once the probes are gone: stop each thread of the target,
 * put its code back, and let each go from its stop.
 */
void pt_detach_target(struct xb *b)
{
	size_t i;

	for (i = 0; i < b->ntasks; i++)
		if (!b->task[i]->probe->id && !b->task[i]->gone)
			pt_stop_target_task(b, b->task[i]);
	if (b->probe[0]->state != XB_PROBE_EXITED)
		pt_unarm(b, b->pid);
	for (i = 0; i < b->ntasks; i++)
		if (!b->task[i]->probe->id && !b->task[i]->gone && b->task[i]->stopped)
			pt_release(b, b->task[i]);
}
