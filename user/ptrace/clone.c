// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's forks.  A split injects clone(CLONE_PARENT) into
 * the stopped probe at a `syscall` instruction of the target's code, and
 * holds the child in its first stop with the registers of the branch
 * until resume().  A fork the target makes by itself is no probe: a
 * thread joins its probe, another child is given the original code back
 * and let go.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "ptrace.h"

/* Find a `syscall` (0f 05) in the target's code: the vDSO first, then the rest. */
int pt_find_syscall(struct xb *b, const struct pt_map *m, size_t nmaps, int memfd)
{
	static uint8_t buf[65536];
	uint64_t at, len;
	ssize_t got, i;
	size_t k;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < nmaps; k++) {
			if (!m[k].exec || m[k].vsyscall || m[k].vdso == !!pass)
				continue;
			for (at = m[k].lo; at + 1 < m[k].hi; at += got - 1) {
				len = m[k].hi - at < sizeof(buf) ? m[k].hi - at : sizeof(buf);
				got = pread(memfd, buf, len, at);
				if (got < 2)
					break;
				for (i = 0; i + 1 < got; i++) {
					if (buf[i] != 0x0f || buf[i + 1] != 0x05 ||
					    pt_any_site(b, at + i) || pt_any_site(b, at + i + 1))
						continue;
					b->sysaddr = at + i;
					return 0;
				}
			}
		}
	}
	return -ENOEXEC;
}

/* Whether a new held probe stays within the caps (running and held probes). */
static bool pt_can_split(struct xb *b)
{
	unsigned int running = 0, held = 0;
	size_t i;

	for (i = 0; i < b->nprobes; i++) {
		if (b->probe[i]->state == XB_PROBE_RUNNING)
			running++;
		else if (b->probe[i]->state == XB_PROBE_HELD)
			held++;
	}
	return running < PT_MAX_PROBES && held < b->max_held;
}

/*
 * Make stopped task @t run clone(CLONE_PARENT) (no exit signal, same
 * stack: the child goes on like a fork) at b->sysaddr, its registers
 * otherwise @regs, and wait for the child's first stop.  Returns the
 * child's pid, 0 if there is none, or -ESRCH if @t died (its end told).
 * @t is left in a stop, its registers to be set by the caller.
 */
static pid_t pt_clone(struct xb *b, struct pt_task *t, const struct user_regs_struct *regs)
{
	struct user_regs_struct r = *regs;
	struct pt_status s;
	int sysstops = 0;
	unsigned long msg;
	pid_t child = 0;

	r.rax = SYS_clone;
	r.orig_rax = -1;
	r.rdi = CLONE_PARENT;
	r.rsi = 0;
	r.rdx = 0;
	r.r10 = 0;
	r.r8 = 0;
	r.rip = b->sysaddr;
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, &r))
		return 0;
	while (sysstops < 2) {
		ptrace(PTRACE_SYSCALL, t->tid, NULL, NULL);
		if (pt_wait_task(b, t, &s)) {
			if (child > 0)
				pt_kill_reap(child);
			return -ESRCH;
		}
		switch (s.what) {
		case PTW_SYSCALL:
			sysstops++;
			break;
		case PTW_CHILD:
			if (!ptrace(PTRACE_GETEVENTMSG, t->tid, NULL, &msg))
				child = msg;
			break;
		case PTW_SIGNAL:	/* it is sent again afterwards */
			if (s.sig > 0 && s.sig < 64)
				t->resend |= 1ULL << s.sig;
			break;
		default:
			break;
		}
	}
	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &r) || (long)r.rax <= 0)
		child = 0;
	if (child <= 0 || pt_wait_pid(child, &s))
		return 0;
	ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)(long)(PT_OPTIONS | PTRACE_O_EXITKILL));
	return child;
}

/*
 * The child of a split of task @from's probe at site @site, stopped, the
 * split at @seq of that probe's log: make it a held probe with the registers of the
 * branch (CREATED, then HELD).  NULL (the child killed) when it cannot be
 * kept.
 */
static struct pt_probe *pt_hold(struct xb *b, pid_t child, const struct pt_task *from,
				uint32_t site, uint64_t seq,
				const struct user_regs_struct *regs)
{
	struct pt_probe *p = from->probe;
	struct pt_probe *q = pt_probe_new(b, child, p->id, XB_PROBE_HELD);
	struct pt_task *t = q ? pt_task_new(b, child, q) : NULL;

	if (!t) {
		if (q)
			q->state = XB_PROBE_EXITED;
		pt_kill_reap(child);
		return NULL;
	}
	t->stopped = true;
	q->fork_seq = seq;
	q->in_off = p->in_off;
	/* a copy of the target is the target to itself (sandbox.c) */
	q->as_tgid = p->id ? p->as_tgid : p->pid;
	q->as_tid = p->id ? p->as_tid : from->tid;
	memcpy(q->fpos, p->fpos, sizeof(q->fpos));
	q->held_site = site;
	q->regs = *regs;
	ptrace(PTRACE_SETREGS, child, NULL, regs);
	pt_event(b, (struct xb_event){ .kind = XB_EV_CREATED, .probe = q->id,
				       .parent = p->id, .fork_seq = seq, .site = site });
	pt_event(b, (struct xb_event){ .kind = XB_EV_HELD, .probe = q->id, .site = site });
	return q;
}

