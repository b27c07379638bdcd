// SPDX-License-Identifier: GPL-2.0
/*
 * The explorer's ptrace backend: insight.ko's semantics (backend.h,
 * include/uapi/linux/insight.h) in user space, without the module.
 *
 * - Sites: an int3 on the first byte of each jcc.  At a trap (SIGTRAP
 *   from the kernel, rip = site + 1) the jump is emulated: the direction
 *   comes from the saved flags and the condition code, rip is set to the
 *   target or to the next instruction.  The original bytes are put back
 *   at close only, so nothing is ever single-stepped.
 * - Forks: a clone(CLONE_PARENT) is injected into the stopped probe, at
 *   a `syscall` instruction found in the target's executable memory; the
 *   child, auto-attached (PTRACE_O_TRACECLONE), is held in its first stop
 *   with the registers of the branch until it is resumed.
 * - Sandbox: every probe runs under PTRACE_SYSCALL.  A write to a
 *   socket, pipe, file or character device, or a read of the replayed fd,
 *   is skipped at its syscall-enter stop (orig_rax = -1) and its result is
 *   set at its syscall-exit stop.
 * - All of it happens in events(): waitpid() on each known task without
 *   blocking, and between passes sigtimedwait() on SIGCHLD (blocked
 *   meanwhile, so a SIGCHLD handler of the caller may miss some).
 *
 * Choices: threads of a probe are traced as part of it (their branches
 * are emulated and logged in its log, their syscalls sandboxed).  A child
 * a probe forks by itself is not a probe: it gets the original bytes back
 * and is detached, so it runs outside the sandbox; a vfork or CLONE_VM
 * child shares the breakpoints' memory and is detached as it is.  Probes
 * get PTRACE_O_EXITKILL (they die with the explorer), the target does not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "backend.h"

#define PT_MAX_PROBES	64	/* running probes, as insight.ko's default */
#define PT_MAX_LOG	65536	/* decisions kept per probe */
#define PT_MAX_OUTPUTS	4096	/* outputs kept per probe */
#define PT_IOV_MAX	1024	/* UIO_MAXIOV */
#define PT_SLICE_MS	10	/* longest sleep between two passes */
#define PT_OPTIONS	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | \
			 PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)
#define PT_SYSCALL_STOP	(SIGTRAP | 0x80)

struct pt_site {
	uint64_t addr;
	uint64_t taken;		/* where the jump goes */
	uint64_t next;		/* the instruction after it */
	uint8_t orig;		/* the byte the int3 replaced */
	uint8_t cc;		/* condition code, 0 to 15 */
	bool armed;
	int policy;
};

struct pt_probe {
	uint32_t id, parent;
	uint64_t fork_seq;
	pid_t pid;
	int state;		/* an enum insight_probe_state */
	bool done;		/* DONE was sent */
	size_t in_off;		/* in the replayed input */
	uint32_t held_site;
	struct user_regs_struct regs;	/* held: the registers at the branch */
	struct insight_decision *log;
	size_t nlog, alog;
	uint64_t log_lost;
	struct insight_output_info *out;
	size_t nout, aout;
	uint64_t out_lost;
};

struct pt_task {
	pid_t tid;
	struct pt_probe *probe;
	bool stopped;		/* in a stop that we keep: held, parked, open/close */
	bool listening;		/* in a group-stop, under PTRACE_LISTEN */
	bool in_syscall;	/* between its syscall-enter and -exit stops */
	bool emulating;		/* the syscall it is in was skipped */
	bool interrupted;	/* close: PTRACE_INTERRUPT sent */
	bool gone;
	long emul_ret;		/* the skipped syscall's result */
	int last;		/* open, close: the status of the stop it is in */
	uint64_t resend;	/* signals to send again once out of an injection */
};

struct xb {
	pid_t pid;
	struct pt_site *site;
	size_t nsites;
	uint32_t *by_addr;	/* indices of the armed sites, by address */
	size_t narmed;
	int in_fd;
	uint8_t *input;
	size_t input_len;
	unsigned int max_held;
	uint64_t sysaddr;	/* a `syscall` instruction in the target */
	bool root_pending;
	struct pt_probe **probe;	/* by id */
	size_t nprobes, aprobes;
	struct pt_task **task;
	size_t ntasks, atasks;
	struct xb_event *ev;	/* pending events, oldest first */
	size_t nev, aev;
};

/* ---- small helpers -------------------------------------------------------- */

/* @arr with room for @need elements of @size, or NULL (@arr is kept). */
static void *pt_grow(void *arr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 8;
	void *p;

	if (need <= *alloc)
		return arr;
	while (n < need)
		n *= 2;
	p = realloc(arr, n * size);
	if (p)
		*alloc = n;
	return p;
}

static void pt_why(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pt_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static int pt_wait(pid_t tid, int *st)
{
	pid_t r;

	do
		r = waitpid(tid, st, __WALL);
	while (r < 0 && errno == EINTR);
	return r == tid ? 0 : -errno;
}

static bool pt_dead(int st)
{
	return WIFEXITED(st) || WIFSIGNALED(st);
}

static int pt_mem_open(pid_t pid, bool rw)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	return open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
}

