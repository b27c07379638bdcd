/* SPDX-License-Identifier: GPL-2.0 */
/*
 * insight explore, inside: the data that flows through user/explore/.
 *
 *   cmd_explore.c  options; sites and record in; the report out
 *   expect.c       the record's outputs the shadow must reproduce
 *   replay.c       how the request reaches the target (its socket, stdin)
 *   explore.c      one exploration: the natural run, the root, then the
 *                  search or the ranking of a natural failure
 *   envreplay.c    production's failed calls replayed in a copy of the root
 *   probes.c       what the explorer knows of each probe, from events
 *   run.c          a run: a probe's full path and outputs, matched
 *   search.c       the deviation search over held snapshots
 *   suspects.c     which branches decided: ranking
 *   result.c       the result of an exploration, for the report
 *   report.c       the result as text or JSON
 *
 * The backend (user/backend.h) is reached only through struct ex.ops, so
 * tests drive all of this with a scripted backend (tests/unit/search_test.c).
 */
#ifndef INSIGHT_EXPLORE_H
#define INSIGHT_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "match.h"
#include "record.h"
#include "sites.h"

#define MAX_PROBES_SEEN	4096
#define BATCH		10	/* snapshots taken per round */
#define MAX_DEV		3	/* deviations per path, at most */
#define MAX_CAND	40	/* candidate branches per node */
#define MAX_SUSPECT_RUNS 12	/* flips tried to rank a natural failure */
#define MAX_SUSPECTS	(MAX_DEV + MAX_SUSPECT_RUNS)
#define MAX_REPLAYED	8	/* failed calls of the record replayed */

/* ---- what the exploration is given ---------------------------------------- */

/* The record's outputs the shadow must reproduce, in order (expect.c). */
struct expect {
	struct insight_output_rec *out;
	bool *cut;		/* the record kept fewer bytes than were written */
	size_t n;
};

int expect_build(struct expect *e, const struct insight_record *rec,
		 const struct insight_match_opts *opts);
void expect_free(struct expect *e);
/* The failed call of the record's environment that @callee made, or NULL. */
const struct insight_record_item *expect_evidence(const struct insight_record *rec,
						  const char *callee);

/* ---- the state of one exploration ---------------------------------------- */

enum pst { P_NONE, P_RUNNING, P_HELD, P_DONE, P_KILLED, P_EXITED };

/* What the explorer knows of one probe (probes.c), from the events. */
struct pstate {
	bool known;
	enum pst st;
	uint32_t parent;
	uint64_t fork_seq;
	struct insight_matcher *m;
	uint64_t out_next;
	enum insight_verdict verdict;
	size_t pos;
	uint64_t *quotas;	/* fork_seq of its splits that made no copy */
	size_t nquotas;
	bool copy_refused;	/* ...among them its resume's kept copy */
};

/* A run: one probe's full path from the target's start, and its outputs. */
struct run {
	uint32_t probe;		/* the probe that ran it */
	size_t base;		/* full-path index where its own log starts */
	struct xb_decision *path;	/* full path */
	size_t npath;
	enum insight_verdict verdict;
	size_t pos;		/* outputs matched */
	size_t limit;		/* full-path index before the first bad output */
	size_t devs[MAX_DEV + 1];
	int ndev;
	uint32_t snap;		/* a held copy at its last branch, or 0 */
	bool snap_taken;	/* the direction its snapshot resumes in */
	struct xb_output *outs;	/* its outputs from the root on, */
	size_t nouts;		/* .decisions a full-path index */
	/* the record's failed calls it was given (envreplay.c) */
	const struct insight_record_item *replayed[MAX_REPLAYED];
	size_t nreplayed;
};

struct explore_stats {
	unsigned long created, pruned, finished, branches;
	unsigned int running, held;
};

struct ex {
	const struct xb_ops *ops;
	pid_t pid;			/* the target */
	struct xb *b;
	const struct insight_jcc *j;	/* the sites, by index */
	size_t nj;
	const struct expect *exp;
	const struct insight_record *rec;
	const struct insight_match_opts *match;
	struct pstate *ps;		/* MAX_PROBES_SEEN */
	unsigned int quota;
	double start, deadline;
	double last_event;	/* when an event last came (probes.c) */
	bool tty, timed_out, verbose;
	struct explore_stats st;
	size_t from;		/* path index of the root: the request's start */
};

/* --verbose: the search's steps on stderr */
#define say(x, ...) do { if ((x)->verbose) fprintf(stderr, "explore: " __VA_ARGS__); } while (0)

double explore_now(void);