/* A split of probe @id at @seq made no copy: a QUOTA, queued at @at, and counted. */
static void pt_degraded(struct xb *b, uint32_t id, uint64_t seq, uint32_t site, size_t at)
{
	b->degraded++;
	pt_event_at(b, at, (struct xb_event){ .kind = XB_EV_QUOTA, .probe = id,
					      .fork_seq = seq, .site = site });
}

/*
 * pt_clone() with the process's RLIMIT_NPROC lifted, as insight.ko does
 * (kmod/fork.c: haproxy forbids itself to fork), given back to it and to
 * the child before either runs on.
 */
static pid_t pt_clone_lifted(struct xb *b, struct pt_task *t,
			     const struct user_regs_struct *regs)
{
	const struct rlimit all = { RLIM_INFINITY, RLIM_INFINITY };
	struct rlimit old;
	bool lifted;
	pid_t child;

	lifted = !prlimit(t->tid, RLIMIT_NPROC, NULL, &old) &&
		 old.rlim_cur != RLIM_INFINITY && !prlimit(t->tid, RLIMIT_NPROC, &all, NULL);
	child = pt_clone(b, t, regs);
	if (lifted) {
		if (child >= 0)
			prlimit(t->tid, RLIMIT_NPROC, &old, NULL);
		if (child > 0)
			prlimit(child, RLIMIT_NPROC, &old, NULL);
	}
	return child;
}

/*
 * Split stopped task @t of probe @p at site @site (@regs: at the branch):
 * a held copy, unless at a cap (then a QUOTA event).  The decision is
 * logged with @flags, without FORK if there was no split, unless @resumed
 * (the resumed probe's own decision, a FORK whatever happens).  false if
 * @t died: its decision is not logged, and for a resume(keep) the QUOTA
 * goes before the probe's end, so that every resume(keep) ends in one.
 */
bool pt_split(struct xb *b, struct pt_task *t, uint32_t site,
	      const struct user_regs_struct *regs, uint32_t flags, bool resumed)
{
	struct pt_probe *p = t->probe, *q = NULL;
	uint64_t seq = pt_next_seq(p);
	size_t mark = b->nev;
	pid_t child = 0;

	if (pt_can_split(b))
		child = pt_clone_lifted(b, t, regs);
	if (child < 0) {
		if (resumed)
			pt_degraded(b, p->id, seq, site, mark);
		return false;
	}
	if (child > 0)
		q = pt_hold(b, child, t, site, seq, regs);
	if (!q) {
		pt_degraded(b, p->id, seq, site, b->nev);
		if (!resumed)
			flags &= ~XB_FORK;
	}
	pt_log(p, site, b->site[site].addr, flags);
	return true;
}

/* A fork, vfork or clone that task @t made by itself (its ptrace event @event). */
void pt_foreign(struct xb *b, struct pt_task *t, int event)
{
	unsigned long msg, flags = 0;
	struct user_regs_struct r;
	struct pt_status s;
	struct pt_task *c;
	pid_t child;

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, NULL, &msg))
		return;
	child = msg;
	if (event == PTRACE_EVENT_VFORK) {
		flags = CLONE_VM;
	} else if (event == PTRACE_EVENT_CLONE) {
		flags = CLONE_VM;	/* unless it is known */
		if (!ptrace(PTRACE_GETREGS, t->tid, NULL, &r)) {
			if (r.orig_rax == SYS_clone)
				flags = r.rdi;
			else if (r.orig_rax == SYS_clone3 &&
				 pt_peek(t->tid, r.rdi, &flags, sizeof(flags)) != sizeof(flags))
				flags = CLONE_VM;
		}
	}
	if (pt_wait_pid(child, &s))
		return;
	if (flags & CLONE_THREAD) {
		c = pt_task_new(b, child, t->probe);
		if (c) {
			pt_cont(c, 0);
			return;
		}
	}
	if (!(flags & CLONE_VM))
		pt_unarm(b, child);
	ptrace(PTRACE_DETACH, child, NULL, NULL);
}