static ssize_t pt_peek(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { .iov_base = buf, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	return process_vm_readv(tid, &l, 1, &r, 1, 0);
}

static ssize_t pt_poke(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec l = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	return process_vm_writev(tid, &l, 1, &r, 1, 0);
}

static void pt_event(struct xb *b, int kind, uint32_t probe, uint32_t parent,
		     uint32_t site, int status)
{
	struct xb_event *ev = pt_grow(b->ev, &b->aev, b->nev + 1, sizeof(*ev));

	if (!ev)
		return;		/* lost */
	b->ev = ev;
	ev[b->nev++] = (struct xb_event){ .kind = kind, .probe = probe, .parent = parent,
					  .site = site, .status = status };
}

/* Whether jcc condition @cc (0 to 15) holds for @flags. */
static bool pt_cond(unsigned int cc, unsigned long long flags)
{
	bool cf = flags & 0x1, pf = flags & 0x4, zf = flags & 0x40;
	bool sf = flags & 0x80, of = flags & 0x800, r;

	switch (cc >> 1) {
	case 0:			/* o */
		r = of;
		break;
	case 1:			/* b */
		r = cf;
		break;
	case 2:			/* e */
		r = zf;
		break;
	case 3:			/* be */
		r = cf || zf;
		break;
	case 4:			/* s */
		r = sf;
		break;
	case 5:			/* p */
		r = pf;
		break;
	case 6:			/* l */
		r = sf != of;
		break;
	default:		/* le */
		r = zf || sf != of;
		break;
	}
	return r != (cc & 1);
}

/* ---- probes, tasks, logs ---------------------------------------------------- */

static struct pt_probe *pt_probe_new(struct xb *b, pid_t pid, uint32_t parent,
				     int state)
{
	struct pt_probe **arr, *p;

	arr = pt_grow(b->probe, &b->aprobes, b->nprobes + 1, sizeof(*arr));
	if (!arr)
		return NULL;
	b->probe = arr;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->id = b->nprobes;
	p->parent = parent;
	p->pid = pid;
	p->state = state;
	arr[b->nprobes++] = p;
	return p;
}

static struct pt_probe *pt_probe_get(struct xb *b, uint32_t id)
{
	return id < b->nprobes ? b->probe[id] : NULL;
}

static struct pt_task *pt_task_new(struct xb *b, pid_t tid, struct pt_probe *p)
{
	struct pt_task **arr, *t;

	arr = pt_grow(b->task, &b->atasks, b->ntasks + 1, sizeof(*arr));
	if (!arr)
		return NULL;
	b->task = arr;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->probe = p;
	arr[b->ntasks++] = t;
	return t;
}

static struct pt_task *pt_task_of(struct xb *b, pid_t tid)
{
	size_t i;

	for (i = 0; i < b->ntasks; i++)
		if (b->task[i]->tid == tid && !b->task[i]->gone)
			return b->task[i];
	return NULL;
}

/* Forget the tasks seen gone. */
static void pt_reap_tasks(struct xb *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->ntasks; i++) {
		if (b->task[i]->gone)
			free(b->task[i]);
		else
			b->task[n++] = b->task[i];
	}
	b->ntasks = n;
}

static uint64_t pt_log(struct pt_probe *p, uint32_t site, uint64_t addr, uint32_t flags)
{
	uint64_t seq = p->nlog + p->log_lost;
	struct insight_decision *d;

	d = p->nlog < PT_MAX_LOG ? pt_grow(p->log, &p->alog, p->nlog + 1, sizeof(*d)) : NULL;
	if (!d) {
		p->log_lost++;
		return seq;
	}
	p->log = d;
	d[p->nlog++] = (struct insight_decision){ .seq = seq, .addr = addr, .site = site,
						  .flags = flags };
	return seq;
}

/* Task @t is seen dead with wait status @st. */
static void pt_gone(struct xb *b, struct pt_task *t, int st)
{
	struct pt_probe *p = t->probe;

	t->gone = true;
	t->stopped = false;
	if (t->tid != p->pid || p->state == INSIGHT_PROBE_EXITED)
		return;
	p->state = INSIGHT_PROBE_EXITED;
	pt_event(b, WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? XB_EV_KILLED : XB_EV_EXITED,
		 p->id, 0, 0, st);
}

/* Let @t run on (to its next syscall stop), with signal @sig. */
static void pt_cont(struct pt_task *t, int sig)
{
	t->stopped = false;
	ptrace(PTRACE_SYSCALL, t->tid, NULL, (void *)(long)sig);
}

/* Send again the signals that came while a clone was injected into @t. */
static void pt_resend(struct pt_task *t)
{
	int sig;

	for (sig = 1; t->resend && sig < 64; sig++) {
		if (!(t->resend & (1ULL << sig)))
			continue;
		t->resend &= ~(1ULL << sig);
		syscall(SYS_tgkill, t->probe->pid, t->tid, sig);
	}
}

/* ---- sites ------------------------------------------------------------------ */

static int pt_site_cmp(const void *a, const void *b, void *arg)
{
	const struct pt_site *s = arg;
	uint64_t x = s[*(const uint32_t *)a].addr, y = s[*(const uint32_t *)b].addr;

	return x < y ? -1 : x > y;
}

/* The index of the armed site at @addr, or -1. */
static long pt_site_at(struct xb *b, uint64_t addr)
{
	size_t lo = 0, hi = b->narmed, mid;
	uint64_t a;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		a = b->site[b->by_addr[mid]].addr;
		if (a == addr)
			return b->by_addr[mid];
		if (a < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Decode site @s from the bytes at its address: 0, or a positive errno. */
static int pt_site_decode(struct pt_site *s, int memfd)
{
	uint8_t c[6];
	int32_t rel32;

	if (pread(memfd, c, 2, s->addr) != 2)
		return EFAULT;
	if (c[0] >= 0x70 && c[0] <= 0x7f) {
		s->cc = c[0] & 0xf;
		s->next = s->addr + 2;
		s->taken = s->next + (int8_t)c[1];
	} else if (c[0] == 0x0f && c[1] >= 0x80 && c[1] <= 0x8f) {
		if (pread(memfd, c, 6, s->addr) != 6)
			return EFAULT;
		memcpy(&rel32, c + 2, 4);
		s->cc = c[1] & 0xf;
		s->next = s->addr + 6;
		s->taken = s->next + (int64_t)rel32;
	} else {
		return EILSEQ;
	}
	s->orig = c[0];
	return 0;
}

/* Write the original byte of every armed site into @pid's memory. */
static int pt_unarm(struct xb *b, pid_t pid)
{
	int fd = pt_mem_open(pid, true), err = 0;
	size_t i;

	if (fd < 0)
		return -errno;
	for (i = 0; i < b->narmed; i++) {
		struct pt_site *s = &b->site[b->by_addr[i]];

		if (pwrite(fd, &s->orig, 1, s->addr) != 1)
			err = -EIO;
	}
	close(fd);
	return err;
}

/* Whether one of the sites starts at @addr (armed or not). */
static bool pt_any_site(struct xb *b, uint64_t addr)
{
	size_t i;

	for (i = 0; i < b->nsites; i++)
		if (b->site[i].addr == addr)
			return true;
	return false;
}

struct pt_map {
	uint64_t lo, hi;
	bool exec, vdso, vsyscall;
};

/* @pid's mappings (malloc'ed), or NULL. */
static struct pt_map *pt_maps(pid_t pid, size_t *n)
{
	struct pt_map *m = NULL, *grown;
	char path[64], line[512], perms[8], name[256];
	unsigned long lo, hi;
	size_t alloc = 0;
	FILE *f;

	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perms, name) < 3)
			continue;
		grown = pt_grow(m, &alloc, *n + 1, sizeof(*m));
		if (!grown)
			break;
		m = grown;
		m[(*n)++] = (struct pt_map){ .lo = lo, .hi = hi, .exec = perms[2] == 'x',
					     .vdso = !strcmp(name, "[vdso]"),
					     .vsyscall = !strcmp(name, "[vsyscall]") };
	}
	fclose(f);
	return m ? m : calloc(1, sizeof(*m));
}

