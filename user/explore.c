// SPDX-License-Identifier: GPL-2.0
/*
 * insight explore --pid P --record FAILURE.json [--quota N] [--timeout S]
 *                 [--backend kmod|ptrace] [--json] [--lib NAME] [--all-sites]
 *                 [--verbose]
 *
 * Find the execution path of a recorded failed request in a running copy
 * of the program (the shadow), without source code:
 *
 * 1. Sites: the conditional jumps of the program (user/sites.c), each
 *    classified by what its condition depends on.
 * 2. The request is replayed through the backend's sandbox (a connection
 *    to the socket the target listens on, or its stdin): the target works
 *    on it naturally, its writes captured and suppressed, while its first
 *    trap leaves a held copy, the root.
 * 3. If the natural outputs are the record's, the failure reproduces as
 *    it is; the suspects are the branches on its path that depend on the
 *    environment and decide it (flipping them loses the failure).
 *    Otherwise the search deviates: held snapshots are taken at candidate
 *    branches (those depending on the environment first, then the nearest
 *    to the first output that differs) and resumed the other way, at most
 *    --quota at once; a probe whose outputs stop matching is pruned; the
 *    search goes deeper (more deviations) from the best partial probes.
 * 4. The report: the path, the deviations ranked as suspects, the outputs.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "backend.h"
#include "cli.h"
#include "format.h"
#include "match.h"
#include "record.h"
#include "sites.h"
#include "syscalls.h"

#define MAX_PROBES_SEEN	4096
#define BATCH		10	/* snapshots taken per round */
#define MAX_DEV		3	/* deviations per path, at most */
#define MAX_CAND	40	/* candidate branches per node */
#define MAX_SUSPECT_RUNS 12	/* flips tried to rank a natural failure */

enum pst { P_NONE, P_RUNNING, P_HELD, P_DONE, P_KILLED, P_EXITED };

struct pstate {
	bool known;
	enum pst st;
	uint32_t parent;
	uint64_t fork_seq;
	bool lineage;		/* parent/fork_seq read from the backend */
	struct insight_matcher *m;
	uint64_t out_next;
	enum insight_verdict verdict;
	size_t pos;
};

struct run {
	uint32_t probe;		/* the probe that ran it */
	size_t base;		/* full-path index where its own log starts */
	struct insight_decision *path;	/* full path */
	size_t npath;
	enum insight_verdict verdict;
	size_t pos;		/* outputs matched */
	size_t limit;		/* full-path index before the first bad output */
	size_t devs[MAX_DEV + 1];
	int ndev;
	uint32_t snap;		/* a held copy at its last branch, or 0 */
	bool snap_taken;	/* the direction its snapshot resumes in */
	struct insight_output_info *outs;	/* its outputs from the root on, */
	size_t nouts;		/* .decisions a full-path index */
};

struct ex {
	const struct xb_ops *ops;
	struct xb *b;
	pid_t pid;
	struct insight_jcc *j;
	size_t nj;
	struct insight_record rec;
	struct insight_output_rec *expect;	/* the record's outputs of counted kinds */
	bool *exp_cut;		/* the record kept fewer bytes than were written */
	size_t nexp;
	struct pstate *ps;
	unsigned int quota;
	double start, deadline;
	bool tty, timed_out, verbose;
	/* counters */
	unsigned long created, pruned, finished, branches;
	size_t from;		/* path index of the root: the request's start */
	unsigned int running, held;
};

static void print_data(FILE *f, const uint8_t *d, size_t len, size_t max);
static const char *cls_name(int cls);

/* --verbose: the search's steps on stderr */
#define say(x, ...) do { if ((x)->verbose) fprintf(stderr, "explore: " __VA_ARGS__); } while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(struct ex *x, bool last)
{
	static double shown;

	if (!x->tty || (!last && now() - shown < 0.2))
		return;
	shown = now();
	fprintf(stderr, "\r[explore] probes running %u held %u pruned %lu, branches %lu, %.1f s ",
		x->running, x->held, x->pruned, x->branches, now() - x->start);
	if (last)
		fputc('\n', stderr);
}

/* outputs are compared with error messages normalised: see match.h */
static const struct insight_match_opts match_opts = {
	INSIGHT_NORM_DEFAULT | INSIGHT_NORM_ERRNO, INSIGHT_KINDS_DEFAULT,
};

static struct pstate *pst(struct ex *x, uint32_t id)
{
	return id < MAX_PROBES_SEEN ? &x->ps[id] : NULL;
}

/* Feed one output to @p's matcher. */
static void feed(struct ex *x, struct pstate *p, const struct insight_output_info *o)
{
	struct insight_output_rec r = { .fd_kind = INSIGHT_FD_FILE, .data = o->data,
					.len = o->captured };
	size_t k = insight_matcher_pos(p->m);

	/* the record kept fewer bytes than were written: compare those */
	if (k < x->nexp && x->exp_cut[k] && x->expect[k].len < r.len)
		r.len = x->expect[k].len;
	p->verdict = insight_matcher_feed(p->m, &r);
}

