// SPDX-License-Identifier: GPL-2.0
/*
 * The production phase: the stack runs on its own (nothing is started,
 * nothing injected); its components' detectors are polled.  A natural
 * failure is the set of components whose detectors fire within a window
 * of the first one; its origin is the first to fire (a fault shows first
 * where it happens: redis dies before the application logs its refusal,
 * which comes before nginx's 503 and haproxy's), the lowest in the
 * stack's order among those of one poll.  Each failure is an outcome
 * marked "production", with edges from its origin to the others, as a
 * campaign's are from the component a fault was injected into.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>

#include "detect.h"
#include "run.h"
#include "watch.h"

#define WATCH_POLL_MS	200
#define WATCH_WINDOW_S	3.0	/* the failures of one: after the first */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Component @c's live pid from its pid file, or 0 (its end is then seen). */
static pid_t root_of(const struct stack_component *c)
{
	pid_t pid = c->pidfile ? run_pidfile(c->pidfile) : 0;

	return pid && run_alive(pid) ? pid : 0;
}

/*
 * The components that ended and have not come back (@down): one that is
 * back (a live pid in its pid file) is watched again.
 */
static void back_up(struct stack *s, uint32_t *down)
{
	int i;

	for (i = 0; i < s->n; i++)
		if ((*down & (1u << i)) && (s->c[i].root = root_of(&s->c[i])))
			*down &= ~(1u << i);
}

/* Name the failure seen at wall time @t in @o, from origin @origin. */
static void name_it(struct outcome *o, const struct stack *s, int origin)
{
	time_t t = time(NULL);
	char when[32];

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", gmtime(&t));
	snprintf(o->fault, sizeof(o->fault), "production/%s/%s", s->c[origin].name, when);
	snprintf(o->class, sizeof(o->class), "production");
	o->comp[0] = origin;
	o->ncomp = 1;
	o->production = true;
}

int watch_run(struct stack *s, struct fmap *m, const char *path, double seconds,
	      volatile int *stop)
{
	double end = seconds ? now() + seconds : 0, first = 0;
	uint32_t down = 0;
	struct outcome o;
	int i, origin = -1, err;

	for (i = 0; i < s->n; i++) {
		s->c[i].pid = 0;	/* not ours: only watched */
		s->c[i].ended = false;
		s->c[i].root = root_of(&s->c[i]);
	}
	detect_mark(s);
	memset(&o, 0, sizeof(o));
	while (!(stop && *stop) && (!end || now() < end)) {
		back_up(s, &down);
		for (i = 0; i < s->n; i++) {
			if ((o.failed & (1u << i)) ||
			    !detect_new(&s->c[i], o.evidence[i], sizeof(o.evidence[i])))
				continue;
			o.failed |= 1u << i;
			if (!s->c[i].root && s->c[i].pidfile)
				down |= 1u << i;	/* it ended */
			if (origin < 0) {
				origin = i;
				first = now();
			}
		}
		/* a failure while a component is still down: it is the origin */
		for (i = 0; origin >= 0 && i < s->n; i++) {
			if (!(down & (1u << i)) || i == origin)
				continue;
			if (!(o.failed & (1u << i)))
				snprintf(o.evidence[i], sizeof(o.evidence[i]), "still down");
			o.failed |= 1u << i;
			origin = i;
			break;
		}
		if (origin >= 0 && now() - first >= WATCH_WINDOW_S) {
			name_it(&o, s, origin);
			err = fmap_add(m, &o);
			if (!err)
				err = fmap_save(m, s, path);
			if (err)
				return err;
			fprintf(stderr, "insight: campaign: a failure in production: %s (%s)\n",
				o.fault, o.evidence[origin]);
			memset(&o, 0, sizeof(o));
			origin = -1;
		}
		usleep(WATCH_POLL_MS * 1000);
	}
	return 0;
}