/* Find a `syscall` (0f 05) in the target's code: the vDSO first, then the rest. */
static int pt_find_syscall(struct xb *b, const struct pt_map *m, size_t nmaps, int memfd)
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

/* Whether site @s may be armed (as insight.ko tells): 0, or a positive errno. */
static int pt_site_check(const struct pt_site *s, const struct pt_map *m, size_t nmaps)
{
	size_t k;

	if (s->addr >= 0x800000000000ULL)
		return EINVAL;		/* not a user address */
	for (k = 0; k < nmaps; k++)
		if (s->addr >= m[k].lo && s->addr < m[k].hi)
			return m[k].exec && !m[k].vsyscall ? 0 : EACCES;
	return EFAULT;
}

/* ---- forks ------------------------------------------------------------------ */

/* Whether a new held probe stays within the caps (running and held probes). */
static bool pt_can_split(struct xb *b)
{
	unsigned int running = 0, held = 0;
	size_t i;

	for (i = 0; i < b->nprobes; i++) {
		if (b->probe[i]->state == INSIGHT_PROBE_RUNNING)
			running++;
		else if (b->probe[i]->state == INSIGHT_PROBE_HELD)
			held++;
	}
	return running < PT_MAX_PROBES && held < b->max_held;
}

/*
 * Make stopped task @t run clone(CLONE_PARENT) (no exit signal, same
 * stack: the child goes on like a fork) at b->sysaddr, its registers
 * otherwise @regs, and wait for the child's first stop.  Returns the
 * child's pid, 0 if there is none, or -ESRCH if @t died (then handled).
 * @t is left in a stop, its registers to be set by the caller.
 */
static pid_t pt_clone(struct xb *b, struct pt_task *t, const struct user_regs_struct *regs)
{
	struct user_regs_struct r = *regs;
	int st, sig, sysstops = 0;
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
		if (pt_wait(t->tid, &st))
			st = 0;		/* reaped by someone else: gone */
		if (!st || pt_dead(st)) {
			pt_gone(b, t, st);
			if (child > 0) {
				kill(child, SIGKILL);
				while (!pt_wait(child, &st) && !pt_dead(st))
					;
			}
			return -ESRCH;
		}
		sig = WSTOPSIG(st);
		if (sig == PT_SYSCALL_STOP) {
			sysstops++;
			continue;
		}
		switch (st >> 16) {
		case PTRACE_EVENT_CLONE:
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
			if (!ptrace(PTRACE_GETEVENTMSG, t->tid, NULL, &msg))
				child = msg;
			break;
		case 0:		/* a signal came: it is sent again afterwards */
			if (sig > 0 && sig < 64)
				t->resend |= 1ULL << sig;
			break;
		}
	}
	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &r) || (long)r.rax <= 0)
		child = 0;
	if (child <= 0)
		return 0;
	if (pt_wait(child, &st) || pt_dead(st))
		return 0;
	ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)(long)(PT_OPTIONS | PTRACE_O_EXITKILL));
	return child;
}

/*
 * The child of a split of probe @p at site @site, stopped: make it a held
 * probe with the registers of the branch.  NULL (the child killed) when
 * it cannot be kept.
 */
static struct pt_probe *pt_hold(struct xb *b, pid_t child, struct pt_probe *p,
				uint32_t site, const struct user_regs_struct *regs)
{
	struct pt_probe *q = pt_probe_new(b, child, p->id, INSIGHT_PROBE_HELD);
	struct pt_task *t = q ? pt_task_new(b, child, q) : NULL;
	int st;

	if (!t) {
		if (q)
			q->state = INSIGHT_PROBE_EXITED;
		kill(child, SIGKILL);
		while (!pt_wait(child, &st) && !pt_dead(st))
			;
		return NULL;
	}
	t->stopped = true;
	q->in_off = p->in_off;
	q->held_site = site;
	q->regs = *regs;
	ptrace(PTRACE_SETREGS, child, NULL, regs);
	pt_event(b, XB_EV_CREATED, q->id, p->id, site, 0);
	pt_event(b, XB_EV_PAUSED, q->id, 0, site, 0);
	return q;
}

/*
 * Split stopped task @t of probe @p at site @site (@regs: at the branch):
 * a held copy, unless at a cap (then a QUOTA event).  The decision is
 * logged with @flags, without FORK if there was no split, unless @resumed
 * (the resumed probe's own decision, a FORK whatever happens).  false if
 * @t died.
 */