/* Feed probe @id's new outputs to its matcher. */
static void check_outputs(struct ex *x, uint32_t id)
{
	struct insight_output_info *o;
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

static void track(struct ex *x, uint32_t id)
{
	struct pstate *p = pst(x, id);

	if (!p || p->m)
		return;
	p->m = insight_matcher_new(x->expect, x->nexp, &match_opts);
	p->verdict = x->nexp ? INSIGHT_PREFIX : INSIGHT_MATCH;
}

/* Read events for up to @ms; keep each probe's state. */
static void pump(struct ex *x, int ms)
{
	struct xb_event ev[64];
	struct pstate *p;
	int i, n;

	n = x->ops->events(x->b, ev, 64, ms);
	for (i = 0; i < n; i++) {
		p = pst(x, ev[i].probe);
		if (!p)
			continue;
		switch (ev[i].kind) {
		case XB_EV_CREATED:
			p->known = true;
			p->st = P_RUNNING;
			p->parent = ev[i].parent;
			x->created++;
			break;
		case XB_EV_PAUSED:
			p->known = true;
			p->st = P_HELD;
			break;
		case XB_EV_DONE:
			if (p->st < P_KILLED)
				p->st = P_DONE;
			break;
		case XB_EV_EXITED:
		case XB_EV_KILLED:
			p->st = P_EXITED;
			break;
		default:
			break;
		}
	}
	x->running = x->held = 0;
	for (i = 0; i < MAX_PROBES_SEEN; i++) {
		if (x->ps[i].st == P_RUNNING)
			x->running++;
		else if (x->ps[i].st == P_HELD)
			x->held++;
	}
	progress(x, false);
	if (now() > x->deadline)
		x->timed_out = true;
}

static bool finished(struct ex *x, uint32_t id)
{
	return x->ps[id].st == P_DONE || x->ps[id].st >= P_KILLED;
}

static void refresh_lineage(struct ex *x)
{
	struct xb_probe *p;
	unsigned int n, i;

	p = calloc(MAX_PROBES_SEEN, sizeof(*p));
	if (!p)
		return;
	if (!x->ops->probes(x->b, p, MAX_PROBES_SEEN, &n))
		for (i = 0; i < n; i++) {
			struct pstate *s = pst(x, p[i].id);

			if (!s)
				continue;
			s->known = true;
			s->parent = p[i].parent;
			s->fork_seq = p[i].fork_seq;
			s->lineage = true;
			if (p[i].state == INSIGHT_PROBE_EXITED)
				s->st = P_EXITED;
			else if (p[i].state == INSIGHT_PROBE_HELD && s->st != P_KILLED)
				s->st = P_HELD;
		}
	free(p);
}

static void kill_probe(struct ex *x, uint32_t id)
{
	if (id && x->ps[id].st < P_KILLED && !x->ops->kill(x->b, id))
		x->ps[id].st = P_KILLED;
}

/*
 * Wait (up to 2 s) until the probes killed are gone: held ones count
 * against the backend's cap of held snapshots until they are.
 */
static void settle(struct ex *x)
{
	double until = now() + 2;
	bool killing = true;
	uint32_t i;

	while (killing && !x->timed_out && now() < until) {
		killing = false;
		for (i = 1; i < MAX_PROBES_SEEN && !killing; i++)
			killing = x->ps[i].st == P_KILLED;
		if (killing) {
			pump(x, 10);
			refresh_lineage(x);
		}
	}
}

/* Probe @id's own log into *d (malloc'ed), its decision count in *n. */
static int own_path(struct ex *x, uint32_t id, struct insight_decision **d, size_t *n)
{
	int err = x->ops->path(x->b, id, d, n);

	if (!err)
		x->branches += *n;
	return err;
}

/* The outputs of @from made before its decision @at. */
static size_t outs_before(const struct run *from, size_t at)
{
	size_t k = 0;

	while (from && k < from->nouts && from->outs[k].decisions <= at)
		k++;
	return k;
}

/*
 * @r's outputs: those of @from before decision @base, then probe @id's
 * own (made after its own log began at @base).
 */
static int run_outputs(struct ex *x, uint32_t id, const struct run *from, size_t base,
		       struct run *r)
{
	size_t pre = outs_before(from, base), cap = pre + 16;
	struct insight_output_info *o;
	unsigned int got;
	uint64_t start = 0;

	r->outs = malloc(cap * sizeof(*r->outs));
	if (!r->outs)
		return -ENOMEM;
	if (pre)
		memcpy(r->outs, from->outs, pre * sizeof(*r->outs));
	r->nouts = pre;
	for (;;) {
		if (r->nouts + 16 > cap) {
			o = realloc(r->outs, (cap *= 2) * sizeof(*r->outs));
			if (!o)
				return -ENOMEM;
			r->outs = o;
		}
		if (x->ops->outputs(x->b, id, start, r->outs + r->nouts, 16, &got) || !got)
			break;
		for (o = r->outs + r->nouts; o < r->outs + r->nouts + got; o++)
			o->decisions += base;
		r->nouts += got;
		start += got;
	}
	return 0;
}

/* Feed @from's outputs before decision @at to probe @id's matcher. */
static void prefeed(struct ex *x, uint32_t id, const struct run *from, size_t at)
{
	struct pstate *p = pst(x, id);
	size_t k, n = outs_before(from, at);

	if (!p || !p->m)
		return;
	for (k = 0; k < n && p->verdict != INSIGHT_MISMATCH; k++)
		feed(x, p, &from->outs[k]);
	p->pos = insight_matcher_pos(p->m);
}

/*
 * A run of probe @id whose own log continues @from's path (its first
 * @base decisions).
 */
static int make_run(struct ex *x, uint32_t id, const struct run *from, size_t base,
		    struct run *r)
{
	const struct insight_decision *prefix = from ? from->path : NULL;
	struct insight_decision *own;
	struct pstate *p = &x->ps[id];
	size_t n, k;

	if (own_path(x, id, &own, &n))
		return -EIO;
	if (run_outputs(x, id, from, base, r)) {
		free(own);
		return -ENOMEM;
	}
	r->probe = id;
	r->base = base;
	r->path = malloc((base + n + 1) * sizeof(*r->path));
	if (!r->path) {
		free(own);
		return -ENOMEM;
	}
	if (base)
		memcpy(r->path, prefix, base * sizeof(*prefix));
	if (n)
		memcpy(r->path + base, own, n * sizeof(*own));
	r->npath = base + n;
	free(own);
	check_outputs(x, id);
	r->verdict = p->verdict;
	r->pos = p->pos;
	r->limit = r->npath;
	/* decisions before the first output that did not match */
	if (r->verdict != INSIGHT_MATCH && r->pos < r->nouts &&
	    r->outs[r->pos].decisions < r->npath)
		r->limit = r->outs[r->pos].decisions;
	for (k = 0; k < r->npath; k++)
		r->path[k].seq = k;
	return 0;
}

static void run_free(struct run *r)
{
	free(r->path);
	r->path = NULL;
	free(r->outs);
	r->outs = NULL;
}

static const struct insight_jcc *jcc_of(struct ex *x, const struct insight_decision *d)
{
	return d->site < x->nj ? &x->j[d->site] : NULL;
}

static int cls_weight(int cls)
{
	return cls == INSIGHT_JCC_ENV ? 3 : cls == INSIGHT_JCC_DATA ? 2 :
	       cls == INSIGHT_JCC_CALL ? 1 : 0;
}

struct cand {
	size_t j;		/* full-path index */
	int weight;
	uint32_t snap;		/* held snapshot there */
	uint32_t copy;		/* its kept copy, after resuming */
	struct run r;
	bool ran;
};

static int cand_cmp_env(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->weight != y->weight)
		return y->weight - x->weight;
	return x->j < y->j ? 1 : x->j > y->j ? -1 : 0;
}

