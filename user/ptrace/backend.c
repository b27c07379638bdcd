// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's operations (struct xb_ops, user/backend.h).  The
 * mechanism is in the other files of user/ptrace/ (ptrace.h tells which);
 * here the contract's calls are checked and turned into it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/insight.h>

#include "ptrace.h"

/* The same inputs fit both backends. */
_Static_assert(PT_INPUT_MAX == INSIGHT_INPUT_MAX, "insight.ko's input cap");

/* A new session's state, its sites unchecked yet; NULL without memory. */
static struct xb *pt_new(const struct xb_config *cfg)
{
	struct xb *b = calloc(1, sizeof(*b));
	size_t i;

	if (!b)
		return NULL;
	b->pid = cfg->pid;
	b->in_fd = cfg->in_fd < 0 ? -1 : cfg->in_fd;
	b->max_held = cfg->max_held;
	b->nsites = cfg->nsites;
	b->site = calloc(cfg->nsites + 1, sizeof(*b->site));
	b->by_addr = calloc(cfg->nsites + 1, sizeof(*b->by_addr));
	b->input = malloc(cfg->input_len + 1);
	if (!b->site || !b->by_addr || !b->input ||
	    !pt_probe_new(b, cfg->pid, 0, XB_PROBE_RUNNING)) {
		pt_free(b);
		return NULL;
	}
	memcpy(b->input, cfg->input, cfg->input_len);
	b->input_len = cfg->input_len;
	for (i = 0; i < cfg->nsites; i++) {
		b->site[i].addr = cfg->sites[i];
		b->site[i].policy = XB_NATURAL;
	}
	return b;
}

/* Whether @cfg names a process we may trace: 0, or -errno and why. */
static int pt_check(const struct xb_config *cfg, const int *refused, char *why, size_t whylen)
{
	pid_t tgid;

	if (cfg->pid <= 0 || (cfg->nsites && (!cfg->sites || !refused)) ||
	    (cfg->input_len && !cfg->input) || cfg->in_fd >= 32768) {
		pt_why(why, whylen, "bad configuration");
		return -EINVAL;
	}
	if (cfg->input_len > PT_INPUT_MAX) {
		pt_why(why, whylen, "input longer than %d bytes", PT_INPUT_MAX);
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
	return 0;
}

/* Seized: find a `syscall` to inject clones at, and arm the sites. */
static int pt_prepare(struct xb *b, int *refused, char *why, size_t whylen)
{
	struct pt_map *maps;
	int err, memfd;
	size_t nmaps;

	memfd = pt_mem_open(b->pid, true);
	if (memfd < 0) {
		err = -errno;
		pt_why(why, whylen, "cannot open /proc/%d/mem: %s", b->pid, strerror(errno));
		return err;
	}
	maps = pt_maps(b->pid, &nmaps);
	err = maps ? pt_find_syscall(b, maps, nmaps, memfd) : -ESRCH;
	if (err)
		pt_why(why, whylen, "no syscall instruction in %d's code", b->pid);
	else
		pt_arm(b, maps, nmaps, memfd, refused);
	free(maps);
	close(memfd);
	return err;
}

/*
 * Every thread is stopped before anything is armed, so none runs into an
 * int3 before the session can emulate it; on an error, pt_undo() leaves
 * the target as it was.
 */
static int pt_open(struct xb **out, const struct xb_config *cfg, int *refused,
		   char *why, size_t whylen)
{
	struct xb *b;
	int err;

	*out = NULL;
	err = pt_check(cfg, refused, why, whylen);
	if (err)
		return err;
	b = pt_new(cfg);
	if (!b) {
		pt_why(why, whylen, "out of memory");
		return -ENOMEM;
	}
	err = pt_seize_all(b, why, whylen) ?: pt_prepare(b, refused, why, whylen);
	if (err) {
		pt_undo(b);
		pt_free(b);
		return err;
	}
	b->root_pending = true;
	pt_run_all(b);
	*out = b;
	return 0;
}

static unsigned int pt_max_probes(struct xb *b)
{
	(void)b;
	return PT_MAX_PROBES;
}

static int pt_policy(struct xb *b, size_t site, enum xb_policy policy)
{
	if (site >= b->nsites || !b->site[site].armed)
		return -ENOENT;
	if (policy != XB_NATURAL && policy != XB_SNAPSHOT)
		return -EINVAL;
	b->site[site].policy = policy;
	return 0;
}

/*
 * Resume held probe @probe: its decision (seq 0) is a forced FORK; with
 * @keep a copy is first held at the same branch, or a QUOTA tells there
 * is none (pt_split).
 */
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
	if (p->state != XB_PROBE_HELD || !t)
		return -EINVAL;
	s = &b->site[p->held_site];
	r = p->regs;
	natural = insight_jcc_taken(s->cc, r.eflags);
	flags = XB_FORK | XB_FORCED | (taken ? XB_TAKEN : 0) |
		(!!taken != natural ? XB_DEVIATED : 0);
	p->state = XB_PROBE_RUNNING;
	if (keep) {
		if (!pt_split(b, t, p->held_site, &r, flags, true))
			return 0;	/* it died: its events tell */
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
	if (!probe || p->state == XB_PROBE_EXITED)
		return -EINVAL;
	return kill(p->pid, SIGKILL) ? -errno : 0;
}

/* The backend has no thread of its own: the probes move while in here. */
static int pt_events(struct xb *b, struct xb_event *ev, unsigned int max, int timeout_ms)
{
	unsigned int n;

	pt_drive(b, timeout_ms);
	n = b->nev < max ? b->nev : max;
	memcpy(ev, b->ev, n * sizeof(*ev));
	memmove(b->ev, b->ev + n, (b->nev - n) * sizeof(*ev));
	b->nev -= n;
	return n;
}

static int pt_path(struct xb *b, uint32_t probe, struct xb_decision **d, size_t *n)
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
		      struct xb_output *o, unsigned int max, unsigned int *n)
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