static bool pt_split(struct xb *b, struct pt_task *t, uint32_t site,
		     const struct user_regs_struct *regs, uint32_t flags, bool resumed)
{
	struct pt_probe *p = t->probe, *q = NULL;
	pid_t child = 0;
	uint64_t seq;

	if (pt_can_split(b))
		child = pt_clone(b, t, regs);
	if (child < 0)
		return false;
	if (child > 0)
		q = pt_hold(b, child, p, site, regs);
	if (!q) {
		pt_event(b, XB_EV_QUOTA, p->id, 0, site, 0);
		if (!resumed)
			flags &= ~INSIGHT_DECISION_FORK;
	}
	seq = pt_log(p, site, b->site[site].addr, flags);
	if (q)
		q->fork_seq = seq;
	return true;
}

/* A SIGTRAP stop of @t: true if it was one of our sites (then handled). */
static bool pt_branch(struct xb *b, struct pt_task *t)
{
	struct user_regs_struct r;
	struct pt_site *s;
	bool natural, snap;
	uint32_t flags;
	siginfo_t si;
	long idx;

	if (ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si) || si.si_code != SI_KERNEL ||
	    ptrace(PTRACE_GETREGS, t->tid, NULL, &r))
		return false;
	idx = pt_site_at(b, r.rip - 1);
	if (idx < 0)
		return false;
	s = &b->site[idx];
	natural = pt_cond(s->cc, r.eflags);
	flags = natural ? INSIGHT_DECISION_TAKEN : 0;
	snap = s->policy == XB_SNAPSHOT;
	if (!t->probe->id && t->probe->in_off && b->root_pending) {
		b->root_pending = false;
		snap = true;
	}
	r.rip = s->addr;	/* the registers at the branch */
	if (snap) {
		if (!pt_split(b, t, idx, &r, flags | INSIGHT_DECISION_FORK, false))
			return true;
	} else {
		pt_log(t->probe, idx, s->addr, flags);
	}
	r.rip = natural ? s->taken : s->next;
	ptrace(PTRACE_SETREGS, t->tid, NULL, &r);
	pt_resend(t);
	pt_cont(t, 0);
	return true;
}

/* A fork, vfork or clone that task @t made by itself (its event @ev). */
static void pt_foreign(struct xb *b, struct pt_task *t, int ev)
{
	unsigned long msg, flags = 0;
	struct user_regs_struct r;
	struct pt_task *c;
	pid_t child;
	int st;

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, NULL, &msg))
		return;
	child = msg;
	if (ev == PTRACE_EVENT_VFORK) {
		flags = CLONE_VM;
	} else if (ev == PTRACE_EVENT_CLONE) {
		flags = CLONE_VM;	/* unless it is known */
		if (!ptrace(PTRACE_GETREGS, t->tid, NULL, &r)) {
			if (r.orig_rax == SYS_clone)
				flags = r.rdi;
			else if (r.orig_rax == SYS_clone3 &&
				 pt_peek(t->tid, r.rdi, &flags, sizeof(flags)) != sizeof(flags))
				flags = CLONE_VM;
		}
	}
	if (pt_wait(child, &st) || pt_dead(st))
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

/* ---- the sandbox -------------------------------------------------------------- */

enum pt_sys_kind { SYS_NONE, SYS_WRITE, SYS_WRITEV, SYS_SENDMSG, SYS_OUT_OTHER,
		   SYS_READ, SYS_READV, SYS_RECVMSG };

enum pt_verdict { PT_RUN, PT_EMULATE, PT_PARK };

static enum pt_sys_kind pt_sys_kind(long nr)
{
	switch (nr) {
	case SYS_write:
	case SYS_pwrite64:
	case SYS_sendto:
		return SYS_WRITE;
	case SYS_writev:
	case SYS_pwritev:
	case SYS_pwritev2:
		return SYS_WRITEV;
	case SYS_sendmsg:
		return SYS_SENDMSG;
	case SYS_sendmmsg:
	case SYS_sendfile:
	case SYS_splice:
	case SYS_vmsplice:
	case SYS_tee:
	case SYS_copy_file_range:
		return SYS_OUT_OTHER;
	case SYS_read:
	case SYS_pread64:
	case SYS_recvfrom:
		return SYS_READ;
	case SYS_readv:
	case SYS_preadv:
	case SYS_preadv2:
		return SYS_READV;
	case SYS_recvmsg:
		return SYS_RECVMSG;
	default:
		return SYS_NONE;
	}
}

static bool pt_is_read(enum pt_sys_kind kind)
{
	return kind >= SYS_READ;
}

/* Whether @tid's writes to @fd are suppressed: sockets, pipes, files, char devices. */
static bool pt_fd_sandboxed(pid_t tid, int fd)
{
	char path[64];
	struct stat st;

	if (fd < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", tid, fd);
	if (stat(path, &st))
		return false;
	return S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) ||
	       S_ISCHR(st.st_mode);
}

/* Read @cnt iovecs at @uiov of @tid into @iov. */
static int pt_iovs(pid_t tid, uint64_t uiov, uint64_t cnt, struct iovec *iov)
{
	size_t len = cnt * sizeof(*iov);

	if (cnt > PT_IOV_MAX)
		return -EINVAL;
	if (cnt && pt_peek(tid, uiov, iov, len) != (ssize_t)len)
		return -EFAULT;
	return 0;
}

/* The total length of @cnt iovecs at @uiov, the first bytes into @o. */
static int pt_capture_iov(pid_t tid, uint64_t uiov, uint64_t cnt,
			  struct insight_output_info *o)
{
	static struct iovec iov[PT_IOV_MAX];
	uint64_t i, n;
	int err = pt_iovs(tid, uiov, cnt, iov);

	for (i = 0; !err && i < cnt; i++) {
		o->len += iov[i].iov_len;
		n = INSIGHT_CAPTURE_MAX - o->captured;
		n = iov[i].iov_len < n ? iov[i].iov_len : n;
		if (n && pt_peek(tid, (uintptr_t)iov[i].iov_base, o->data + o->captured, n) !=
			 (ssize_t)n)
			err = -EFAULT;
		else
			o->captured += n;
	}
	return err;
}