/*
 * Candidate branches of @r in [lo, r->limit), at most two occurrences of
 * a site, nearest first; with @env_first those whose condition depends on
 * the environment ahead (the search).
 */
static size_t candidates(struct ex *x, const struct run *r, size_t lo, bool env_first,
			 struct cand *c, size_t max)
{
	size_t n = 0, j, k, seen;
	const struct insight_jcc *jc;

	for (j = r->limit; j-- > lo && n < 4 * max;) {
		if (r->path[j].flags & INSIGHT_DECISION_STEPPED)
			continue;
		jc = jcc_of(x, &r->path[j]);
		if (!jc)
			continue;
		for (k = 0, seen = 0; k < n; k++)
			if (r->path[c[k].j].addr == r->path[j].addr)
				seen++;
		if (seen >= 2)
			continue;
		memset(&c[n], 0, sizeof(c[n]));
		c[n].j = j;
		c[n].weight = env_first ? cls_weight(jc->cls) : 0;
		n++;
	}
	qsort(c, n, sizeof(*c), cand_cmp_env);
	return n < max ? n : max;
}

/* The root snapshot: the target's first child, once created; 0 if none. */
static uint32_t root_probe(struct ex *x)
{
	uint32_t i;

	for (i = 1; i < MAX_PROBES_SEEN; i++)
		if (x->ps[i].known && x->ps[i].parent == 0)
			return i;
	return 0;
}

/* Wait until probe @id is held (it was just created by a split). */
static int wait_held(struct ex *x, uint32_t id)
{
	while (!x->timed_out && x->ps[id].st != P_HELD) {
		if (x->ps[id].st >= P_KILLED)
			return -ESRCH;
		pump(x, 20);
	}
	return x->timed_out ? -ETIMEDOUT : 0;
}

/* The held child of @parent at @fork_seq, after a refresh; 0 if none. */
static uint32_t held_child(struct ex *x, uint32_t parent, uint64_t fork_seq)
{
	uint32_t i;

	for (i = 1; i < MAX_PROBES_SEEN; i++)
		if (x->ps[i].known && x->ps[i].lineage && x->ps[i].parent == parent &&
		    x->ps[i].fork_seq == fork_seq && x->ps[i].st == P_HELD)
			return i;
	return 0;
}

static bool natural_taken(const struct insight_decision *d)
{
	bool taken = d->flags & INSIGHT_DECISION_TAKEN;

	return (d->flags & INSIGHT_DECISION_DEVIATED) ? !taken : taken;
}

/*
 * Wait (up to 2 s) until the children of probe @p, resumed with a copy
 * kept, are all held: a backend may create a child only after its parent
 * has gone on (insight.ko: when the child first runs).
 */
static void await_children(struct ex *x, uint32_t p)
{
	struct insight_decision *d;
	size_t n, k, forks = 1, have;
	double until = now() + 2;
	uint32_t i;

	if (x->ops->path(x->b, p, &d, &n))
		return;
	for (k = 1; k < n; k++)		/* [0]: its own resumed branch */
		forks += !!(d[k].flags & INSIGHT_DECISION_FORK);
	free(d);
	for (;;) {
		refresh_lineage(x);
		/* each held by now (or gone): a new child first runs, then holds */
		for (i = 1, have = 0; i < MAX_PROBES_SEEN; i++)
			have += x->ps[i].known && x->ps[i].lineage && x->ps[i].parent == p &&
				(x->ps[i].st == P_HELD || finished(x, i));
		if (have >= forks || x->timed_out || now() > until)
			break;
		pump(x, 10);
	}
}

/*
 * Take held snapshots at the candidates c[0..n) of @node (all after its
 * base): rerun the node from its snapshot with those sites set to
 * SNAPSHOT.  The node's snapshot is renewed.  Returns how many got one.
 */
static size_t snapshot_at(struct ex *x, struct run *node, struct cand *c, size_t n)
{
	uint32_t p = node->snap, i, got = 0;
	size_t k;

	settle(x);
	for (k = 0; k < n; k++)
		x->ops->policy(x->b, node->path[c[k].j].site, XB_SNAPSHOT);
	if (x->ops->resume(x->b, p, node->snap_taken, 1))
		goto out;
	x->ps[p].st = P_RUNNING;
	while (!x->timed_out && !finished(x, p))
		pump(x, 20);
	await_children(x, p);
	kill_probe(x, p);
out:
	for (k = 0; k < n; k++)
		x->ops->policy(x->b, node->path[c[k].j].site, XB_NATURAL);
	pump(x, 0);
	refresh_lineage(x);
	node->snap = held_child(x, p, 0);
	for (k = 0; k < n; k++) {
		c[k].snap = held_child(x, p, c[k].j - node->base);
		got += c[k].snap != 0;
	}
	/* snapshots at other occurrences of those sites: not wanted */
	for (i = 1; i < MAX_PROBES_SEEN; i++) {
		bool wanted = i == node->snap;

		if (!x->ps[i].known || x->ps[i].parent != p || x->ps[i].st != P_HELD)
			continue;
		for (k = 0; k < n; k++)
			wanted |= c[k].snap == i;
		if (!wanted)
			kill_probe(x, i);
	}
	return got;
}

/*
 * Resume the candidates' snapshots the other way, at most quota at once,
 * pruning those whose outputs stop matching; with @keep each leaves a
 * copy for a deeper search.  Stops early at a full match when @stop.
 */
static void run_candidates(struct ex *x, struct run *node, struct cand *c, size_t n,
			   bool keep, bool stop)
{
	size_t next = 0, k;
	unsigned int active = 0;
	bool matched = false;
	double until;

	settle(x);
	for (;;) {
		while (!matched && active < x->quota && next < n && !x->timed_out) {
			struct cand *cd = &c[next++];
			const struct insight_decision *d = &node->path[cd->j];

			if (!cd->snap)
				continue;
			if (x->ops->resume(x->b, cd->snap, !natural_taken(d), keep))
				continue;
			x->ps[cd->snap].st = P_RUNNING;
			track(x, cd->snap);
			prefeed(x, cd->snap, node, cd->j);
			cd->ran = true;
			active++;
		}
		if (!active)
			break;
		pump(x, 10);
		for (k = 0; k < next; k++) {
			struct cand *cd = &c[k];
			struct pstate *p = &x->ps[cd->snap];

			if (!cd->ran || cd->r.path)
				continue;
			check_outputs(x, cd->snap);
			if (p->verdict == INSIGHT_MISMATCH && !finished(x, cd->snap)) {
				kill_probe(x, cd->snap);	/* pruned */
				x->pruned++;
			}
			if (!finished(x, cd->snap) && !x->timed_out)
				continue;
			make_run(x, cd->snap, node, cd->j, &cd->r);
			cd->r.ndev = node->ndev;
			memcpy(cd->r.devs, node->devs, sizeof(node->devs));
			cd->r.devs[cd->r.ndev++] = cd->j;
			cd->r.snap_taken = !natural_taken(&node->path[cd->j]);
			kill_probe(x, cd->snap);
			x->finished++;
			active--;
			if (cd->r.verdict == INSIGHT_MATCH && stop)
				matched = true;
		}
	}
	/* the copies, once held (up to 1 s: a copy over the cap never is) */
	for (until = now() + 1; keep;) {
		bool all = true;

		refresh_lineage(x);
		for (k = 0; k < n; k++)
			if (c[k].ran) {
				c[k].r.snap = held_child(x, c[k].snap, 0);
				all &= c[k].r.snap != 0;
			}
		if (all || x->timed_out || now() > until)
			break;
		pump(x, 10);
	}
}

