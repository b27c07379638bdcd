// SPDX-License-Identifier: GPL-2.0
/*
 * Which branches decided the failure, most likely cause first.
 *
 * Deviations (the search forced them): those whose condition depends on
 * the environment first, then the latest.  A natural failure (the shadow
 * failed as it is): the branches before its first output whose flip
 * changes the outputs, the nearest first, among the nearest and those
 * that test the environment (a failed call decides many failures), but
 * the branch that chose the failure's message (a constant of the
 * program) before them; a test of a program function's result is
 * preceded by the branch inside that function that decided it.
 */
#include <stdlib.h>
#include <string.h>

#include "explore.h"

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

/* The deciding flips of @c[0..n), one suspect a condition, into @out. */
static size_t deciding(struct ex *x, struct run *nat, const struct cand *c, size_t n,
		       size_t *out, size_t max)
{
	size_t k, in, i, got = 0;
	bool dup_in, dup_j;

	for (k = 0; k < n && got < max; k++) {
		/* it decides if the flip changes the outputs (a crash does not) */
		if (!c[k].ran || !c[k].r.path || c[k].r.verdict != INSIGHT_MISMATCH)
			continue;
		in = decided_in_callee(x, nat, c[k].j, nat->base);
		/* one suspect a condition: its nearest occurrence */
		dup_in = dup_j = false;
		for (i = 0; i < got; i++) {
			dup_in |= same_branch(x, nat, out[i], in);
			dup_j |= same_branch(x, nat, out[i], c[k].j);
		}
		if (in != c[k].j && !dup_in)
			out[got++] = in;
		if (got < max && !dup_j)
			out[got++] = c[k].j;
	}
	return got;
}

/*
 * The branch that chose the failure's message (chooser.c), among the
 * candidates @c[0..*n) (added when it is not): its index there, or 0 when
 * there is none or it is the first already.
 */
static size_t with_chooser(struct ex *x, const struct run *nat, const struct run *tmp,
			   struct cand *c, size_t *n)
{
	size_t j = message_chooser(x, nat, nat->base + 1, tmp->limit), k;

	if (j == tmp->limit)
		return 0;
	for (k = 0; k < *n && c[k].j != j; k++)
		;
	if (k == *n) {
		memset(&c[k], 0, sizeof(c[k]));
		c[k].j = j;
		(*n)++;
	}
	say(x, "natural failure: %zu chose the failure's message\n", j);
	return k;
}

static int nearest_first(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->j < y->j ? 1 : x->j > y->j ? -1 : 0;
}

/*
 * A natural failure's branches to flip, in @c (room for 4 * @max): the
 * nearest before its first output (half of @max), and the nearest of
 * those whose condition depends on the environment from @lo on: the
 * nearest are often the failure's message being formatted, the test of
 * the failed call that chose it further back.  Nearest first.
 */
static size_t natural_candidates(struct ex *x, const struct run *r, size_t lo, struct cand *c,
				 size_t max)
{
	size_t n = candidates(x, r, lo, false, c, max / 2), j, k, seen;
	const struct insight_jcc *jc;

	for (j = r->limit; j-- > lo && n < max;) {
		jc = jcc_of(x, &r->path[j]);
		if (!jc || jc->cls != INSIGHT_JCC_ENV || (r->path[j].flags & XB_STEPPED))
			continue;
		for (k = 0, seen = 0; k < n; k++)
			seen += c[k].j == j ? 2 : r->path[c[k].j].addr == r->path[j].addr;
		if (seen >= 2)
			continue;
		memset(&c[n], 0, sizeof(c[n]));
		c[n++].j = j;
	}
	qsort(c, n, sizeof(*c), nearest_first);
	return n;
}

/*
 * A natural failure: which branches on its path decide it?  Flip those
 * before its first output (the nearest) and keep those whose flip changes
 * the outputs.  With conditions of several parts (a || b || c), flipping
 * one part alone does not lose the failure, while the caller's test of
 * the result does.  The nearest to the failure first: it decided the
 * failure, those before it the path that led there.
 */
size_t suspects_natural(struct ex *x, struct run *nat, size_t *out, size_t max)
{
	struct cand *c;
	size_t n, k, got, chooser;
	struct run tmp = *nat;

	c = calloc(4 * MAX_SUSPECT_RUNS, sizeof(*c));
	if (!c)
		return 0;
	/* the branches before the failure's first output */
	if (nat->nouts && nat->outs[0].decisions < tmp.npath)
		tmp.limit = nat->outs[0].decisions;
	n = natural_candidates(x, &tmp, nat->base + 1, c, MAX_SUSPECT_RUNS);
	say(x, "natural failure: %zu branches to flip in [%zu, %zu)\n", n, nat->base + 1,
	    tmp.limit);
	chooser = with_chooser(x, nat, &tmp, c, &n);
	if (n) {
		snapshot_at(x, nat, c, n);
		run_candidates(x, nat, c, n, true, false);
	}
	for (k = 0; k < n; k++) {
		say_cand(x, nat, &c[k]);
		if (c[k].ran && c[k].r.path && c[k].r.verdict == INSIGHT_MATCH)
			flip_rest_of_condition(x, &c[k]);
	}
	if (chooser) {	/* its flip is looked at first */
		struct cand first = c[chooser];

		memmove(c + 1, c, chooser * sizeof(*c));
		c[0] = first;
	}
	got = deciding(x, nat, c, n, out, max);
	cands_free(x, c, n, NULL);
	free(c);
	return got;
}

struct rank_ctx {
	const struct ex *x;
	const struct run *r;
};

/* Deviations: those depending on the environment first, then the latest. */
static int dev_cmp(const void *a, const void *b, void *arg)
{
	const struct rank_ctx *rc = arg;
	size_t i = *(const size_t *)a, k = *(const size_t *)b;
	const struct insight_jcc *ji = jcc_of(rc->x, &rc->r->path[i]);
	const struct insight_jcc *jk = jcc_of(rc->x, &rc->r->path[k]);
	int wi = ji ? cls_weight(ji->cls) : 0, wk = jk ? cls_weight(jk->cls) : 0;

	if (wi != wk)
		return wk - wi;
	return i < k ? 1 : i > k ? -1 : 0;
}

void suspects_rank_deviations(const struct ex *x, const struct run *r, size_t *sus,
			      size_t n)
{
	struct rank_ctx rc = { x, r };

	qsort_r(sus, n, sizeof(*sus), dev_cmp, &rc);
}