/* A suppressed write: keep its first bytes, return what it would have. */
static long pt_capture(struct pt_task *t, enum pt_sys_kind kind,
		       const struct user_regs_struct *r)
{
	static struct insight_output_info spare;
	struct pt_probe *p = t->probe;
	struct insight_output_info *o = &spare, *arr;
	struct msghdr msg;
	int err = 0;

	arr = p->nout < PT_MAX_OUTPUTS ? pt_grow(p->out, &p->aout, p->nout + 1, sizeof(*o)) :
	      NULL;
	if (arr) {
		p->out = arr;
		o = &arr[p->nout];
	}
	o->len = 0;
	o->captured = 0;
	switch (kind) {
	case SYS_WRITE:
		o->len = r->rdx;
		o->captured = o->len < INSIGHT_CAPTURE_MAX ? o->len : INSIGHT_CAPTURE_MAX;
		if (o->captured && pt_peek(t->tid, r->rsi, o->data, o->captured) !=
				   (ssize_t)o->captured)
			err = -EFAULT;
		break;
	case SYS_WRITEV:
		err = pt_capture_iov(t->tid, r->rsi, r->rdx, o);
		break;
	case SYS_SENDMSG:
		if (pt_peek(t->tid, r->rsi, &msg, sizeof(msg)) != sizeof(msg))
			err = -EFAULT;
		else
			err = pt_capture_iov(t->tid, (uintptr_t)msg.msg_iov, msg.msg_iovlen, o);
		break;
	default:		/* cannot be emulated: refused, and shown */
		err = -EPERM;
		break;
	}
	if (err) {
		o->len = 0;
		o->captured = 0;
	}
	o->seq = p->nout + p->out_lost;
	o->decisions = p->nlog + p->log_lost;
	o->nr = r->orig_rax;
	o->fd = r->rdi;
	if (arr)
		p->nout++;
	else
		p->out_lost++;
	return err ? err : (long)o->len;
}

/* Copy the next replayed bytes (at most @len) to @addr: how many, or -EFAULT. */
static long pt_replay_to(struct xb *b, struct pt_task *t, uint64_t addr, uint64_t len)
{
	struct pt_probe *p = t->probe;
	uint64_t n = b->input_len - p->in_off;
	ssize_t w;

	n = len < n ? len : n;
	if (!n)
		return 0;
	w = pt_poke(t->tid, addr, b->input + p->in_off, n);
	if (w <= 0)
		return -EFAULT;
	p->in_off += w;
	return w;
}

/* Copy the next replayed bytes into @cnt iovecs at @uiov. */
static long pt_replay_iov(struct xb *b, struct pt_task *t, uint64_t uiov, uint64_t cnt)
{
	static struct iovec iov[PT_IOV_MAX];
	long done = 0, w;
	uint64_t i;
	int err = pt_iovs(t->tid, uiov, cnt, iov);

	if (err)
		return err;
	for (i = 0; i < cnt && t->probe->in_off < b->input_len; i++) {
		w = pt_replay_to(b, t, (uintptr_t)iov[i].iov_base, iov[i].iov_len);
		if (w < 0)
			return done ? done : w;
		done += w;
		if ((size_t)w < iov[i].iov_len)
			break;
	}
	return done;
}

/* A read of the replayed fd, served at the probe's own offset. */
static long pt_replay(struct xb *b, struct pt_task *t, enum pt_sys_kind kind,
		      const struct user_regs_struct *r)
{
	struct msghdr msg;

	switch (kind) {
	case SYS_READ:
		return pt_replay_to(b, t, r->rsi, r->rdx);
	case SYS_READV:
		return pt_replay_iov(b, t, r->rsi, r->rdx);
	default:		/* recvmsg */
		if (pt_peek(t->tid, r->rsi, &msg, sizeof(msg)) != sizeof(msg))
			return -EFAULT;
		return pt_replay_iov(b, t, (uintptr_t)msg.msg_iov, msg.msg_iovlen);
	}
}

/* Whether probe @p has just finished the replayed request. */
static bool pt_request_done(struct xb *b, struct pt_probe *p, enum pt_sys_kind kind,
			    long nr, int fd)
{
	switch (nr) {
	case SYS_accept:
	case SYS_accept4:
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		return p->in_off > 0;
	default:
		return pt_is_read(kind) && fd == b->in_fd && p->in_off >= b->input_len;
	}
}

/* At the syscall-enter stop of @t (registers @r): what to do with the syscall. */
static enum pt_verdict pt_sandbox(struct xb *b, struct pt_task *t,
				  const struct user_regs_struct *r)
{
	struct pt_probe *p = t->probe;
	long nr = r->orig_rax;
	enum pt_sys_kind kind = pt_sys_kind(nr);
	int fd = r->rdi;

	if (!p->id && p->done)
		return PT_RUN;		/* its other threads: the target's own again */
	if (b->in_fd >= 0 && !p->done && pt_request_done(b, p, kind, nr, fd)) {
		p->done = true;
		pt_event(b, XB_EV_DONE, p->id, 0, 0, 0);
		return PT_PARK;	/* the target until close, a probe until killed */
	}
	if (kind == SYS_NONE)
		return PT_RUN;
	if (pt_is_read(kind)) {
		if (b->in_fd < 0 || fd != b->in_fd)
			return PT_RUN;	/* reading from peers is allowed */
		t->emul_ret = pt_replay(b, t, kind, r);
	} else {
		if (!pt_fd_sandboxed(t->tid, fd))
			return PT_RUN;
		t->emul_ret = pt_capture(t, kind, r);
	}
	return PT_EMULATE;
}