static void cands_free(struct ex *x, struct cand *c, size_t n, const struct run *keep)
{
	size_t k;

	for (k = 0; k < n; k++) {
		if (c[k].r.snap && (!keep || c[k].r.snap != keep->snap))
			kill_probe(x, c[k].r.snap);
		if (!keep || c[k].r.path != keep->path)
			run_free(&c[k].r);
	}
}

/* --verbose: what a candidate's deviation gave */
static void say_cand(struct ex *x, const struct run *node, const struct cand *c)
{
	const struct insight_jcc *jc = jcc_of(x, &node->path[c->j]);

	if (!x->verbose)
		return;
	say(x, "  at %zu %s %s (%s): %s, %zu outputs matched%s", c->j,
	    jc ? jc->func : "?", jc ? jc->src : "", jc ? cls_name(jc->cls) : "?",
	    !c->snap ? "no snapshot" : !c->ran ? "not run" :
	    c->r.verdict == INSIGHT_MATCH ? "MATCH" :
	    c->r.verdict == INSIGHT_MISMATCH ? "mismatch" : "prefix",
	    c->r.pos, c->r.snap ? ", copy kept" : "");
	if (c->r.pos < c->r.nouts) {
		fputs(", then ", stderr);
		print_data(stderr, c->r.outs[c->r.pos].data, c->r.outs[c->r.pos].captured, 60);
	}
	fputc('\n', stderr);
}

/* Rank: a full match first, then more outputs matched, then the order tried. */
static bool better(const struct run *a, const struct run *b)
{
	if (!b->path)
		return true;
	if ((a->verdict == INSIGHT_MATCH) != (b->verdict == INSIGHT_MATCH))
		return a->verdict == INSIGHT_MATCH;
	return a->pos > b->pos;
}

/*
 * Deviate from @node: candidates nearest the first bad output, those
 * depending on the environment first, in batches; then deeper from the
 * best partial run.  The best run found goes to @best.
 */
static void search(struct ex *x, struct run *node, struct run *best)
{
	struct cand *c;
	struct run child = { 0 };
	size_t n, k, b, lo;
	bool deeper = node->ndev + 1 < MAX_DEV;

	c = calloc(4 * MAX_CAND, sizeof(*c));
	if (!c)
		return;
	lo = node->ndev ? node->devs[node->ndev - 1] + 1 : node->base + 1;
	n = candidates(x, node, lo, true, c, MAX_CAND);
	say(x, "search from probe %u (%d deviations, %zu outputs matched): %zu candidates in [%zu, %zu)\n",
	    node->probe, node->ndev, node->pos, n, lo, node->limit);
	for (b = 0; b < n && !x->timed_out; b += BATCH) {
		size_t m = n - b < BATCH ? n - b : BATCH;

		snapshot_at(x, node, c + b, m);
		if (!node->snap)
			break;		/* lost the way back */
		run_candidates(x, node, c + b, m, deeper, true);
		for (k = b; k < b + m; k++) {
			say_cand(x, node, &c[k]);
			if (c[k].ran && c[k].r.path && better(&c[k].r, &child))
				child = c[k].r;
		}
		if (child.path && child.verdict == INSIGHT_MATCH)
			break;
	}
	/* each call owns its child: @best only points at it, or at another */
	if (child.path && better(&child, best))
		*best = child;
	cands_free(x, c, n, child.path ? &child : NULL);
	free(c);
	if (child.path && child.verdict != INSIGHT_MATCH && deeper && child.snap &&
	    !x->timed_out && child.pos >= node->pos)
		search(x, &child, best);
	if (child.path && best->path != child.path) {
		kill_probe(x, child.snap);
		run_free(&child);
	}
}

/* Whether jumps @a and @b are of one source line of one function. */
static bool same_line(const struct insight_jcc *a, const struct insight_jcc *b)
{
	return a && b && a->src[0] && !strcmp(a->func, b->func) && !strcmp(a->src, b->src);
}

/*
 * Whether decisions @a and @b of @r test parts of one condition (a || b):
 * two jumps of its line, or without lines two to the same target.
 */
static bool same_condition(struct ex *x, const struct run *r, size_t a, size_t b)
{
	const struct insight_jcc *ja, *jb;

	if (b >= r->npath)
		return false;
	ja = jcc_of(x, &r->path[a]);
	jb = jcc_of(x, &r->path[b]);
	if (!ja || !jb || ja == jb)
		return false;
	return ja->src[0] ? same_line(ja, jb) :
	       !strcmp(ja->func, jb->func) && ja->target == jb->target;
}

/* Whether decisions @a and @b of @r are at one branch (one source line). */
static bool same_branch(struct ex *x, const struct run *r, size_t a, size_t b)
{
	return r->path[a].addr == r->path[b].addr ||
	       same_line(jcc_of(x, &r->path[a]), jcc_of(x, &r->path[b]));
}

/*
 * A flip at @c that kept the failure, because the next part of the same
 * condition (a || b || c) decided the same: flip those parts as well (up
 * to MAX_DEV in all).  @c's run becomes what that gave.
 */
