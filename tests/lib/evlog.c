// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "evlog.h"

int evlog_read(struct insight_nl *h, struct evlog *l, int ms)
{
	int got;

	if (l->n == EVLOG_MAX)
		return -ENOSPC;
	got = insight_events_read(h, l->ev + l->n, EVLOG_MAX - l->n, ms);
	if (got < 0)
		return got;
	l->n += got;
	return 0;
}

static int evlog_find(const struct evlog *l, uint32_t kind, uint32_t probe)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->ev[i].kind == kind && l->ev[i].probe == probe)
			return i;
	return -1;
}

int evlog_wait(struct insight_nl *h, struct evlog *l, uint32_t kind,
	       uint32_t probe, int ms)
{
	int i, err;

	for (; ms > 0; ms -= 100) {
		i = evlog_find(l, kind, probe);
		if (i >= 0)
			return i;
		err = evlog_read(h, l, 100);
		if (err)
			return err;
	}
	i = evlog_find(l, kind, probe);
	return i >= 0 ? i : -ETIMEDOUT;
}

unsigned int evlog_count(const struct evlog *l, uint32_t kind, uint32_t probe)
{
	unsigned int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->ev[i].kind == kind && l->ev[i].probe == probe;
	return n;
}