/* A syscall stop of @t. */
static void pt_syscall_stop(struct xb *b, struct pt_task *t)
{
	struct user_regs_struct r;

	if (t->in_syscall) {
		t->in_syscall = false;
		if (t->emulating) {
			t->emulating = false;
			ptrace(PTRACE_POKEUSER, t->tid, offsetof(struct user, regs.rax),
			       (void *)t->emul_ret);
		}
		pt_cont(t, 0);
		return;
	}
	t->in_syscall = true;
	if (!ptrace(PTRACE_GETREGS, t->tid, NULL, &r)) {
		switch (pt_sandbox(b, t, &r)) {
		case PT_EMULATE:
			t->emulating = true;
			ptrace(PTRACE_POKEUSER, t->tid, offsetof(struct user, regs.orig_rax),
			       (void *)-1L);
			break;
		case PT_PARK:
			t->stopped = true;	/* until killed */
			return;
		case PT_RUN:
			break;
		}
	}
	pt_cont(t, 0);
}

static bool pt_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Wait status @st of task @t. */
static void pt_handle(struct xb *b, struct pt_task *t, int st)
{
	int sig, ev;

	if (pt_dead(st)) {
		pt_gone(b, t, st);
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	t->listening = false;
	sig = WSTOPSIG(st);
	ev = (unsigned int)st >> 16;
	if (sig == PT_SYSCALL_STOP) {
		pt_syscall_stop(b, t);
		return;
	}
	switch (ev) {
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		pt_foreign(b, t, ev);
		pt_cont(t, 0);
		return;
	case PTRACE_EVENT_STOP:
		if (pt_stop_signal(sig)) {	/* a group-stop: stay stopped */
			ptrace(PTRACE_LISTEN, t->tid, NULL, NULL);
			t->listening = true;
			return;
		}
		pt_cont(t, 0);
		return;
	case 0:
		break;
	default:
		pt_cont(t, 0);
		return;
	}
	if (sig == SIGTRAP && pt_branch(b, t))
		return;
	pt_cont(t, sig);
}

/* One pass over the tasks: how many wait statuses were handled. */
static int pt_pass(struct xb *b)
{
	struct pt_task *t;
	int st, n = 0;
	size_t i;
	pid_t r;

	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		if (t->gone)
			continue;
		r = waitpid(t->tid, &st, __WALL | WNOHANG);
		if (r == t->tid) {
			pt_handle(b, t, st);
			n++;
		} else if (r < 0 && errno == ECHILD) {
			pt_gone(b, t, 0);	/* reaped by someone else */
			n++;
		}
	}
	pt_reap_tasks(b);
	return n;
}

/* ---- the operations ---------------------------------------------------------- */

/* The thread group of task @pid, in *@tgid; false if there is no such task. */
static bool pt_tgid(pid_t pid, pid_t *tgid)
{
	char path[64], line[128];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", tgid) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found;
}

/* Whether task @tid has a signal pending (for itself or its process). */
static bool pt_signal_pending(pid_t tid)
{
	unsigned long long mask;
	char path[64], line[128];
	bool pending = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
		     sscanf(line, "ShdPnd: %llx", &mask) == 1) && mask)
			pending = true;
	fclose(f);
	return pending;
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

/* Detach what open() attached (each was interrupted), putting back what it changed. */
static void pt_undo(struct xb *b)
{
	struct pt_task *t;
	size_t i;
	int st;

	if (b->narmed)
		pt_unarm(b, b->pid);
	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		while (!t->stopped && !t->gone) {
			if (pt_wait(t->tid, &st) || pt_dead(st))
				t->gone = true;
			else if (WIFSTOPPED(st))
				t->stopped = true;
			t->last = st;
		}
		if (t->stopped)
			ptrace(PTRACE_DETACH, t->tid, NULL,
			       (void *)(long)((unsigned int)t->last >> 16 ? 0 :
					      WSTOPSIG(t->last) & 0x7f));
	}
}

static void pt_free(struct xb *b)
{
	size_t i;

	for (i = 0; i < b->ntasks; i++)
		free(b->task[i]);
	for (i = 0; i < b->nprobes; i++) {
		free(b->probe[i]->log);
		free(b->probe[i]->out);
		free(b->probe[i]);
	}
	free(b->task);
	free(b->probe);
	free(b->ev);
	free(b->site);
	free(b->by_addr);
	free(b->input);
	free(b);
}

/* Detach interrupted task @tid at its next stop. */
static void pt_drop(pid_t tid)
{
	int st;

	while (!pt_wait(tid, &st) && !pt_dead(st) && ptrace(PTRACE_DETACH, tid, NULL, NULL))
		;
}

/*
 * Seize every thread of the target and bring each to a stop.  -errno and
 * a reason in @why.
 */
static int pt_seize_all(struct xb *b, char *why, size_t whylen)
{
	struct pt_probe *p0 = b->probe[0];
	struct pt_task *t, *c;
	unsigned long msg;
	struct dirent *d;
	char path[64];
	bool added;
	pid_t tid;
	size_t i;
	DIR *dir;
	int st;

	/* the process first: whether it may be traced at all */
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
	if (!pt_task_new(b, b->pid, p0)) {
		pt_drop(b->pid);
		pt_why(why, whylen, "out of memory");
		return -ENOMEM;
	}

	/* then its threads, until no new one shows up */
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
			if (!pt_task_new(b, tid, p0)) {
				closedir(dir);
				pt_drop(tid);
				pt_why(why, whylen, "out of memory");
				return -ENOMEM;
			}
			added = true;
		}
		closedir(dir);
	} while (added);

	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		while (!t->stopped && !t->gone) {
			if (pt_wait(t->tid, &st) || pt_dead(st)) {
				t->gone = true;
				if (t->tid == b->pid) {
					pt_why(why, whylen, "process %d exited", b->pid);
					return -ESRCH;
				}
				continue;
			}
			switch ((unsigned int)st >> 16) {
			case PTRACE_EVENT_STOP:
				t->stopped = true;
				t->last = st;
				continue;
			case PTRACE_EVENT_CLONE:
			case PTRACE_EVENT_FORK:
			case PTRACE_EVENT_VFORK:
				/* nothing is armed yet: keep threads, let the rest go */
				if (!ptrace(PTRACE_GETEVENTMSG, t->tid, NULL, &msg) &&
				    !pt_wait(msg, &st) && !pt_dead(st)) {
					if (pt_tgid(msg, &tid) && tid == b->pid &&
					    (c = pt_task_new(b, msg, p0))) {
						c->stopped = true;
						c->last = st;
					} else {
						ptrace(PTRACE_DETACH, msg, NULL, NULL);
					}
				}
				ptrace(PTRACE_CONT, t->tid, NULL, NULL);
				continue;
			case 0:
				ptrace(PTRACE_CONT, t->tid, NULL,
				       (void *)(long)(WSTOPSIG(st) & 0x7f));
				continue;
			default:
				ptrace(PTRACE_CONT, t->tid, NULL, NULL);
				continue;
			}
		}
	}
	pt_reap_tasks(b);
	return 0;
}