static void flip_rest_of_condition(struct ex *x, struct cand *c)
{
	struct cand more;
	int depth;

	for (depth = 1; depth < MAX_DEV && c->r.verdict == INSIGHT_MATCH && c->r.snap &&
	     same_condition(x, &c->r, c->j + depth - 1, c->j + depth); depth++) {
		memset(&more, 0, sizeof(more));
		more.j = c->j + depth;
		if (!snapshot_at(x, &c->r, &more, 1)) {
			say(x, "  at %zu: no snapshot of the condition's next part\n", more.j);
			break;
		}
		run_candidates(x, &c->r, &more, 1, true, false);
		say_cand(x, &c->r, &more);
		kill_probe(x, c->r.snap);
		if (!more.ran || !more.r.path) {
			kill_probe(x, more.snap);
			break;
		}
		run_free(&c->r);
		c->r = more.r;
	}
}

/*
 * The last branch of @r before @j inside the function whose result the
 * branch at @j tests (its callee, a function of the program): the one that
 * decided what the callee returned.  @j itself when there is none.
 */
static size_t decided_in_callee(struct ex *x, const struct run *r, size_t j, size_t lo)
{
	const struct insight_jcc *jc = jcc_of(x, &r->path[j]), *in;
	size_t k;

	if (!jc || jc->cls != INSIGHT_JCC_CALL || !jc->callee[0])
		return j;
	for (k = j; k-- > lo;) {
		in = jcc_of(x, &r->path[k]);
		if (in && !strcmp(in->func, jc->callee))
			return k;
	}
	return j;
}

/*
 * A natural failure: which branches on its path decide it?  Flip those
 * before its first output (the nearest) and keep those whose flip changes
 * the outputs.
 * A test of a program function's result that decides is preceded by the
 * branch inside that function that decided its result: with conditions of
 * several parts (a || b || c), flipping one part alone does not lose the
 * failure, while the caller's test of the result does.  The nearest to
 * the failure first: it decided the failure, those before it the path
 * that led there.
 */
static size_t suspects_natural(struct ex *x, struct run *nat, size_t *out, size_t max)
{
	struct cand *c;
	size_t n, k, got = 0;
	struct run tmp = *nat;

	c = calloc(4 * MAX_SUSPECT_RUNS, sizeof(*c));
	if (!c)
		return 0;
	/* the branches before the failure's first output */
	if (nat->nouts && nat->outs[0].decisions < tmp.npath)
		tmp.limit = nat->outs[0].decisions;
	n = candidates(x, &tmp, nat->base + 1, false, c, MAX_SUSPECT_RUNS);
	say(x, "natural failure: %zu branches to flip in [%zu, %zu)\n", n, nat->base + 1,
	    tmp.limit);
	if (n) {
		snapshot_at(x, nat, c, n);
		run_candidates(x, nat, c, n, true, false);
	}
	for (k = 0; k < n; k++) {
		say_cand(x, nat, &c[k]);
		if (c[k].ran && c[k].r.path && c[k].r.verdict == INSIGHT_MATCH)
			flip_rest_of_condition(x, &c[k]);
	}
	for (k = 0; k < n && got < max; k++) {
		size_t in, i;
		bool dup_in = false, dup_j = false;

		/* it decides if the flip changes the outputs (a crash does not) */
		if (!c[k].ran || !c[k].r.path || c[k].r.verdict != INSIGHT_MISMATCH)
			continue;
		in = decided_in_callee(x, nat, c[k].j, nat->base);
		/* one suspect a condition: its nearest occurrence */
		for (i = 0; i < got; i++) {
			dup_in |= same_branch(x, nat, out[i], in);
			dup_j |= same_branch(x, nat, out[i], c[k].j);
		}
		if (in != c[k].j && !dup_in)
			out[got++] = in;
		if (got < max && !dup_j)
			out[got++] = c[k].j;
	}
	cands_free(x, c, n, NULL);
	free(c);
	return got;
}

/* ---- the request: how it reaches the target ---------------------------- */

static unsigned long socket_inode(pid_t pid, int fd)
{
	char path[64], link[64];
	unsigned long ino = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	sscanf(link, "socket:[%lu]", &ino);
	return ino;
}

/* Whether @pid has an fd on the socket of inode @ino. */
static bool has_socket(pid_t pid, unsigned long ino)
{
	char path[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.' && socket_inode(pid, atoi(e->d_name)) == ino;
	closedir(d);
	return found;
}

/* The TCP port @pid listens on (IPv4, any address), and that socket's inode. */
static int listen_port(pid_t pid, unsigned long *inode)
{
	char line[512];
	unsigned long ino;
	unsigned int port, st;
	int found = 0;
	FILE *f = fopen("/proc/net/tcp", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x %*s %*s %*s %*d %*d %lu",
			   &port, &st, &ino) != 3 || st != 0x0A)
			continue;
		if (has_socket(pid, ino)) {
			found = port;
			*inode = ino;
		}
	}
	fclose(f);
	return found;
}

/* Other processes sharing the listening socket @ino: stopped while we work. */
static int siblings(pid_t pid, unsigned long ino, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	pid_t p;

	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		p = atoi(e->d_name);
		if (p > 0 && p != pid && p != getpid() && has_socket(p, ino))
			out[n++] = p;
	}
	closedir(d);
	return n;
}

/* Wait (up to 1 s) until @pid is stopped by a signal (or gone). */
static void wait_stopped(pid_t pid)
{
	char path[64], buf[512], *p;
	int i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 100; i++) {
		f = fopen(path, "r");
		if (!f)
			return;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (!p || p[1] != ' ' || p[2] == 'T' || p[2] == 't')
			return;
		usleep(10000);
	}
}

static int lowest_free_fd(pid_t pid)
{
	char path[64];
	int fd;

	for (fd = 0; fd < 65536; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		if (access(path, F_OK))
			return fd;
	}
	return -1;
}

static int connect_to(int port, const void *data, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (void *)&a, sizeof(a))) {
		if (s >= 0)
			close(s);
		return -1;
	}
	/* the bytes make the target's socket readable (epoll); the sandbox serves reads */
	if (len && write(s, data, len) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* ---- report ------------------------------------------------------------- */

static void print_data(FILE *f, const uint8_t *d, size_t len, size_t max)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len && i < max; i++) {
		if (d[i] == '\n')
			fputs("\\n", f);
		else if (d[i] == '\r')
			fputs("\\r", f);
		else if (d[i] == '"' || d[i] == '\\')
			fprintf(f, "\\%c", d[i]);
		else if (d[i] < 32 || d[i] > 126)
			fprintf(f, "\\x%02x", d[i]);
		else
			fputc(d[i], f);
	}
	fputc('"', f);
	if (len > max)
		fputs("...", f);
}

static const char *cls_name(int cls)
{
	static const char *const n[] = { "none", "call", "data", "environment" };

	return cls >= 0 && cls < 4 ? n[cls] : "none";
}

