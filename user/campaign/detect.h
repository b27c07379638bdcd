/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failure detectors of a campaign's components (user/campaign/detect.c):
 * a new line of its log that matches its "fail" regex, or its end.
 */
#ifndef INSIGHT_CAMPAIGN_DETECT_H
#define INSIGHT_CAMPAIGN_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include "stack.h"

/* Remember where each component's log ends: what comes after is the run's. */
void detect_mark(struct stack *s);
/*
 * Whether component @c failed in this run: the first matching log line,
 * or how it ended, in @evidence (@len bytes).
 */
bool detect_failed(struct stack_component *c, char *evidence, size_t len);

/*
 * The same for a watch of a running stack: only what came since the last
 * call (a log line is read once; an end is said once).
 */
bool detect_new(struct stack_component *c, char *evidence, size_t len);

#endif /* INSIGHT_CAMPAIGN_DETECT_H */
