// SPDX-License-Identifier: GPL-2.0
/*
 * One exploration, once the backend is open and the request is on its
 * way to the target: the target's natural run (it serves the replayed
 * request itself, its writes captured), the root snapshot its first trap
 * after reading the request left, then either the ranking of a natural
 * failure, or production's failed calls replayed from the root
 * (envreplay.c) and, when that does not reproduce the failure, the
 * deviation search from the root.
 */
#include <errno.h>
#include <stdlib.h>

#include "explore.h"

/* The target's natural run, and the root snapshot it left. */
static int natural_run(struct ex *x, struct run *nat)
{
	uint32_t root = 0;
	size_t k;

	while (!x->timed_out && !finished(x, 0))
		pump(x, 20);
	if (make_run(x, 0, NULL, 0, nat))
		return -EIO;
	/* the root's fork is in the target's log; the root may start later */
	for (k = 0; k < nat->npath && !(nat->path[k].flags & XB_FORK); k++)
		;
	while (k < nat->npath && !x->timed_out && !(root = root_probe(x)))
		pump(x, 20);
	if (!root || wait_held(x, root)) {
		run_free(nat);
		return -ESRCH;
	}
	nat->base = x->ps[root].fork_seq;
	x->from = nat->base;
	nat->snap = root;
	nat->snap_taken = nat->base < nat->npath && natural_taken(&nat->path[nat->base]);
	return 0;
}

int explore_run(struct ex *x, struct run *best, size_t *sus, size_t *nsus,
		bool *natural)
{
	struct run nat = { 0 };
	size_t k;
	int err;

	track(x, 0);
	x->ps[0].known = true;
	x->ps[0].st = P_RUNNING;
	err = natural_run(x, &nat);
	if (err)
		return err;
	*natural = nat.verdict == INSIGHT_MATCH;
	*best = nat;
	*nsus = 0;
	if (*natural) {
		*nsus = suspects_natural(x, &nat, sus, MAX_SUSPECT_RUNS);
		return 0;
	}
	if (!env_replay(x, &nat, best)) {
		*best = nat;	/* its snapshot renewed by the replay */
		search(x, &nat, best);
	}
	for (k = 0; k < (size_t)best->ndev; k++)
		sus[(*nsus)++] = best->devs[k];
	suspects_rank_deviations(x, best, sus, *nsus);
	if (best->path != nat.path)
		run_free(&nat);
	return 0;
}
