/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every event of a session as it comes, kept in order: tests wait for
 * one and count them afterwards (how many DONE, whether an EXITED came).
 */
#ifndef INSIGHT_TEST_EVLOG_H
#define INSIGHT_TEST_EVLOG_H

#include <stdint.h>

#include "libinsight.h"

#define EVLOG_MAX 256

struct evlog {
	struct insight_event_info ev[EVLOG_MAX];
	unsigned int n;
};

/* Read what comes within @ms into @l (beyond EVLOG_MAX, -ENOSPC). */
int evlog_read(struct insight_nl *h, struct evlog *l, int ms);
/*
 * Read until @l holds an event of @kind about @probe, for up to @ms:
 * its index, or -ETIMEDOUT.
 */
int evlog_wait(struct insight_nl *h, struct evlog *l, uint32_t kind,
	       uint32_t probe, int ms);
/* How many events of @kind about @probe @l holds. */
unsigned int evlog_count(const struct evlog *l, uint32_t kind, uint32_t probe);

#endif /* INSIGHT_TEST_EVLOG_H */