/* Check each site and put an int3 on the good ones. */
static void pt_arm(struct xb *b, const struct pt_map *m, size_t nmaps, int memfd, int *refused)
{
	static const uint8_t int3 = 0xcc;
	size_t i, k;

	for (i = 0; i < b->nsites; i++) {
		refused[i] = pt_site_check(&b->site[i], m, nmaps) ?:
			     pt_site_decode(&b->site[i], memfd);
		for (k = 0; !refused[i] && k < i; k++)
			if (b->site[k].addr == b->site[i].addr)
				refused[i] = EEXIST;
	}
	for (i = 0; i < b->nsites; i++) {
		if (refused[i])
			continue;
		if (pwrite(memfd, &int3, 1, b->site[i].addr) != 1) {
			refused[i] = EFAULT;
			continue;
		}
		b->site[i].armed = true;
		b->by_addr[b->narmed++] = i;
	}
	qsort_r(b->by_addr, b->narmed, sizeof(*b->by_addr), pt_site_cmp, b->site);
}

static int pt_open(struct xb **out, const struct xb_config *cfg, int *refused,
		   char *why, size_t whylen)
{
	struct pt_map *maps;
	struct pt_task *t;
	size_t i, nmaps;
	struct xb *b;
	pid_t tgid;
	int err, memfd;

	*out = NULL;
	if (cfg->pid <= 0 || (cfg->nsites && (!cfg->sites || !refused)) ||
	    (cfg->input_len && !cfg->input) || cfg->in_fd >= 32768) {
		pt_why(why, whylen, "bad configuration");
		return -EINVAL;
	}
	if (cfg->input_len > INSIGHT_INPUT_MAX) {
		pt_why(why, whylen, "input longer than %d bytes", INSIGHT_INPUT_MAX);
		return -E2BIG;
	}
	if (!pt_tgid(cfg->pid, &tgid)) {
		pt_why(why, whylen, "no process %d", cfg->pid);
		return -ESRCH;
	}
	if (tgid != cfg->pid) {
		pt_why(why, whylen, "%d is a thread of %d, not a process", cfg->pid, tgid);
		return -EINVAL;
	}
	if (cfg->pid == getpid()) {
		pt_why(why, whylen, "may not trace myself");
		return -EPERM;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		goto nomem;
	b->pid = cfg->pid;
	b->in_fd = cfg->in_fd < 0 ? -1 : cfg->in_fd;
	b->max_held = cfg->max_held;
	b->nsites = cfg->nsites;
	b->site = calloc(cfg->nsites + 1, sizeof(*b->site));
	b->by_addr = calloc(cfg->nsites + 1, sizeof(*b->by_addr));
	b->input = malloc(cfg->input_len + 1);
	if (!b->site || !b->by_addr || !b->input || !pt_probe_new(b, cfg->pid, 0,
								  INSIGHT_PROBE_RUNNING))
		goto nomem_free;
	memcpy(b->input, cfg->input, cfg->input_len);
	b->input_len = cfg->input_len;
	for (i = 0; i < cfg->nsites; i++) {
		b->site[i].addr = cfg->sites[i];
		b->site[i].policy = XB_NATURAL;
	}

	err = pt_seize_all(b, why, whylen);
	if (err)
		goto undo;
	memfd = pt_mem_open(b->pid, true);
	if (memfd < 0) {
		err = -errno;
		pt_why(why, whylen, "cannot open /proc/%d/mem: %s", b->pid, strerror(errno));
		goto undo;
	}
	maps = pt_maps(b->pid, &nmaps);
	err = maps ? pt_find_syscall(b, maps, nmaps, memfd) : -ESRCH;
	if (err) {
		free(maps);
		close(memfd);
		pt_why(why, whylen, "no syscall instruction in %d's code", b->pid);
		goto undo;
	}
	pt_arm(b, maps, nmaps, memfd, refused);
	free(maps);
	close(memfd);
	b->root_pending = true;

	/* run: syscalls restart (a blocked read is then served from the input) */
	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		t->stopped = false;
		pt_unintr(t);
		if (pt_stop_signal(WSTOPSIG(t->last))) {
			ptrace(PTRACE_LISTEN, t->tid, NULL, NULL);
			t->listening = true;
		} else {
			pt_cont(t, 0);
		}
	}
	*out = b;
	return 0;

nomem_free:
	pt_free(b);
nomem:
	pt_why(why, whylen, "out of memory");
	return -ENOMEM;
undo:
	pt_undo(b);
	pt_free(b);
	return err;
}

static unsigned int pt_max_probes(struct xb *b)
{
	(void)b;
	return PT_MAX_PROBES;
}

static int pt_policy(struct xb *b, size_t site, int policy)
{
	if (site >= b->nsites || !b->site[site].armed)
		return -ENOENT;
	if (policy != XB_NATURAL && policy != XB_SNAPSHOT)
		return -EINVAL;
	b->site[site].policy = policy;
	return 0;
}

