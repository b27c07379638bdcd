/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output matcher: does a probe's stream of outputs reproduce the
 * outputs of a failure record?  Fed one output at a time, it answers
 * incrementally: still a matching prefix, a full match, or a mismatch at
 * output k (which then sticks).
 *
 * An output is the data of one write-like syscall to an fd of a counted
 * kind (default: sockets, pipes, character devices such as the console
 * and ttys, and files).  Before comparing, volatile parts are normalised
 * in both: by default timestamps (runs of digits joined by - / : . T,
 * such as 2026-11-22 05:47:00.123) and hex numbers (0x7ffd...);
 * optionally every decimal number (counters, pids, durations), in every
 * output or only in log lines: outputs to regular files stamped with a
 * clock time (2026/12/02 16:27:39, [02/Dec/2026:16:27:39 +0000]).  An
 * output is normalised as the expected one it is compared with.
 */
#ifndef INSIGHT_MATCH_H
#define INSIGHT_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* insight_match_opts.normalize bits */
#define INSIGHT_NORM_TIME	(1U << 0)
#define INSIGHT_NORM_HEX	(1U << 1)
#define INSIGHT_NORM_NUMBERS	(1U << 2)
/*
 * error messages (strerror's texts: "No such file or directory"): a probe
 * forced down an error path has the errno of the call that succeeded
 */
#define INSIGHT_NORM_ERRNO	(1U << 3)
#define INSIGHT_NORM_DEFAULT	(INSIGHT_NORM_TIME | INSIGHT_NORM_HEX)

/* insight_match_opts.kinds: bit (1 << enum insight_fd_kind) */
#define INSIGHT_KINDS_DEFAULT	((1U << 1) | (1U << 2) | (1U << 3) | (1U << 4))

struct insight_match_opts {
	unsigned int normalize;	/* INSIGHT_NORM_* bits */
	unsigned int kinds;	/* fd kinds that count as outputs */
	unsigned int normalize_logs;	/* more bits for log lines */
};

struct insight_output_rec {
	unsigned int fd_kind;	/* an enum insight_fd_kind */
	const uint8_t *data;
	size_t len;
	/*
	 * expected only: a write the failure attempted but that failed (the
	 * record keeps no data): any output matches it
	 */
	bool any;
	/*
	 * probe only: a call the sandbox refused ("denied NAME"): from there
	 * the probe runs a path production did not (its call failed where
	 * production's ran), so it matches no expected output, whatever the
	 * fd kinds counted, not even an @any one
	 */
	bool denied;
};

enum insight_verdict {
	INSIGHT_PREFIX,		/* every output so far matched; more expected */
	INSIGHT_MATCH,		/* all the expected outputs matched */
	INSIGHT_MISMATCH,	/* output at insight_matcher_pos() differs */
};

struct insight_matcher;

/* Copies @expected; @opts NULL for the defaults.  NULL without memory. */
struct insight_matcher *insight_matcher_new(const struct insight_output_rec *expected,
					    size_t n, const struct insight_match_opts *opts);
void insight_matcher_free(struct insight_matcher *m);
/* Feed one output of the probe; returns the verdict so far. */
enum insight_verdict insight_matcher_feed(struct insight_matcher *m,
					  const struct insight_output_rec *out);
/* Outputs matched so far (the index of a mismatch). */
size_t insight_matcher_pos(const struct insight_matcher *m);
enum insight_verdict insight_matcher_verdict(const struct insight_matcher *m);

/*
 * Normalise @len bytes of @in into @out (room for @len bytes: the result
 * is never longer).  Returns the length written.
 */
size_t insight_normalize(const uint8_t *in, size_t len, unsigned int how,
			 uint8_t *out);

#endif /* INSIGHT_MATCH_H */