/*
 * Everything is kept in memory: what is lost is what found no room (a
 * log past PT_MAX_LOG, outputs past PT_MAX_OUTPUTS, events without
 * memory) and the splits that made no copy.
 */
static int pt_lost(struct xb *b, struct xb_lost *l)
{
	size_t i;

	*l = (struct xb_lost){ .events = b->ev_lost, .degraded = b->degraded };
	for (i = 0; i < b->nprobes; i++) {
		l->decisions += b->probe[i]->log_lost;
		l->outputs += b->probe[i]->out_lost;
	}
	return 0;
}

/*
 * The probes first, each reaped (they are siblings of the target: its
 * parent would find them otherwise); then the target, which must be in
 * a stop for its code to be put back and its skipped syscall finished.
 */
static void pt_close(struct xb *b)
{
	struct pt_status s;
	struct pt_task *t;
	size_t i;

	if (!b)
		return;
	for (i = 1; i < b->nprobes; i++)
		if (b->probe[i]->state != XB_PROBE_EXITED)
			kill(b->probe[i]->pid, SIGKILL);
	for (i = 0; i < b->ntasks; i++) {
		t = b->task[i];
		while (t->probe->id && !t->gone)
			pt_wait_task(b, t, &s);
	}
	pt_detach_target(b);
	pt_free(b);
}

const struct xb_ops xb_ptrace_ops = {
	.name = "ptrace",
	.open = pt_open,
	.max_probes = pt_max_probes,
	.policy = pt_policy,
	.resume = pt_resume,
	.kill = pt_kill,
	.fault = pt_fault_add,
	.events = pt_events,
	.path = pt_path,
	.outputs = pt_outputs,
	.probes = pt_probes,
	.lost = pt_lost,
	.close = pt_close,
};