static int pt_resume(struct xb *b, uint32_t probe, int taken, int keep)
{
	struct pt_probe *p = pt_probe_get(b, probe);
	struct user_regs_struct r;
	struct pt_task *t;
	struct pt_site *s;
	bool natural;
	uint32_t flags;

	if (!p)
		return -ENOENT;
	t = pt_task_of(b, p->pid);
	if (p->state != INSIGHT_PROBE_HELD || !t)
		return -EINVAL;
	s = &b->site[p->held_site];
	r = p->regs;
	natural = pt_cond(s->cc, r.eflags);
	flags = INSIGHT_DECISION_FORK | INSIGHT_DECISION_FORCED |
		(taken ? INSIGHT_DECISION_TAKEN : 0) |
		(!!taken != natural ? INSIGHT_DECISION_DEVIATED : 0);
	p->state = INSIGHT_PROBE_RUNNING;
	if (keep) {
		if (!pt_split(b, t, p->held_site, &r, flags, true))
			return 0;	/* it died: its event tells */
	} else {
		pt_log(p, p->held_site, s->addr, flags);
	}
	r.rip = taken ? s->taken : s->next;
	ptrace(PTRACE_SETREGS, t->tid, NULL, &r);
	pt_resend(t);
	pt_cont(t, 0);
	return 0;
}

static int pt_kill(struct xb *b, uint32_t probe)
{
	struct pt_probe *p = pt_probe_get(b, probe);

	if (!p)
		return -ENOENT;
	if (!probe || p->state == INSIGHT_PROBE_EXITED)
		return -EINVAL;
	return kill(p->pid, SIGKILL) ? -errno : 0;
}

static int pt_events(struct xb *b, struct xb_event *ev, unsigned int max, int timeout_ms)
{
	struct timespec now, end, ts;
	sigset_t chld, old;
	long left_ms;
	unsigned int n;

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
		while (pt_pass(b) && !b->nev) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (timeout_ms >= 0 && (now.tv_sec > end.tv_sec ||
			    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)))
				break;
		}
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
	n = b->nev < max ? b->nev : max;
	memcpy(ev, b->ev, n * sizeof(*ev));
	memmove(b->ev, b->ev + n, (b->nev - n) * sizeof(*ev));
	b->nev -= n;
	return n;
}

static int pt_path(struct xb *b, uint32_t probe, struct insight_decision **d, size_t *n)
{
	struct pt_probe *p = pt_probe_get(b, probe);

	if (!p)
		return -ENOENT;
	*d = malloc((p->nlog ? p->nlog : 1) * sizeof(**d));
	if (!*d)
		return -ENOMEM;
	memcpy(*d, p->log, p->nlog * sizeof(**d));
	*n = p->nlog;
	return 0;
}

static int pt_outputs(struct xb *b, uint32_t probe, uint64_t start,
		      struct insight_output_info *o, unsigned int max, unsigned int *n)
{
	struct pt_probe *p = pt_probe_get(b, probe);
	size_t i;

	if (!p)
		return -ENOENT;
	*n = 0;
	for (i = 0; i < p->nout && *n < max; i++)
		if (p->out[i].seq >= start)
			o[(*n)++] = p->out[i];
	return 0;
}

static int pt_probes(struct xb *b, struct xb_probe *pr, unsigned int max, unsigned int *n)
{
	struct pt_probe *p;

	for (*n = 0; *n < max && *n < b->nprobes; (*n)++) {
		p = b->probe[*n];
		pr[*n] = (struct xb_probe){ .id = p->id, .parent = p->parent,
					    .fork_seq = p->fork_seq, .pid = p->pid,
					    .state = p->state };
	}
	return 0;
}

/* close(): bring task @t of the target to a stop (kept in t->last). */
static void pt_stop_target_task(struct xb *b, struct pt_task *t)
{
	int st;

	while (!t->stopped && !t->gone) {
		if (!t->interrupted) {
			ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL);
			t->interrupted = true;
		}
		if (pt_wait(t->tid, &st) || pt_dead(st)) {
			t->gone = true;
			break;
		}
		switch ((unsigned int)st >> 16) {
		case PTRACE_EVENT_CLONE:
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
			pt_foreign(b, t, st >> 16);
			break;
		}
		t->stopped = true;
		t->last = st;
	}
}

/* close(): let task @t of the target go from the stop it is in. */
static void pt_release(struct xb *b, struct pt_task *t)
{
	struct user_regs_struct r;
	int sig = WSTOPSIG(t->last), detach_sig = 0;
	siginfo_t si;

	if (sig == PT_SYSCALL_STOP) {
		/* an exit stop: finish what was skipped; an enter stop: it runs */
		if (t->in_syscall && t->emulating)
			ptrace(PTRACE_POKEUSER, t->tid, offsetof(struct user, regs.rax),
			       (void *)t->emul_ret);
		else if (t->in_syscall)
			pt_unintr(t);
	} else if (!((unsigned int)t->last >> 16)) {
		detach_sig = sig;
		if (sig == SIGTRAP && !ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si) &&
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

static void pt_close(struct xb *b)
{
	struct pt_task *t;
	size_t i;
	int st;

	if (!b)
		return;
	for (i = 1; i < b->nprobes; i++)
		if (b->probe[i]->state != INSIGHT_PROBE_EXITED)
			kill(b->probe[i]->pid, SIGKILL);
	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		if (!t->probe->id)
			continue;
		while (!t->gone)
			if (pt_wait(t->tid, &st) || pt_dead(st))
				t->gone = true;
	}
	for (i = 0; i < b->ntasks; i++)
		if (!b->task[i]->probe->id && !b->task[i]->gone)
			pt_stop_target_task(b, b->task[i]);
	if (b->probe[0]->state != INSIGHT_PROBE_EXITED)
		pt_unarm(b, b->pid);
	for (i = 0; i < b->ntasks; i++)
		if (!b->task[i]->probe->id && !b->task[i]->gone && b->task[i]->stopped)
			pt_release(b, b->task[i]);
	pt_free(b);
}

const struct xb_ops xb_ptrace_ops = {
	.name = "ptrace",
	.open = pt_open,
	.max_probes = pt_max_probes,
	.policy = pt_policy,
	.resume = pt_resume,
	.kill = pt_kill,
	.events = pt_events,
	.path = pt_path,
	.outputs = pt_outputs,
	.probes = pt_probes,
	.close = pt_close,
};