/* probes.c */
int probes_init(struct ex *x);
void probes_free(struct ex *x);
struct pstate *pst(struct ex *x, uint32_t id);
void track(struct ex *x, uint32_t id);
void pump(struct ex *x, int ms);
bool finished(struct ex *x, uint32_t id);
void kill_probe(struct ex *x, uint32_t id);
void settle(struct ex *x);
void check_outputs(struct ex *x, uint32_t id);
void feed(struct ex *x, struct pstate *p, const struct xb_output *o);
uint32_t root_probe(struct ex *x);
int wait_held(struct ex *x, uint32_t id);
uint32_t held_child(struct ex *x, uint32_t parent, uint64_t fork_seq);
void await_children(struct ex *x, uint32_t p);
uint32_t await_copy(struct ex *x, uint32_t p);

/* run.c */
int make_run(struct ex *x, uint32_t id, const struct run *from, size_t base,
	     struct run *r);
void prefeed(struct ex *x, uint32_t id, const struct run *from, size_t at);
void run_free(struct run *r);
const struct insight_jcc *jcc_of(const struct ex *x, const struct xb_decision *d);
bool natural_taken(const struct xb_decision *d);
int cls_weight(int cls);

/* search.c */
struct cand {
	size_t j;		/* full-path index */
	int weight;
	uint32_t snap;		/* held snapshot there */
	struct run r;
	bool ran;
};

size_t candidates(struct ex *x, const struct run *r, size_t lo, bool env_first,
		  struct cand *c, size_t max);
size_t snapshot_at(struct ex *x, struct run *node, struct cand *c, size_t n);
void run_candidates(struct ex *x, struct run *node, struct cand *c, size_t n,
		    bool keep, bool stop);
void cands_free(struct ex *x, struct cand *c, size_t n, const struct run *keep);
void say_cand(struct ex *x, const struct run *node, const struct cand *c);
void search(struct ex *x, struct run *node, struct run *best);

/* chooser.c: the latest decision of @nat in [lo, hi) that chose the
 * failure's message (a constant of the program), or @hi */
size_t message_chooser(const struct ex *x, const struct run *nat, size_t lo, size_t hi);

/* envreplay.c: whether replaying the record's failed calls reproduced
 * the failure; its run in @out, the branch that left @nat's path in its
 * devs.  @nat's snapshot is renewed. */
bool env_replay(struct ex *x, struct run *nat, struct run *out);

/* suspects.c */
size_t suspects_natural(struct ex *x, struct run *nat, size_t *out, size_t max);
void suspects_rank_deviations(const struct ex *x, const struct run *r, size_t *sus,
			      size_t n);

/* ---- the result, for the report ------------------------------------------ */

enum explore_status {
	EXPLORE_REPRODUCED,		/* with deviations */
	EXPLORE_NATURAL,		/* as it is, no deviation */
	EXPLORE_PARTIAL,		/* no path gave every output */
};

struct explore_step {
	uint64_t addr;
	const struct insight_jcc *j;	/* NULL: not a site */
	bool taken, deviated;
};

struct explore_suspect {
	size_t index;			/* into the result's path */
	uint64_t addr;
	const struct insight_jcc *j;
	bool deviated, shadow_taken, failure_taken;
	const struct insight_record_item *production;	/* evidence, or NULL */
};

struct explore_result {
	enum explore_status status;
	const char *backend;
	int pid;
	bool in_place;			/* --in-place: not in a shadow VM */
	double elapsed;
	bool timed_out;
	struct explore_stats st;
	size_t nsites;
	long peak_rss_kb;
	int ndev;
	/* the record's failed calls the path was given (envreplay.c) */
	const struct insight_record_item *replayed[MAX_REPLAYED];
	size_t nreplayed;
	size_t matched, expected;
	struct explore_step *path;	/* from the request on */
	size_t npath;
	struct explore_suspect sus[MAX_SUSPECTS];
	size_t nsus;
	const struct xb_output *outs;	/* the path's outputs (the run's) */
	size_t nouts;
	struct xb_lost lost;
};

/*
 * One exploration (explore.c): the backend is open and the request on its
 * way; the target's natural run, the root snapshot, then the search (or
 * the ranking of a natural failure).  The best run goes to @best (free
 * with run_free), the suspects to @sus.  -ESRCH: no root snapshot.
 */
int explore_run(struct ex *x, struct run *best, size_t *sus, size_t *nsus,
		bool *natural);

/* result.c: the result of @best (pointers into it and into @rec). */
int result_build(struct explore_result *res, const struct ex *x,
		 const struct run *best, const size_t *sus, size_t nsus, bool natural,
		 const struct insight_record *rec);
void result_free(struct explore_result *res);

/* report.c */
void report_text(FILE *f, const struct explore_result *res);
void report_json(FILE *f, const struct explore_result *res);
void print_data(FILE *f, const uint8_t *d, size_t len, size_t max);

#endif /* INSIGHT_EXPLORE_H */
