// SPDX-License-Identifier: GPL-2.0
/*
 * The scripted backend of fake_backend.h: every probe is a position in
 * the script, a path log and a list of outputs, nothing more.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_backend.h"

#define FAKE_PROBES	512
#define FAKE_EVENTS	1024

enum fake_state { F_RUNNING, F_HELD, F_DONE, F_EXITED, F_KILLED };

struct fake_probe {
	enum fake_state st;
	uint32_t parent;
	uint64_t fork_seq;
	size_t pos;			/* the next step */
	bool dir[FAKE_STEPS];		/* the direction taken at each step */
	struct xb_decision log[256];
	size_t nlog;
	struct xb_output *outs;
	size_t nouts;
};

struct xb {
	const struct fake_script *s;
	struct fake_log *log;
	enum xb_policy *policy;
	size_t nsites;
	bool root_armed;
	struct fake_probe p[FAKE_PROBES];
	uint32_t np;
	struct xb_event ev[FAKE_EVENTS];
	size_t evhead, evtail;
	uint64_t degraded;
};

static const struct fake_script *next_script;
static struct fake_log *next_log;

void fake_backend_script(const struct fake_script *s, struct fake_log *log)
{
	next_script = s;
	next_log = log;
}

static void emit(struct xb *b, enum xb_event_kind kind, uint32_t probe, uint32_t parent,
		 uint64_t fork_seq, uint32_t site)
{
	if (b->evtail - b->evhead == FAKE_EVENTS)
		return;
	b->ev[b->evtail++ % FAKE_EVENTS] = (struct xb_event){ kind, probe, parent, fork_seq,
							      site, kind == XB_EV_KILLED ? SIGKILL :
							      kind == XB_EV_EXITED ? SIGSEGV : 0 };
	b->log->quotas += kind == XB_EV_QUOTA;
}

static unsigned int count(struct xb *b, enum fake_state st, bool but_target)
{
	unsigned int i, n = 0;

	for (i = but_target; i < b->np; i++)
		n += b->p[i].st == st;
	return n;
}

static unsigned int held_cap(struct xb *b)
{
	return b->s->max_held ? b->s->max_held : 16;
}

/* A held copy of probe @from at its step, child of @parent at @fork_seq: its id or 0. */
static uint32_t split(struct xb *b, uint32_t from, uint32_t parent, uint64_t fork_seq)
{
	const struct fake_step *st = &b->s->steps[b->p[from].pos];
	struct fake_probe *c;
	uint32_t id;

	if (count(b, F_HELD, false) >= held_cap(b) || b->np == FAKE_PROBES) {
		b->degraded++;
		emit(b, XB_EV_QUOTA, parent, 0, fork_seq, st->site);
		return 0;
	}
	id = b->np++;
	c = &b->p[id];
	memset(c, 0, sizeof(*c));
	c->st = F_HELD;
	c->parent = parent;
	c->fork_seq = fork_seq;
	c->pos = b->p[from].pos;
	memcpy(c->dir, b->p[from].dir, sizeof(c->dir));
	emit(b, XB_EV_CREATED, id, parent, fork_seq, st->site);
	emit(b, XB_EV_HELD, id, 0, 0, st->site);
	return id;
}

static void logd(struct fake_probe *p, const struct fake_step *st, uint32_t flags)
{
	if (p->nlog < 256)
		p->log[p->nlog] = (struct xb_decision){ p->nlog, 0x1000 + 16 * st->site, st->site,
							flags };
	p->nlog++;
}

static void write_out(struct fake_probe *p, const char *out)
{
	struct xb_output *o;

	if (!out)
		return;
	o = realloc(p->outs, (p->nouts + 1) * sizeof(*o));
	if (!o)
		return;
	p->outs = o;
	o = &o[p->nouts];
	memset(o, 0, offsetof(struct xb_output, data));
	o->seq = p->nouts++;
	o->decisions = p->nlog;
	o->nr = 1;
	o->fd = 4;
	o->len = o->captured = strlen(out);
	memcpy(o->data, out, o->len);
}

/* After probe @id took direction @taken at its step: outputs, crash, next, done. */
static void after(struct xb *b, uint32_t id, bool taken)
{
	struct fake_probe *p = &b->p[id];
	const struct fake_step *st = &b->s->steps[p->pos];
	const struct fake_step *at;
	size_t i;

	p->dir[p->pos] = taken;
	for (i = 0; i <= p->pos; i++) {
		at = &b->s->steps[i];
		if (at->out_at == p->pos || (i == p->pos && !at->out_at))
			write_out(p, p->dir[i] ? at->out_taken : at->out_not);
	}
	p->pos++;
	if (taken ? st->crash_taken : st->crash_not) {
		p->st = F_EXITED;
		if (!b->s->lose_exits)
			emit(b, XB_EV_EXITED, id, 0, 0, 0);
	} else if (p->pos == b->s->n) {
		p->st = F_DONE;		/* it waits, its syscall not made */
		emit(b, XB_EV_DONE, id, 0, 0, 0);
	}
}

/* Run probe @id's next step the natural way (splitting where asked). */
static void step(struct xb *b, uint32_t id)
{
	struct fake_probe *p = &b->p[id];
	const struct fake_step *st = &b->s->steps[p->pos];
	bool root = !id && b->root_armed && p->pos >= b->s->read_at;
	uint32_t flags = st->taken ? XB_TAKEN : 0;

	if (root || b->policy[st->site] == XB_SNAPSHOT) {
		b->root_armed &= !root;
		if (split(b, id, id, p->nlog))
			flags |= XB_FORK;	/* refused at the cap: run naturally */
	}
	logd(p, st, flags);
	after(b, id, st->taken);
}

