/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scripted, in-memory backend (user/backend.h) for unit tests of the
 * explorer's search: no kernel, no process.
 *
 * The "program" is a straight line of steps (at most FAKE_STEPS), each a
 * conditional jump at a site with its natural direction, optionally
 * writing an output (right away or after a later step) or crashing
 * after the direction it took.  The target reads the request
 * just before step @read_at; reaching the end of the steps finishes the
 * request (DONE).  Probes obey the contract: SNAPSHOT sites and the root
 * split (a held copy, or a QUOTA at the held cap), resume decides the
 * held step the chosen way and goes on, every probe ends in EXITED or
 * KILLED.  Running probes advance one step at each events() call, so the
 * explorer can prune a probe before it finishes.
 *
 * What the explorer did is logged (struct fake_log) for the tests to
 * assert: which snapshots it resumed, at which step, which way, which
 * probes it killed while they still ran, and the most probes it had
 * running at once.
 */
#ifndef INSIGHT_FAKE_BACKEND_H
#define INSIGHT_FAKE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

struct fake_step {
	unsigned int site;		/* index into the sites */
	bool taken;			/* the natural direction */
	const char *out_taken, *out_not;	/* written after deciding, or NULL */
	bool crash_taken, crash_not;	/* exits (SIGSEGV) after deciding */
	size_t out_at;			/* its output is written after that later
					 * step instead (0: right away) */
};

#define FAKE_STEPS 64

struct fake_script {
	const struct fake_step *steps;
	size_t n;
	size_t read_at;			/* the request is read before this step */
	unsigned int max_held;		/* the held cap (0: 16) */
	unsigned int max_probes;	/* running cap (0: 64) */
	bool lose_exits;		/* a crash's EXITED event is lost (the
					 * probe list still says it exited) */
};

#define FAKE_LOG_MAX 256

struct fake_resume {
	unsigned int probe;
	size_t step;			/* the step it was held at */
	bool taken, keep;
};

struct fake_log {
	struct fake_resume resumes[FAKE_LOG_MAX];
	size_t nresumes;
	unsigned int pruned[FAKE_LOG_MAX];	/* killed while running */
	size_t npruned;
	size_t quotas;				/* QUOTA events sent */
	unsigned int max_running;		/* probes but the target, at once */
	bool closed;
};

extern const struct xb_ops xb_fake_ops;

/* The script the next open() runs, and where it logs. */
void fake_backend_script(const struct fake_script *s, struct fake_log *log);

#endif /* INSIGHT_FAKE_BACKEND_H */
