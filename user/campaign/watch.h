/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AFPI's production phase (user/campaign/watch.c): natural failures of a
 * running stack added to its f-map.
 */
#ifndef INSIGHT_CAMPAIGN_WATCH_H
#define INSIGHT_CAMPAIGN_WATCH_H

#include "fmap.h"
#include "stack.h"

/*
 * Watch the running stack @s for @seconds (0: until *@stop) and add each
 * natural failure to @m (saved to @path after each): 0, or -errno.
 */
int watch_run(struct stack *s, struct fmap *m, const char *path, double seconds,
	      volatile int *stop);

#endif /* INSIGHT_CAMPAIGN_WATCH_H */