static int fake_open(struct xb **out, const struct xb_config *cfg, int *refused,
		     char *why, size_t whylen)
{
	struct xb *b;

	if (!next_script || !next_log) {
		snprintf(why, whylen, "no script");
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b || !(b->policy = calloc(cfg->nsites ? cfg->nsites : 1, sizeof(*b->policy)))) {
		free(b);
		return -ENOMEM;
	}
	memset(refused, 0, cfg->nsites * sizeof(*refused));
	b->s = next_script;
	b->log = next_log;
	memset(b->log, 0, sizeof(*b->log));
	b->nsites = cfg->nsites;
	b->root_armed = true;
	b->np = 1;		/* the target, running from step 0 */
	*out = b;
	return 0;
}

static unsigned int fake_max_probes(struct xb *b)
{
	return b->s->max_probes ? b->s->max_probes : 64;
}

static int fake_policy(struct xb *b, size_t site, enum xb_policy policy)
{
	if (site >= b->nsites)
		return -EINVAL;
	b->policy[site] = policy;
	return 0;
}

static int fake_resume(struct xb *b, uint32_t probe, int taken, int keep)
{
	struct fake_probe *p;
	const struct fake_step *st;
	uint32_t flags;

	if (probe >= b->np)
		return -ENOENT;
	p = &b->p[probe];
	if (p->st != F_HELD)
		return -EINVAL;
	st = &b->s->steps[p->pos];
	if (b->log->nresumes < FAKE_LOG_MAX)
		b->log->resumes[b->log->nresumes++] = (struct fake_resume){ probe, p->pos,
									   taken, keep };
	if (keep)
		split(b, probe, probe, 0);
	p->st = F_RUNNING;
	flags = XB_FORK | XB_FORCED | (taken ? XB_TAKEN : 0) |
		(!taken != !st->taken ? XB_DEVIATED : 0);
	logd(p, st, flags);
	after(b, probe, taken);
	return 0;
}

static int fake_kill(struct xb *b, uint32_t probe)
{
	struct fake_probe *p;

	if (!probe || probe >= b->np)
		return probe ? -ENOENT : -EINVAL;
	p = &b->p[probe];
	if (p->st == F_EXITED || p->st == F_KILLED)
		return -EINVAL;
	if (p->st == F_RUNNING && b->log->npruned < FAKE_LOG_MAX)
		b->log->pruned[b->log->npruned++] = probe;
	p->st = F_KILLED;
	emit(b, XB_EV_KILLED, probe, 0, 0, 0);
	return 0;
}

static int fake_events(struct xb *b, struct xb_event *ev, unsigned int max, int timeout_ms)
{
	unsigned int n = 0, running;
	uint32_t i, np = b->np;

	(void)timeout_ms;
	running = count(b, F_RUNNING, true);
	if (running > b->log->max_running)
		b->log->max_running = running;
	for (i = 0; i < np; i++)	/* not those created in this round */
		if (b->p[i].st == F_RUNNING)
			step(b, i);
	while (n < max && b->evhead < b->evtail)
		ev[n++] = b->ev[b->evhead++ % FAKE_EVENTS];
	return n;
}

static int fake_path(struct xb *b, uint32_t probe, struct xb_decision **d, size_t *n)
{
	if (probe >= b->np)
		return -ENOENT;
	*n = b->p[probe].nlog;
	*d = malloc((*n ? *n : 1) * sizeof(**d));
	if (!*d)
		return -ENOMEM;
	memcpy(*d, b->p[probe].log, *n * sizeof(**d));
	return 0;
}

static int fake_outputs(struct xb *b, uint32_t probe, uint64_t start, struct xb_output *o,
			unsigned int max, unsigned int *n)
{
	struct fake_probe *p;

	if (probe >= b->np)
		return -ENOENT;
	p = &b->p[probe];
	for (*n = 0; start + *n < p->nouts && *n < max; (*n)++)
		o[*n] = p->outs[start + *n];
	return 0;
}

static int fake_probes(struct xb *b, struct xb_probe *pr, unsigned int max, unsigned int *n)
{
	static const enum xb_probe_state state[] = {
		[F_RUNNING] = XB_PROBE_RUNNING, [F_HELD] = XB_PROBE_HELD,
		[F_DONE] = XB_PROBE_RUNNING, [F_EXITED] = XB_PROBE_EXITED,
		[F_KILLED] = XB_PROBE_EXITED,
	};

	for (*n = 0; *n < b->np && *n < max; (*n)++)
		pr[*n] = (struct xb_probe){ *n, b->p[*n].parent, b->p[*n].fork_seq,
					    1000 + *n, state[b->p[*n].st] };
	return 0;
}

static int fake_lost(struct xb *b, struct xb_lost *l)
{
	*l = (struct xb_lost){ .degraded = b->degraded };
	return 0;
}

static void fake_close(struct xb *b)
{
	uint32_t i;

	b->log->closed = true;
	for (i = 0; i < b->np; i++)
		free(b->p[i].outs);
	free(b->policy);
	free(b);
}

const struct xb_ops xb_fake_ops = {
	.name = "fake",
	.open = fake_open,
	.max_probes = fake_max_probes,
	.policy = fake_policy,
	.resume = fake_resume,
	.kill = fake_kill,
	.events = fake_events,
	.path = fake_path,
	.outputs = fake_outputs,
	.probes = fake_probes,
	.lost = fake_lost,
	.close = fake_close,
};
