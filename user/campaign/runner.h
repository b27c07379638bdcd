/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One run of a campaign (user/campaign/runner.c): the stack restarted,
 * one fault (or a pair) injected while the workload runs, the
 * components that failed.
 */
#ifndef INSIGHT_CAMPAIGN_RUNNER_H
#define INSIGHT_CAMPAIGN_RUNNER_H

#include "faultlist.h"
#include "fmap.h"
#include "stack.h"

struct insight_nl;

/*
 * Restart the stack, inject @f (@nf: 1, or 2 for a pair) through @h,
 * run the workload, remove the injection: what happened in @o (its
 * error says why it could not run).  -EINTR if *@stop became true (the
 * injection is removed at once), else 0.
 */
int runner_run(struct stack *s, struct insight_nl *h, const struct fault *const *f, int nf,
	       struct outcome *o, volatile int *stop);

#endif /* INSIGHT_CAMPAIGN_RUNNER_H */
