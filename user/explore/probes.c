// SPDX-License-Identifier: GPL-2.0
/*
 * What the explorer knows of each probe: its state, lineage and output
 * matcher, kept from the backend's events alone (user/backend.h: every
 * split ends in CREATED+HELD or QUOTA, every probe in EXITED or KILLED).
 * So every wait here waits for an event that is sure to come, bounded
 * only by the exploration's deadline.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <linux/insight.h>

#include "explore.h"

double explore_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int probes_init(struct ex *x)
{
	x->ps = calloc(MAX_PROBES_SEEN, sizeof(*x->ps));
	return x->ps ? 0 : -ENOMEM;
}

void probes_free(struct ex *x)
{
	size_t k;

	for (k = 0; x->ps && k < MAX_PROBES_SEEN; k++) {
		insight_matcher_free(x->ps[k].m);
		free(x->ps[k].quotas);
	}
	free(x->ps);
	x->ps = NULL;
}

struct pstate *pst(struct ex *x, uint32_t id)
{
	return id < MAX_PROBES_SEEN ? &x->ps[id] : NULL;
}

static void progress(struct ex *x)
{
	static double shown;

	if (!x->tty || explore_now() - shown < 0.2)
		return;
	shown = explore_now();
	fprintf(stderr, "\r[explore] probes running %u held %u pruned %lu, branches %lu, %.1f s ",
		x->st.running, x->st.held, x->st.pruned, x->st.branches,
		explore_now() - x->start);
}

/* Feed one output to @p's matcher. */
void feed(struct ex *x, struct pstate *p, const struct xb_output *o)
{
	struct insight_output_rec r = { .fd_kind = INSIGHT_FD_FILE, .data = o->data,
					.len = o->captured,
					.denied = o->flags & XB_OUT_DENIED };
	size_t k = insight_matcher_pos(p->m);

	/* the record kept fewer bytes than were written: compare those */
	if (k < x->exp->n && x->exp->cut[k] && x->exp->out[k].len < r.len)
		r.len = x->exp->out[k].len;
	p->verdict = insight_matcher_feed(p->m, &r);
}

/* Feed probe @id's new outputs to its matcher. */
void check_outputs(struct ex *x, uint32_t id)
{
	struct xb_output *o;
	struct pstate *p = pst(x, id);
	unsigned int n, i;

	if (!p || !p->m || p->verdict == INSIGHT_MISMATCH)
		return;
	o = malloc(16 * sizeof(*o));
	if (!o)
		return;
	do {
		if (x->ops->outputs(x->b, id, p->out_next, o, 16, &n))
			break;
		for (i = 0; i < n && p->verdict != INSIGHT_MISMATCH; i++)
			feed(x, p, &o[i]);
		p->out_next += n;
	} while (n == 16 && p->verdict != INSIGHT_MISMATCH);
	p->pos = insight_matcher_pos(p->m);
	free(o);
}

void track(struct ex *x, uint32_t id)
{
	struct pstate *p = pst(x, id);

	if (!p || p->m)
		return;
	p->m = insight_matcher_new(x->exp->out, x->exp->n, x->match);
	p->verdict = x->exp->n ? INSIGHT_PREFIX : INSIGHT_MATCH;
}

/* Probe @p's split at @fork_seq made no copy. */
static void note_quota(struct pstate *p, uint64_t fork_seq)
{
	uint64_t *more = realloc(p->quotas, (p->nquotas + 1) * sizeof(*more));

	p->copy_refused |= fork_seq == 0;
	if (!more)
		return;		/* a wait for that split then ends at the deadline */
	p->quotas = more;
	p->quotas[p->nquotas++] = fork_seq;
}

/* Whether probe @p's split at @fork_seq has ended: a child held or gone, or a QUOTA. */
static bool split_ended(struct ex *x, uint32_t p, uint64_t fork_seq)
{
	uint32_t i;
	size_t k;

	for (k = 0; k < x->ps[p].nquotas; k++)
		if (x->ps[p].quotas[k] == fork_seq)
			return true;
	for (i = 1; i < MAX_PROBES_SEEN; i++)
		if (x->ps[i].known && x->ps[i].parent == p && x->ps[i].fork_seq == fork_seq)
			return x->ps[i].st == P_HELD || finished(x, i);
	return false;
}

static void on_event(struct ex *x, const struct xb_event *ev)
{
	struct pstate *p = pst(x, ev->probe);

	if (!p)
		return;
	switch (ev->kind) {
	case XB_EV_CREATED:
		if (!p->known)		/* (resync() may have seen it first) */
			x->st.created++;
		p->known = true;
		if (p->st != P_KILLED && p->st != P_EXITED)	/* gone before this was read */
			p->st = P_RUNNING;
		p->parent = ev->parent;
		p->fork_seq = ev->fork_seq;
		break;
	case XB_EV_HELD:
		if (p->st < P_KILLED)
			p->st = P_HELD;
		break;
	case XB_EV_QUOTA:
		note_quota(p, ev->fork_seq);
		break;
	case XB_EV_DONE:
		if (p->st < P_KILLED)
			p->st = P_DONE;
		break;
	case XB_EV_EXITED:
	case XB_EV_KILLED:
		p->st = P_EXITED;
		break;
	}
}

/* --verbose, at the deadline: what the backend says of each probe. */
static void say_probes(struct ex *x)
{
	static const char *const state[] = { "exited", "running", "held" };
	struct xb_probe p[64];
	unsigned int n = 0, i;

	if (!x->verbose || x->ops->probes(x->b, p, 64, &n))
		return;
	for (i = 0; i < n; i++)
		say(x, "probe %u: pid %d, parent %u at %llu, %s; seen %d\n", p[i].id, p[i].pid,
		    p[i].parent, (unsigned long long)p[i].fork_seq,
		    p[i].state <= XB_PROBE_HELD ? state[p[i].state] : "?", x->ps[p[i].id].st);
}

