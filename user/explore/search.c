// SPDX-License-Identifier: GPL-2.0
/*
 * The deviation search: from a run that does not reproduce the failure,
 * take held snapshots at candidate branches (those whose condition
 * depends on the environment first, then the nearest to the first output
 * that differs), resume them the other way at most --quota at once,
 * prune the probes whose outputs stop matching, and go deeper (more
 * deviations) from the best partial run.
 */
#include <stdlib.h>
#include <string.h>

#include "explore.h"

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->weight != y->weight)
		return y->weight - x->weight;
	return x->j < y->j ? 1 : x->j > y->j ? -1 : 0;
}

/*
 * Candidate branches of @r in [lo, r->limit), at most two occurrences of
 * a site, nearest first; with @env_first those whose condition depends on
 * the environment ahead (the search).  @c has room for 4 * @max.
 */
size_t candidates(struct ex *x, const struct run *r, size_t lo, bool env_first,
		  struct cand *c, size_t max)
{
	size_t n = 0, j, k, seen;
	const struct insight_jcc *jc;

	for (j = r->limit; j-- > lo && n < 4 * max;) {
		if (r->path[j].flags & XB_STEPPED)
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
	qsort(c, n, sizeof(*c), cand_cmp);
	return n < max ? n : max;
}

/* Kill the held children of @p that are neither @node's snapshot nor a candidate's. */
static void drop_unwanted(struct ex *x, uint32_t p, const struct run *node,
			  const struct cand *c, size_t n)
{
	uint32_t i;
	size_t k;

	for (i = 1; i < MAX_PROBES_SEEN; i++) {
		bool wanted = i == node->snap;

		if (!x->ps[i].known || x->ps[i].parent != p || x->ps[i].st != P_HELD)
			continue;
		for (k = 0; k < n; k++)
			wanted |= c[k].snap == i;
		if (!wanted)
			kill_probe(x, i);
	}
}

/*
 * Take held snapshots at the candidates c[0..n) of @node (all after its
 * base): rerun the node from its snapshot with those sites set to
 * SNAPSHOT.  The node's snapshot is renewed.  Returns how many got one.
 */
size_t snapshot_at(struct ex *x, struct run *node, struct cand *c, size_t n)
{
	uint32_t p = node->snap, got = 0;
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
	node->snap = held_child(x, p, 0);
	for (k = 0; k < n; k++) {
		c[k].snap = held_child(x, p, c[k].j - node->base);
		got += c[k].snap != 0;
	}
	/* snapshots at other occurrences of those sites: not wanted */
	drop_unwanted(x, p, node, c, n);
	return got;
}

/* Start candidate @cd: resume its snapshot the other way. */
static bool start_cand(struct ex *x, const struct run *node, struct cand *cd, bool keep)
{
	if (!cd->snap ||
	    x->ops->resume(x->b, cd->snap, !natural_taken(&node->path[cd->j]), keep))
		return false;
	x->ps[cd->snap].st = P_RUNNING;
	track(x, cd->snap);
	prefeed(x, cd->snap, node, cd->j);
	cd->ran = true;
	return true;
}

/* Candidate @cd has ended (or the time has): its run, a deviation more than @node's. */
static void end_cand(struct ex *x, const struct run *node, struct cand *cd)
{
	make_run(x, cd->snap, node, cd->j, &cd->r);
	cd->r.ndev = node->ndev;
	memcpy(cd->r.devs, node->devs, sizeof(node->devs));
	cd->r.devs[cd->r.ndev++] = cd->j;
	cd->r.snap_taken = !natural_taken(&node->path[cd->j]);
	kill_probe(x, cd->snap);
	x->st.finished++;
}

/*
 * Resume the candidates' snapshots the other way, at most quota at once,
 * pruning those whose outputs stop matching; with @keep each leaves a
 * copy for a deeper search.  Stops early at a full match when @stop.
 */
void run_candidates(struct ex *x, struct run *node, struct cand *c, size_t n,
		    bool keep, bool stop)
{
	size_t next = 0, k;
	unsigned int active = 0;
	bool matched = false;

	settle(x);
	for (;;) {
		while (!matched && active < x->quota && next < n && !x->timed_out)
			active += start_cand(x, node, &c[next++], keep);
		if (!active)
			break;
		pump(x, 10);
		for (k = 0; k < next; k++) {
			struct cand *cd = &c[k];

			if (!cd->ran || cd->r.path)
				continue;
			check_outputs(x, cd->snap);
			if (x->ps[cd->snap].verdict == INSIGHT_MISMATCH && !finished(x, cd->snap)) {
				kill_probe(x, cd->snap);	/* pruned */
				x->st.pruned++;
			}
			if (!finished(x, cd->snap) && !x->timed_out)
				continue;
			end_cand(x, node, cd);
			active--;
			matched |= cd->r.verdict == INSIGHT_MATCH && stop;
		}
	}
	/* the copies, once held (a copy over the cap never is: a QUOTA says so) */
	for (k = 0; keep && k < n; k++)
		if (c[k].ran)
			c[k].r.snap = await_copy(x, c[k].snap);
}

void cands_free(struct ex *x, struct cand *c, size_t n, const struct run *keep)
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
void say_cand(struct ex *x, const struct run *node, const struct cand *c)
{
	const struct insight_jcc *jc = jcc_of(x, &node->path[c->j]);

	if (!x->verbose)
		return;
	say(x, "  at %zu %s %s (%s): %s, %zu outputs matched%s", c->j,
	    jc ? jc->func : "?", jc ? jc->src : "", jc ? insight_jcc_class_name(jc->cls) : "?",
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

/* One level of the search from @node, in batches: its best child to @child. */
static void search_level(struct ex *x, struct run *node, struct cand *c, size_t n,
			 bool deeper, struct run *child)
{
	size_t k, b, m;

	for (b = 0; b < n && !x->timed_out; b += BATCH) {
		m = n - b < BATCH ? n - b : BATCH;
		snapshot_at(x, node, c + b, m);
		if (!node->snap)
			break;		/* lost the way back */
		run_candidates(x, node, c + b, m, deeper, true);
		for (k = b; k < b + m; k++) {
			say_cand(x, node, &c[k]);
			if (c[k].ran && c[k].r.path && better(&c[k].r, child))
				*child = c[k].r;
		}
		if (child->path && child->verdict == INSIGHT_MATCH)
			break;
	}
}

/*
 * Deviate from @node: candidates nearest the first bad output, those
 * depending on the environment first, in batches; then deeper from the
 * best partial run.  The best run found goes to @best.
 */
void search(struct ex *x, struct run *node, struct run *best)
{
	struct cand *c;
	struct run child = { 0 };
	size_t n, lo;
	bool deeper = node->ndev + 1 < MAX_DEV;

	c = calloc(4 * MAX_CAND, sizeof(*c));
	if (!c)
		return;
	lo = node->ndev ? node->devs[node->ndev - 1] + 1 : node->base + 1;
	n = candidates(x, node, lo, true, c, MAX_CAND);
	say(x, "search from probe %u (%d deviations, %zu outputs matched): %zu candidates in [%zu, %zu)\n",
	    node->probe, node->ndev, node->pos, n, lo, node->limit);
	search_level(x, node, c, n, deeper, &child);
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