/* The failed call of the production environment that a suspect's callee made, or -1. */
static ssize_t env_evidence(struct ex *x, const char *callee)
{
	const char *name;
	size_t i;

	if (!callee || !callee[0])
		return -1;
	for (i = 0; i < x->rec.nenv; i++) {
		name = insight_syscall_name(x->rec.env[i].nr);
		if (name && strstr(name, callee) && x->rec.env[i].ret < 0)
			return i;	/* open: openat; read: read, pread64 */
	}
	return -1;
}

struct report {
	const char *status;	/* reproduced, reproduced-naturally, partial */
	struct run *r;
	size_t sus[MAX_DEV + MAX_SUSPECT_RUNS];
	size_t nsus;
	bool natural;
	double elapsed;
};

/* The explorer's own peak resident memory (probes share the target's pages). */
static long peak_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static void json_str(FILE *f, const char *s)
{
	insight_json_str(f, s, strlen(s));
}

static void report_json(struct ex *x, struct report *rp, const struct insight_output_info *o,
			unsigned int no)
{
	struct run *r = rp->r;
	size_t i, k;
	ssize_t ev;

	printf("{\"version\":1,\"status\":\"%s\",\"backend\":\"%s\",\"pid\":%d,", rp->status,
	       x->ops->name, x->pid);
	printf("\"elapsed_s\":%.3f,\"probes_created\":%lu,\"probes_pruned\":%lu,"
	       "\"branches_trapped\":%lu,\"sites\":%zu,\"peak_rss_kb\":%ld,"
	       "\"natural_matches\":%s,",
	       rp->elapsed, x->created, x->pruned, x->branches, x->nj, peak_rss_kb(),
	       rp->natural ? "true" : "false");
	printf("\"outputs_matched\":%zu,\"outputs_expected\":%zu,\"path\":[", r->pos, x->nexp);
	for (i = x->from; i < r->npath; i++) {
		const struct insight_jcc *j = jcc_of(x, &r->path[i]);

		printf("%s{\"index\":%zu,\"addr\":\"0x%" PRIx64 "\",\"func\":", i > x->from ? "," : "",
		       i - x->from, (uint64_t)r->path[i].addr);
		json_str(stdout, j ? j->func : "");
		printf(",\"offset\":%" PRIu64 ",\"src\":", j ? j->func_off : 0);
		json_str(stdout, j ? j->src : "");
		printf(",\"taken\":%s,\"deviated\":%s}",
		       r->path[i].flags & INSIGHT_DECISION_TAKEN ? "true" : "false",
		       r->path[i].flags & INSIGHT_DECISION_DEVIATED ? "true" : "false");
	}
	printf("],\"suspects\":[");
	for (k = 0; k < rp->nsus; k++) {
		const struct insight_decision *d = &r->path[rp->sus[k]];
		const struct insight_jcc *j = jcc_of(x, d);

		printf("%s{\"rank\":%zu,\"index\":%zu,\"addr\":\"0x%" PRIx64 "\",\"func\":",
		       k ? "," : "", k + 1, rp->sus[k] - x->from, (uint64_t)d->addr);
		json_str(stdout, j ? j->func : "");
		printf(",\"src\":");
		json_str(stdout, j ? j->src : "");
		printf(",\"depends_on\":\"%s\",\"callee\":", cls_name(j ? j->cls : 0));
		json_str(stdout, j ? j->callee : "");
		printf(",\"condition\":");
		json_str(stdout, j ? j->cond : "");
		printf(",\"deviated\":%s,\"shadow_taken\":%s,\"failure_taken\":%s",
		       d->flags & INSIGHT_DECISION_DEVIATED ? "true" : "false",
		       natural_taken(d) ? "true" : "false",
		       d->flags & INSIGHT_DECISION_TAKEN ? "true" : "false");
		ev = env_evidence(x, j ? j->callee : NULL);
		if (ev >= 0) {
			printf(",\"production\":{\"syscall\":\"%s\",\"ret\":%lld",
			       insight_syscall_name(x->rec.env[ev].nr) ?: "?", x->rec.env[ev].ret);
			if (x->rec.env[ev].len) {
				printf(",\"path\":");
				insight_json_str(stdout, (const char *)x->rec.env[ev].data,
						 x->rec.env[ev].len);
			}
			printf("}");
		}
		printf("}");
	}
	printf("],\"outputs\":[");
	for (i = 0; i < no; i++) {
		printf("%s{\"fd\":%u,\"len\":%" PRIu64 ",\"data\":", i ? "," : "", o[i].fd, o[i].len);
		insight_json_str(stdout, (const char *)o[i].data, o[i].captured);
		printf("}");
	}
	printf("]}\n");
}