/*
 * Events can be lost (a subscriber's full receive buffer: the backend
 * counts them), and a probe whose end is never told would be waited for
 * until the deadline.  So when no event has come for a second, the
 * backend's own list of probes says which have ended, and which were
 * created unseen; held and running states come from the events alone (a
 * resume not yet applied still lists its probe held).
 */
static void resync(struct ex *x)
{
	struct xb_probe *p = malloc(MAX_PROBES_SEEN * sizeof(*p));
	struct pstate *ps;
	unsigned int n = 0, i;

	if (!p || x->ops->probes(x->b, p, MAX_PROBES_SEEN, &n))
		n = 0;
	for (i = 0; i < n; i++) {
		ps = pst(x, p[i].id);
		if (!ps || !p[i].id)
			continue;
		if (!ps->known) {
			ps->known = true;
			ps->parent = p[i].parent;
			ps->fork_seq = p[i].fork_seq;
			ps->st = p[i].state == XB_PROBE_HELD ? P_HELD : P_RUNNING;
			x->st.created++;
			say(x, "probe %u: its creation was not told (an event lost)\n", p[i].id);
		}
		if (p[i].state == XB_PROBE_EXITED && ps->st != P_EXITED) {
			ps->st = P_EXITED;
			say(x, "probe %u: its end was not told (an event lost)\n", p[i].id);
		}
	}
	free(p);
}

/* Read events for up to @ms; keep each probe's state. */
void pump(struct ex *x, int ms)
{
	struct xb_event ev[64];
	int i, n;

	n = x->ops->events(x->b, ev, 64, ms);
	for (i = 0; i < n; i++)
		on_event(x, &ev[i]);
	if (n > 0) {
		x->last_event = explore_now();
	} else if (explore_now() - x->last_event >= 1.0) {
		resync(x);
		x->last_event = explore_now();
	}
	x->st.running = x->st.held = 0;
	for (i = 0; i < MAX_PROBES_SEEN; i++) {
		if (x->ps[i].st == P_RUNNING)
			x->st.running++;
		else if (x->ps[i].st == P_HELD)
			x->st.held++;
	}
	progress(x);
	if (!x->timed_out && explore_now() > x->deadline) {
		x->timed_out = true;
		say(x, "timed out\n");
		say_probes(x);
	}
}

bool finished(struct ex *x, uint32_t id)
{
	return x->ps[id].st == P_DONE || x->ps[id].st >= P_KILLED;
}

void kill_probe(struct ex *x, uint32_t id)
{
	if (id && id < MAX_PROBES_SEEN && x->ps[id].st < P_KILLED &&
	    !x->ops->kill(x->b, id))
		x->ps[id].st = P_KILLED;
}

/*
 * Wait until the probes killed are gone: held ones count against the
 * backend's cap of held snapshots until they are.
 */
void settle(struct ex *x)
{
	bool killing = true;
	uint32_t i;

	while (killing && !x->timed_out) {
		killing = false;
		for (i = 1; i < MAX_PROBES_SEEN && !killing; i++)
			killing = x->ps[i].st == P_KILLED;
		if (killing)
			pump(x, 10);
	}
}

/* The root snapshot: the target's first child, once created; 0 if none. */
uint32_t root_probe(struct ex *x)
{
	uint32_t i;

	for (i = 1; i < MAX_PROBES_SEEN; i++)
		if (x->ps[i].known && x->ps[i].parent == 0)
			return i;
	return 0;
}

/* Wait until probe @id is held (it was just created by a split). */
int wait_held(struct ex *x, uint32_t id)
{
	while (!x->timed_out && x->ps[id].st != P_HELD) {
		if (x->ps[id].st >= P_KILLED)
			return -ESRCH;
		pump(x, 20);
	}
	return x->timed_out ? -ETIMEDOUT : 0;
}

/* The held child of @parent at @fork_seq; 0 if none. */
uint32_t held_child(struct ex *x, uint32_t parent, uint64_t fork_seq)
{
	uint32_t i;

	for (i = 1; i < MAX_PROBES_SEEN; i++)
		if (x->ps[i].known && x->ps[i].parent == parent &&
		    x->ps[i].fork_seq == fork_seq && x->ps[i].st == P_HELD)
			return i;
	return 0;
}

/*
 * Wait until every split of probe @p (resumed with a copy kept) has
 * ended: each decision it logged as a fork in a child held (or gone) or
 * in a QUOTA.  A backend may create a child only after its parent has
 * gone on (insight.ko: when the child first runs).
 */
void await_children(struct ex *x, uint32_t p)
{
	struct xb_decision *d;
	size_t n, k;

	if (x->ops->path(x->b, p, &d, &n))
		return;
	for (k = 0; k < n && !x->timed_out; k++)
		while (d[k].flags & XB_FORK && !split_ended(x, p, k) && !x->timed_out)
			pump(x, 10);
	if (x->timed_out)
		say(x, "timed out waiting for the copies of probe %u (%zu decisions)\n", p, n);
	free(d);
}

/* The copy probe @p left when resumed with keep, once held; 0 if none. */
uint32_t await_copy(struct ex *x, uint32_t p)
{
	uint32_t c = 0;

	while (!x->timed_out && !x->ps[p].copy_refused && !(c = held_child(x, p, 0)))
		pump(x, 10);
	if (!c)
		say(x, "  probe %u kept no copy (%s)\n", p,
		    x->ps[p].copy_refused ? "at a cap" : "timed out");
	return c;
}
