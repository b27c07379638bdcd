// SPDX-License-Identifier: GPL-2.0
/*
 * One run: AFPI's steps 4 to 7 for one (component, method, fault) triple
 * or a pair of them.  The stack is restarted first, so that no run sees
 * what an earlier fault left behind; the injection is in place only
 * while the workload runs, and removed before the detectors look.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "libinsight.h"
#include "run.h"
#include "runner.h"

/* The client's failure in @o when one workload run fails. */
static bool client_failed(struct stack *s, struct outcome *o, volatile int *stop)
{
	char out[4096], *line;
	int rc = run_cmd(s->workload, s->timeout, out, sizeof(out), NULL, NULL, stop);
	char *ev = o->evidence[FMAP_CLIENT];
	size_t len = sizeof(o->evidence[FMAP_CLIENT]);
	regmatch_t mt;

	if (rc == -EINTR)
		return false;
	if (rc) {
		snprintf(ev, len, rc == -ETIMEDOUT ? "the workload timed out (%.0f s)" :
			 "the workload exited with status %.0f",
			 rc == -ETIMEDOUT ? s->timeout : (double)rc);
		return true;
	}
	if (!s->workload_fail || regexec(&s->workload_re, out, 1, &mt, 0))
		return false;
	line = out + mt.rm_so;
	while (line > out && line[-1] != '\n')
		line--;
	line[strcspn(line, "\n")] = '\0';
	snprintf(ev, len, "%.*s", (int)len - 1, line);
	return true;
}

/*
 * The workload @runs times: the client's failure bit (its evidence in @o),
 * after the settle time (a server logs a request once it has answered).
 */
static uint32_t workload(struct stack *s, struct outcome *o, volatile int *stop)
{
	uint32_t failed = 0;
	int i;

	for (i = 0; i < s->runs && !(stop && *stop); i++)
		if (client_failed(s, o, stop))
			failed |= 1u << FMAP_CLIENT;	/* the evidence: the last */
	if (!(stop && *stop))
		usleep(s->settle * 1e6);
	return failed;
}

static void spec_of(const struct fault *f, struct insight_inject_spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->nr = f->nr;
	sp->action = f->action;
	sp->err = f->err;
	sp->delay_ms = f->delay_ms;
	sp->fd_kinds = f->fd_kinds;
	sp->port = f->port;
	sp->nth = f->nth;
	sp->retval = f->retval;
	sp->offset = f->offset;
	sp->lib = f->lib[0] ? f->lib : NULL;
}

/* The calls acted on, summed over this handle's injections. */
static uint64_t injected(struct insight_nl *h)
{
	struct insight_inject_count cnt[4];
	unsigned int n = 0, i;
	uint64_t sum = 0;

	if (insight_inject_get(h, cnt, 4, &n))
		return 0;
	for (i = 0; i < n; i++)
		sum += cnt[i].injected;
	return sum;
}

int runner_run(struct stack *s, struct insight_nl *h, const struct fault *const *f, int nf,
	       struct outcome *o, volatile int *stop)
{
	struct insight_inject_spec sp;
	char why[160];
	uint32_t id[2];
	int i, k, err = 0;

	stack_stop(s);
	if (stack_start(s, why, sizeof(why), stop)) {
		snprintf(o->error, sizeof(o->error), "the stack did not come back: %.120s", why);
		return stop && *stop ? -EINTR : 0;
	}
	detect_mark(s);
	for (i = 0; i < nf && !err; i++) {
		struct insight_component c = { .cgroup = s->c[f[i]->comp].cgroup,
					       .pid = s->c[f[i]->comp].root };

		spec_of(f[i], &sp);
		err = insight_inject_add(h, &c, &sp, &id[i]);
		if (err)
			snprintf(o->error, sizeof(o->error), "cannot inject %s: %s", f[i]->id,
				 strerror(-err));
	}
	if (!err)
		o->failed = workload(s, o, stop);
	o->injected = err ? 0 : injected(h);
	for (k = 0; k < i - (err ? 1 : 0); k++)
		insight_inject_del(h, id[k]);
	if (!err)	/* after the removal: the detectors see what it did */
		for (k = 0; k < s->n; k++)
			if (detect_failed(&s->c[k], o->evidence[k], sizeof(o->evidence[k])))
				o->failed |= 1u << k;
	return stop && *stop ? -EINTR : 0;
}