static void report_text(struct ex *x, struct report *rp, const struct insight_output_info *o,
			unsigned int no)
{
	struct run *r = rp->r;
	const char *last = "";
	size_t i, k;
	ssize_t ev;

	if (!strcmp(rp->status, "partial"))
		printf("PARTIAL: no path reproduced every output of the record (%zu of %zu "
		       "matched%s); the best path found follows\n", r->pos, x->nexp,
		       x->timed_out ? ", timed out" : "");
	else if (rp->natural)
		printf("Failure reproduced naturally in the shadow (%zu outputs matched)\n", r->pos);
	else
		printf("Failure reproduced with %d deviation%s (%zu outputs matched)\n", r->ndev,
		       r->ndev == 1 ? "" : "s", r->pos);
	printf("backend %s: %.2f s, %lu probes, %lu pruned, %lu branches trapped, %zu sites\n\n",
	       x->ops->name, rp->elapsed, x->created, x->pruned, x->branches, x->nj);
	printf("Suspects (most likely cause first):\n");
	if (!rp->nsus)
		printf("  none found\n");
	for (k = 0; k < rp->nsus; k++) {
		const struct insight_decision *d = &r->path[rp->sus[k]];
		const struct insight_jcc *j = jcc_of(x, d);

		printf("  %zu. %s+%#" PRIx64 " %s  [%s]\n", k + 1, j && j->func[0] ? j->func : "?",
		       j ? j->func_off : 0, j && j->src[0] ? j->src : "", cls_name(j ? j->cls : 0));
		printf("     condition: %s%s%s\n", j && j->cond[0] ? j->cond : "?",
		       j && j->callee[0] ? " on the result of " : "", j ? j->callee : "");
		printf("     %s: the shadow's data says %s, the failure %s\n",
		       d->flags & INSIGHT_DECISION_DEVIATED ? "DEVIATED" : "decides",
		       natural_taken(d) ? "taken" : "not taken",
		       d->flags & INSIGHT_DECISION_DEVIATED ?
		       (d->flags & INSIGHT_DECISION_TAKEN ? "needs taken" : "needs not taken") :
		       "follows it");
		ev = env_evidence(x, j ? j->callee : NULL);
		if (ev >= 0) {
			printf("     production: %s", insight_syscall_name(x->rec.env[ev].nr) ?: "?");
			if (x->rec.env[ev].len) {
				putchar(' ');
				print_data(stdout, x->rec.env[ev].data, x->rec.env[ev].len, 80);
			}
			printf(" = %lld\n", x->rec.env[ev].ret);
		}
	}
	printf("\nFailure path (%zu branches from the request on):\n", r->npath - x->from);
	for (i = x->from; i < r->npath; i++) {
		const struct insight_jcc *j = jcc_of(x, &r->path[i]);
		const char *fn = j && j->func[0] ? j->func : "?";

		if (strcmp(fn, last))
			printf("  %s()\n", fn);
		last = fn;
		printf("    %-5zu %#" PRIx64 " +%#" PRIx64 " %-20s %s%s\n", i - x->from,
		       (uint64_t)r->path[i].addr, j ? j->func_off : 0, j && j->src[0] ? j->src : "",
		       r->path[i].flags & INSIGHT_DECISION_TAKEN ? "taken" : "not taken",
		       r->path[i].flags & INSIGHT_DECISION_DEVIATED ? "  <== DEVIATED" : "");
	}
	printf("\nOutputs of the path (%zu of %zu recorded matched):\n", r->pos, x->nexp);
	for (i = 0; i < no; i++) {
		printf("  fd %u: ", o[i].fd);
		print_data(stdout, o[i].data, o[i].captured, 120);
		putchar('\n');
	}
}

/* A write-like call of the record that failed (kept as environment). */
static bool failed_write(const struct insight_record_item *it)
{
	switch (it->nr) {
	case SYS_write:
	case SYS_pwrite64:
	case SYS_writev:
	case SYS_pwritev:
	case SYS_pwritev2:
	case SYS_sendto:
	case SYS_sendmsg:
		return it->ret < 0 && it->fd >= 0;
	default:
		return false;
	}
}

static struct ex *suspect_x;
static struct run *suspect_r;

/* Deviations: those depending on the environment first, then the latest. */
static int dev_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, k = *(const size_t *)b;
	const struct insight_jcc *ji = jcc_of(suspect_x, &suspect_r->path[i]);
	const struct insight_jcc *jk = jcc_of(suspect_x, &suspect_r->path[k]);
	int wi = ji ? cls_weight(ji->cls) : 0, wk = jk ? cls_weight(jk->cls) : 0;

	if (wi != wk)
		return wk - wi;
	return i < k ? 1 : i > k ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: insight explore --pid P --record FAILURE.json [--quota N] "
		"[--timeout S] [--backend kmod|ptrace] [--json] [--lib NAME] [--all-sites] [--verbose]\n");
}

