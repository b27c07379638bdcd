/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A generator of random insight generic-netlink requests, valid,
 * half-valid and malformed, and a checker of the kernel's replies
 * (tests/guest/fuzz_test.c).  Everything random comes from a seeded
 * generator, so one seed replays one sequence of requests.
 */
#ifndef INSIGHT_TEST_NLFUZZ_H
#define INSIGHT_TEST_NLFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_rng {
	uint64_t s;
};

void fuzz_seed(struct fuzz_rng *r, uint64_t seed);
uint64_t fuzz_next(struct fuzz_rng *r);
/* A number below @n (0 if @n is 0). */
uint32_t fuzz_below(struct fuzz_rng *r, uint32_t n);
/* True with probability @pct percent. */
bool fuzz_pct(struct fuzz_rng *r, unsigned int pct);

/* What a generator knows of the target its socket's session may explore. */
struct fuzz_target {
	int pid;		/* 0: none */
	uint64_t site[4];	/* its sites (tests/lib/target.h) */
	int nsites;
};

/* One request as sent, to judge its replies by. */
struct fuzz_req {
	uint32_t seq;
	uint8_t cmd;
	uint16_t flags;
	bool shaped;	/* built as the command's policy asks: no damage */
};

/*
 * Build one datagram into @buf (at most @cap bytes): usually one request
 * of family @fam, sometimes several, a truncated one or random bytes.
 * Each request's sequence number comes from *@seq (incremented).  Up to
 * @max requests are described in @req.  Returns the datagram's length;
 * *@nreq gets the number of requests described.
 */
size_t fuzz_build(struct fuzz_rng *r, int fam, const struct fuzz_target *t,
		  uint32_t *seq, uint8_t *buf, size_t cap, struct fuzz_req *req,
		  int max, int *nreq);

/* Counters of what the replies said. */
struct fuzz_stats {
	uint64_t sent, replies, acks, errors, dumps_done;
	uint64_t by_errno[135];	/* how often each errno came back */
	uint64_t ok_by_cmd[32];	/* requests acked with 0, replies, by command */
	uint64_t violations;
	char first[512];	/* the first violation, described */
};

/*
 * Check one received datagram: every message well-formed, every errno in
 * the documented set (fuzz_errno_ok()).  @req[0..@n) are the requests
 * sent not yet answered: a reply to one of them is also judged by it
 * (@unpriv: the sender has no CAP_SYS_ADMIN, so every command but
 * VERSION must fail, a shaped one with EPERM).  *@ended gets set when
 * the sentinel's ack (sequence number @sentinel) is in it.  Returns the
 * violations found (described in @st->first, the first one).
 */
int fuzz_check(const uint8_t *buf, size_t len, int fam, const struct fuzz_req *req,
	       int n, bool unpriv, uint32_t sentinel, bool *ended,
	       struct fuzz_stats *st);

/* The errnos an insight request may get (Documentation/testing.rst). */
bool fuzz_errno_ok(int err);

#endif /* INSIGHT_TEST_NLFUZZ_H */
