// SPDX-License-Identifier: GPL-2.0
/*
 * The result of an exploration: everything the report shows, taken from
 * the best run, the sites and the record, so that the report reads no
 * explorer state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "explore.h"

/* The explorer's own peak resident memory (probes share the target's pages). */
static long peak_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static void suspect_of(struct explore_suspect *s, const struct ex *x,
		       const struct run *r, size_t at, const struct insight_record *rec)
{
	const struct xb_decision *d = &r->path[at];

	s->index = at - x->from;
	s->addr = d->addr;
	s->j = jcc_of(x, d);
	s->deviated = d->flags & XB_DEVIATED;
	s->shadow_taken = natural_taken(d);
	s->failure_taken = d->flags & XB_TAKEN;
	s->production = expect_evidence(rec, s->j ? s->j->callee : NULL);
	/* the environment replayed: the call that left the natural path */
	if (r->nreplayed && r->ndev && r->devs[0] == at && !s->production)
		s->production = r->replayed[0];
}

int result_build(struct explore_result *res, const struct ex *x,
		 const struct run *best, const size_t *sus, size_t nsus, bool natural,
		 const struct insight_record *rec)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	res->status = best->verdict != INSIGHT_MATCH ? EXPLORE_PARTIAL :
		      natural ? EXPLORE_NATURAL : EXPLORE_REPRODUCED;
	res->backend = x->ops->name;
	res->elapsed = explore_now() - x->start;
	res->timed_out = x->timed_out;
	res->st = x->st;
	res->nsites = x->nj;
	res->peak_rss_kb = peak_rss_kb();
	res->ndev = best->ndev;
	res->nreplayed = best->nreplayed;
	memcpy(res->replayed, best->replayed, sizeof(res->replayed));
	res->matched = best->pos;
	res->expected = x->exp->n;
	x->ops->lost(x->b, &res->lost);
	res->npath = best->npath > x->from ? best->npath - x->from : 0;
	res->path = calloc(res->npath ? res->npath : 1, sizeof(*res->path));
	if (!res->path)
		return -ENOMEM;
	for (i = 0; i < res->npath; i++) {
		const struct xb_decision *d = &best->path[x->from + i];

		res->path[i].addr = d->addr;
		res->path[i].j = jcc_of(x, d);
		res->path[i].taken = d->flags & XB_TAKEN;
		res->path[i].deviated = d->flags & XB_DEVIATED;
	}
	for (i = 0; i < nsus && i < MAX_SUSPECTS; i++)
		suspect_of(&res->sus[res->nsus++], x, best, sus[i], rec);
	/* the path's outputs, and a few more to show where it went on */
	res->outs = best->outs;
	res->nouts = best->nouts < res->expected + 4 ? best->nouts : res->expected + 4;
	return 0;
}

void result_free(struct explore_result *res)
{
	free(res->path);
	res->path = NULL;
}