int cmd_explore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "record", required_argument, NULL, 'r' },
		{ "quota", required_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, 't' },
		{ "backend", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "lib", required_argument, NULL, 'l' },
		{ "all-sites", no_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ex x = { .quota = 4 };
	const char *recpath = NULL, *lib = NULL, *backend = "kmod";
	struct insight_jcc *all = NULL;
	struct run nat = { 0 }, best = { 0 };
	struct report rp = { 0 };
	struct xb_config cfg = { 0 };
	char why[256], exe[256], link[64], *end;
	int c, ret = 1, conn = -1, *refused = NULL, port = 0, nsib = 0, i;
	pid_t sib[64];
	unsigned long ino = 0, quota_arg = 4;
	double timeout = 60;
	bool json = false, all_sites = false, have_dbg = false;
	uint64_t *addrs = NULL;
	size_t nall = 0, k, e;
	unsigned int no = 0;
	uint32_t root = 0;
	ssize_t n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			x.pid = cli_pid(optarg);
			if (!x.pid)
				return EXIT_USAGE;
			break;
		case 'r':
			recpath = optarg;
			break;
		case 'q':
			quota_arg = strtoul(optarg, &end, 10);
			if (*end || !*optarg) {
				cli_err("--quota takes a number of probes (not '%s')", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || timeout <= 0) {
				cli_err("--timeout takes seconds (not '%s')", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'b':
			backend = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'l':
			lib = optarg;
			break;
		case 'a':
			all_sites = true;
			break;
		case 'v':
			x.verbose = true;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !x.pid || !recpath) {
		usage();
		return EXIT_USAGE;
	}
	if (!strcmp(backend, "kmod"))
		x.ops = &xb_kmod_ops;
	else if (!strcmp(backend, "ptrace"))
		x.ops = &xb_ptrace_ops;
	else {
		cli_err("--backend is kmod or ptrace (not '%s')", backend);
		return EXIT_USAGE;
	}
	if (quota_arg == 0) {
		cli_err("--quota must be at least 1");
		return EXIT_USAGE;
	}
	x.quota = quota_arg;
	if (kill(x.pid, 0) && errno == ESRCH) {
		cli_err("no process %d", x.pid);
		return EXIT_USAGE;
	}
	if (insight_record_load(recpath, &x.rec, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", x.pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (x.rec.exe[0] && strcmp(x.rec.exe, strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe)) {
		cli_err("%s is a record of '%s', not of process %d (%s)", recpath, x.rec.exe,
			x.pid, exe);
		ret = EXIT_USAGE;
		goto out_rec;
	}
	if (!x.rec.nout) {
		cli_err("%s records no output to reproduce", recpath);
		ret = EXIT_USAGE;
		goto out_rec;
	}
	if (insight_find_jccs(x.pid, lib, &all, &nall, why, sizeof(why))) {
		cli_err("%s", why);
		ret = EXIT_USAGE;
		goto out_rec;
	}
	/* the program's own code when it has debug info, else everything */
	for (k = 0; k < nall; k++)
		have_dbg |= all[k].src[0] != '\0';
	x.j = calloc(nall ? nall : 1, sizeof(*x.j));
	addrs = calloc(nall ? nall : 1, sizeof(*addrs));
	refused = calloc(nall ? nall : 1, sizeof(*refused));
	x.ps = calloc(MAX_PROBES_SEEN, sizeof(*x.ps));
	x.expect = calloc(x.rec.nout + x.rec.nenv, sizeof(*x.expect));
	x.exp_cut = calloc(x.rec.nout + x.rec.nenv, sizeof(*x.exp_cut));
	if (!x.j || !addrs || !refused || !x.ps || !x.expect || !x.exp_cut) {
		cli_err("out of memory");
		goto out_free;
	}
	for (k = 0; k < nall; k++)
		if (all_sites || !have_dbg || all[k].src[0])
			x.j[x.nj++] = all[k];
	if (!x.nj) {
		cli_err("process %d: no conditional jump found to trap", x.pid);
		ret = EXIT_USAGE;
		goto out_free;
	}
	for (k = 0; k < x.nj; k++)
		addrs[k] = x.j[k].addr;
	/*
	 * only outputs of counted kinds are expected, in order with the
	 * writes that failed (kept as environment: any output takes their place)
	 */
	for (k = 0, e = 0; k < x.rec.nout || e < x.rec.nenv;) {
		const struct insight_record_item *it;

		if (e < x.rec.nenv && (k == x.rec.nout || x.rec.env[e].seq < x.rec.outputs[k].seq)) {
			it = &x.rec.env[e++];
			if (!failed_write(it))
				continue;
		} else {
			it = &x.rec.outputs[k++];
		}
		if (it->fd_kind >= 32 || !(match_opts.kinds & (1U << it->fd_kind)))
			continue;
		x.expect[x.nexp].fd_kind = it->fd_kind;
		x.expect[x.nexp].data = it->data;
		x.expect[x.nexp].len = it->len;
		x.expect[x.nexp].any = failed_write(it);
		x.exp_cut[x.nexp++] = (long long)it->len < it->ret;
	}

	/* how the request reaches the target */
	cfg.pid = x.pid;
	cfg.sites = addrs;
	cfg.nsites = x.nj;
	cfg.input = x.rec.input;
	cfg.input_len = x.rec.input_len;
	cfg.max_held = 16;
	if (x.rec.in_kind == INSIGHT_FD_SOCKET) {
		port = listen_port(x.pid, &ino);
		if (!port) {
			cli_err("process %d listens on no IPv4 TCP socket: cannot replay the "
				"request's connection", x.pid);
			ret = EXIT_USAGE;
			goto out_free;
		}
		cfg.in_fd = lowest_free_fd(x.pid);
	} else {
		cfg.in_fd = x.rec.in_fd;
	}
	if (cfg.in_fd < 0) {
		cli_err("%s names no input fd", recpath);
		ret = EXIT_USAGE;
		goto out_free;
	}
	x.start = now();
	x.deadline = x.start + timeout;
	x.tty = isatty(2) && !json;
	i = x.ops->open(&x.b, &cfg, refused, why, sizeof(why));
	if (i) {
		cli_err("%s", why);
		ret = EXIT_USAGE;
		goto out_free;
	}
	if (x.quota > x.ops->max_probes(x.b)) {
		cli_err("--quota %u is above the backend's cap of %u running probes", x.quota,
			x.ops->max_probes(x.b));
		ret = EXIT_USAGE;
		goto out_close;
	}
	track(&x, 0);
	x.ps[0].known = true;
	x.ps[0].st = P_RUNNING;
	if (port) {
		nsib = siblings(x.pid, ino, sib, 64);
		for (i = 0; i < nsib; i++)
			kill(sib[i], SIGSTOP);
		/* stopped, so out of accept(): the connection can only be the target's */
		for (i = 0; i < nsib; i++)
			wait_stopped(sib[i]);
		conn = connect_to(port, x.rec.input, x.rec.input_len);
		if (conn < 0) {
			cli_err("cannot connect to port %d of process %d: %s", port, x.pid,
				strerror(errno));
			goto out_close;
		}
	}

	/* the natural run (the target itself) and the root snapshot */
	while (!x.timed_out && !finished(&x, 0))
		pump(&x, 20);
	if (make_run(&x, 0, NULL, 0, &nat)) {
		cli_err("cannot read the natural path");
		goto out_close;
	}
	/* the root's fork is in the target's log; the root may start later */
	for (k = 0; k < nat.npath && !(nat.path[k].flags & INSIGHT_DECISION_FORK); k++)
		;
	root = 0;
	while (k < nat.npath && !x.timed_out && !(root = root_probe(&x)))
		pump(&x, 20);
	if (!root || wait_held(&x, root)) {
		cli_err("the target %s without reaching a branch site after reading the "
			"request: no root snapshot",
			x.timed_out ? "timed out" : "finished the request");
		goto out_close;
	}
	refresh_lineage(&x);
	nat.base = x.ps[root].fork_seq;
	x.from = nat.base;
	nat.snap = root;
	nat.snap_taken = nat.base < nat.npath && natural_taken(&nat.path[nat.base]);
	rp.natural = nat.verdict == INSIGHT_MATCH;
	best = nat;
	if (rp.natural) {
		rp.nsus = suspects_natural(&x, &nat, rp.sus, MAX_SUSPECT_RUNS);
	} else {
		search(&x, &nat, &best);
		for (k = 0; k < (size_t)best.ndev; k++)
			rp.sus[rp.nsus++] = best.devs[k];
		suspect_x = &x;
		suspect_r = &best;
		qsort(rp.sus, rp.nsus, sizeof(rp.sus[0]), dev_cmp);
	}
	rp.r = &best;
	rp.status = best.verdict == INSIGHT_MATCH ? "reproduced" : "partial";
	rp.elapsed = now() - x.start;
	progress(&x, true);
	no = best.nouts < x.nexp + 4 ? best.nouts : x.nexp + 4;
	if (json)
		report_json(&x, &rp, best.outs, no);
	else
		report_text(&x, &rp, best.outs, no);
	ret = best.verdict == INSIGHT_MATCH ? 0 : 1;
out_close:
	x.ops->close(x.b);
	if (conn >= 0)
		close(conn);
	for (i = 0; i < nsib; i++)
		kill(sib[i], SIGCONT);
	if (best.path != nat.path)
		run_free(&best);
	run_free(&nat);
out_free:
	for (k = 0; x.ps && k < MAX_PROBES_SEEN; k++)
		insight_matcher_free(x.ps[k].m);
	free(x.ps);
	free(x.expect);
	free(x.exp_cut);
	free(x.j);
	free(all);
	free(addrs);
	free(refused);
out_rec:
	insight_record_free(&x.rec);
	return ret;
}
