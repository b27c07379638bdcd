// SPDX-License-Identifier: GPL-2.0
/*
 * The production environment, replayed: the calls that failed in
 * production (the record's environment: an open refused, a connect
 * refused) are made to fail the same way in a copy of the root, which
 * then meets the environment production met.  If its outputs are the
 * record's, the failure is explained by those differences of the
 * environment, and the suspect is the branch where that copy left the
 * shadow's natural path: there the shadow's own data said otherwise.
 * Otherwise the search (search.c) goes on from the renewed root.
 */
#include <errno.h>
#include <string.h>

#include <insight/inject_args.h>
#include <linux/insight.h>

#include "explore.h"
#include "syscalls.h"

_Static_assert(MAX_REPLAYED == INSIGHT_FAULTS_MAX, "one rule a replayed call");

/*
 * Whether a failed call of the record is one to replay: a call naming a
 * path, or a connect; not what a server meets in its normal course
 * (would block, in progress, interrupted), nor a write (a failed write
 * is among the outputs expected, expect.c).
 */
static bool replayable(const struct insight_record_item *e)
{
	long err = -e->ret;

	if (e->ret >= 0 || err > 4095 || err == EAGAIN || err == EINPROGRESS ||
	    err == EINTR || err == EALREADY)
		return false;
	return insight_inject_path_arg(e->nr) >= 0 || e->nr == __NR_connect;
}

/* The path of entry @e, NUL-terminated in @buf, or NULL when it has none. */
static const char *entry_path(const struct insight_record_item *e, char *buf, size_t len)
{
	if (insight_inject_path_arg(e->nr) < 0 || !e->len || e->len >= len)
		return NULL;
	memcpy(buf, e->data, e->len);
	buf[e->len] = '\0';
	return buf;
}

/* Give probe @p a rule for each failed call of the record: how many it got. */
static size_t add_rules(struct ex *x, uint32_t p, const struct insight_record_item **got,
			size_t max)
{
	const struct insight_record *rec = x->rec;
	char path[INSIGHT_FAULT_PATH_MAX];
	size_t i, k, n = 0;

	for (i = 0; i < rec->nenv && n < max; i++) {
		const struct insight_record_item *e = &rec->env[i];
		const char *pa = entry_path(e, path, sizeof(path));

		if (!replayable(e) || (insight_inject_path_arg(e->nr) >= 0 && !pa))
			continue;
		for (k = 0; k < n; k++)
			if (got[k]->nr == e->nr && got[k]->len == e->len &&
			    !memcmp(got[k]->data, e->data, e->len))
				break;
		if (k < n)
			continue;	/* one rule a call: the first result */
		if (x->ops->fault(x->b, p, e->nr, (int)-e->ret, pa))
			continue;
		say(x, "replaying %s %s = %lld\n", insight_syscall_name(e->nr) ?: "?",
		    pa ?: "", e->ret);
		got[n++] = e;
	}
	return n;
}

/*
 * Where run @r left the natural run @nat: the first decision from the
 * root on that went the other way at the same branch, or else reached
 * another branch.  @r's decision there is marked deviated.  @r->npath
 * when they never part.
 */
static size_t left_natural(const struct run *nat, struct run *r)
{
	size_t k;

	for (k = nat->base; k < r->npath && k < nat->npath; k++)
		if (r->path[k].addr != nat->path[k].addr ||
		    ((r->path[k].flags ^ nat->path[k].flags) & XB_TAKEN))
			break;
	if (k >= r->npath || k >= nat->npath)
		return r->npath;
	r->path[k].flags ^= XB_DEVIATED;
	return k;
}

/* --verbose: what the replay gave, and its first output that did not match */
static void say_replay(struct ex *x, const struct run *r)
{
	if (!x->verbose)
		return;
	say(x, "the environment replayed: %s, %zu of %zu outputs matched",
	    r->verdict == INSIGHT_MATCH ? "MATCH" : "no match", r->pos, r->nouts);
	if (r->pos < r->nouts) {
		fputs(", then ", stderr);
		print_data(stderr, r->outs[r->pos].data, r->outs[r->pos].captured, 120);
	}
	fputc('\n', stderr);
}

bool env_replay(struct ex *x, struct run *nat, struct run *out)
{
	const struct insight_record_item *got[MAX_REPLAYED];
	uint32_t p = nat->snap;
	struct run r = { 0 };
	size_t n, at;

	if (!x->ops->fault || !x->rec || !p)
		return false;
	settle(x);
	n = add_rules(x, p, got, MAX_REPLAYED);
	if (!n)
		return false;
	/* the root runs with the rules; the copy it leaves, the new root, has none */
	if (x->ops->resume(x->b, p, nat->snap_taken, 1))
		return false;
	x->ps[p].st = P_RUNNING;
	track(x, p);
	prefeed(x, p, nat, nat->base);
	while (!x->timed_out && !finished(x, p))
		pump(x, 20);
	nat->snap = await_copy(x, p);
	if (make_run(x, p, nat, nat->base, &r)) {
		kill_probe(x, p);
		return false;
	}
	kill_probe(x, p);
	say_replay(x, &r);
	if (r.verdict != INSIGHT_MATCH) {
		run_free(&r);
		return false;
	}
	at = left_natural(nat, &r);
	r.ndev = 0;
	if (at < r.npath)
		r.devs[r.ndev++] = at;
	memcpy(r.replayed, got, n * sizeof(*got));
	r.nreplayed = n;
	r.snap = 0;
	*out = r;
	return true;
}
