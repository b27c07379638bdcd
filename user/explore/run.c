// SPDX-License-Identifier: GPL-2.0
/*
 * A run: the full path of one probe from the target's start (its
 * ancestors' decisions before its fork, then its own log) and its
 * outputs from the root on, matched against the record's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"

const struct insight_jcc *jcc_of(const struct ex *x, const struct xb_decision *d)
{
	return d->site < x->nj ? &x->j[d->site] : NULL;
}

/* The direction the probe's own flags gave at @d. */
bool natural_taken(const struct xb_decision *d)
{
	bool taken = d->flags & XB_TAKEN;

	return (d->flags & XB_DEVIATED) ? !taken : taken;
}

/* How much a condition's dependency makes it a suspect. */
int cls_weight(int cls)
{
	return cls == INSIGHT_JCC_ENV ? 3 : cls == INSIGHT_JCC_DATA ? 2 :
	       cls == INSIGHT_JCC_CALL ? 1 : 0;
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
	struct xb_output *o;
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
void prefeed(struct ex *x, uint32_t id, const struct run *from, size_t at)
{
	struct pstate *p = pst(x, id);
	size_t k, n = outs_before(from, at);

	if (!p || !p->m)
		return;
	for (k = 0; k < n && p->verdict != INSIGHT_MISMATCH; k++)
		feed(x, p, &from->outs[k]);
	p->pos = insight_matcher_pos(p->m);
}

/* @r's full path: @prefix's first @base decisions, then @own. */
static int join_path(struct run *r, const struct xb_decision *prefix, size_t base,
		     const struct xb_decision *own, size_t n)
{
	size_t k;

	r->path = malloc((base + n + 1) * sizeof(*r->path));
	if (!r->path)
		return -ENOMEM;
	if (base)
		memcpy(r->path, prefix, base * sizeof(*prefix));
	if (n)
		memcpy(r->path + base, own, n * sizeof(*own));
	r->npath = base + n;
	for (k = 0; k < r->npath; k++)
		r->path[k].seq = k;
	return 0;
}

/*
 * A run of probe @id whose own log continues @from's path (its first
 * @base decisions).
 */
int make_run(struct ex *x, uint32_t id, const struct run *from, size_t base,
	     struct run *r)
{
	struct xb_decision *own;
	struct pstate *p = &x->ps[id];
	size_t n;
	int err;

	if (x->ops->path(x->b, id, &own, &n))
		return -EIO;
	x->st.branches += n;
	r->probe = id;
	r->base = base;
	err = run_outputs(x, id, from, base, r);
	if (!err)
		err = join_path(r, from ? from->path : NULL, base, own, n);
	free(own);
	if (err)
		return err;
	check_outputs(x, id);
	r->verdict = p->verdict;
	r->pos = p->pos;
	r->limit = r->npath;
	/* decisions before the first output that did not match */
	if (r->verdict != INSIGHT_MATCH && r->pos < r->nouts &&
	    r->outs[r->pos].decisions < r->npath)
		r->limit = r->outs[r->pos].decisions;
	return 0;
}

void run_free(struct run *r)
{
	free(r->path);
	r->path = NULL;
	free(r->outs);
	r->outs = NULL;
}
