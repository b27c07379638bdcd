// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-threaded targets: threads of one probe reading the replayed input
 * at once each get their own bytes of it, the input exactly once
 * (tests/targets/readrace); a request is its reader thread's: other
 * threads waiting for work do not end it, and a target whose main thread
 * has left is still running (tests/targets/mtserver).  Run with
 * slub_debug=FZPU on the guest's command line so any overrun shows.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "evlog.h"
#include "libinsight.h"
#include "scenario.h"
#include "session.h"
#include "target.h"
#include "util.h"

#define READRACE TARGET_DIR "readrace"
#define MTSERVER TARGET_DIR "mtserver"

/* as tests/targets/readrace.c lays it out */
struct race_rec {
	int len;
	int err;
	int reads;
	unsigned char got[256];
};

#define RACE_THREADS 4
#define RACE_LEN 48
#define RACE_ROUNDS 20

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Read the @n threads' records until they hold @len bytes in all (a
 * thread that reserved bytes records them after its read returns), and
 * the count of threads finished into *@finished, for up to 10 s.
 */
static int race_records(struct target *t, unsigned long long recs,
			unsigned long long fin, struct race_rec *r, int n,
			int len, int *finished)
{
	int tries, i, total = 0;

	for (tries = 0; tries < 500; tries++) {
		if (read_mem(t->pid, fin, finished, sizeof(*finished)) ||
		    read_mem(t->pid, recs, r, n * sizeof(*r)))
			return -EIO;
		for (total = 0, i = 0; i < n; i++)
			total += r[i].len;
		if (total >= len)
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

/* Wait up to 10 s for the target to count @n threads finished. */
static int race_finished(struct target *t, unsigned long long fin, int n)
{
	int tries, finished = 0;

	for (tries = 0; tries < 500; tries++) {
		if (read_mem(t->pid, fin, &finished, sizeof(finished)))
			return -EIO;
		if (finished == n)
			return 0;
		usleep(20000);
	}
	return finished;
}

/*
 * Each thread's bytes come in increasing offsets (input byte i is i + 1),
 * and together they are the input exactly once.
 */
static void race_check(struct __test_metadata *_metadata,
		       const struct race_rec *r, int n)
{
	int seen[RACE_LEN + 1] = { 0 }, i, j;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, r[i].err) TH_LOG("thread %d: errno %d", i, r[i].err);
		ASSERT_LE(r[i].len, RACE_LEN);
		for (j = 0; j < r[i].len; j++) {
			ASSERT_LE(1, r[i].got[j]);
			ASSERT_GE(RACE_LEN, r[i].got[j]) TH_LOG("thread %d byte %d", i, j);
			if (j)
				ASSERT_LT(r[i].got[j - 1], r[i].got[j]);
			seen[r[i].got[j]]++;
		}
	}
	for (j = 1; j <= RACE_LEN; j++)
		ASSERT_EQ(1, seen[j]) TH_LOG("input byte %d", j - 1);
}

/*
 * One round: @n threads of the target read the input at once (@fault:
 * its first thread's first reads fault, see tests/targets/readrace.c).
 */
static void race_round(struct __test_metadata *_metadata, int n, bool fault)
{
	char nthreads[8], len[8], line[128];
	char *argv[] = { READRACE, nthreads, len, fault ? "fault" : NULL, NULL };
	unsigned char input[RACE_LEN];
	struct race_rec r[RACE_THREADS];
	unsigned long long recs, fin;
	static struct evlog l;
	struct insight_nl *h;
	struct target t;
	int i, finished;
	size_t size;
	double t0;

	for (i = 0; i < RACE_LEN; i++)
		input[i] = i + 1;
	snprintf(nthreads, sizeof(nthreads), "%d", n);
	snprintf(len, sizeof(len), "%d", RACE_LEN);
	memset(&l, 0, sizeof(l));
	ASSERT_EQ(0, stopped_session(&t, argv, line, 1, sizeof(line), &h, 0));
	ASSERT_EQ(3, sscanf(line, "recs %llx %zu %llx", &recs, &size, &fin));
	ASSERT_EQ(sizeof(struct race_rec), size);
	ASSERT_EQ(0, insight_sandbox(h, 64, 0, input, RACE_LEN));
	kill(t.pid, SIGCONT);
	/* the reader found the end: done, once */
	ASSERT_LE(0, evlog_wait(h, &l, INSIGHT_EVENT_DONE, 0, 10000));
	ASSERT_EQ(0, race_records(&t, recs, fin, r, n, RACE_LEN, &finished));
	race_check(_metadata, r, n);
	ASSERT_EQ(0, evlog_read(h, &l, 100));
	EXPECT_EQ(1, evlog_count(&l, INSIGHT_EVENT_DONE, 0));
	t0 = now();
	insight_nl_close(h);
	EXPECT_GT(5.0, now() - t0) TH_LOG("teardown took %.1f s", now() - t0);
	/*
	 * Threads held at the input's end make their read for real once the
	 * session is gone: they find the real stdin closed, and finish.
	 */
	close(fileno(t.in));	/* target_stop()'s fclose() then only frees */
	EXPECT_EQ(0, race_finished(&t, fin, n));
	target_stop(&t);
}

FIXTURE(race) {
};

FIXTURE_SETUP(race)
{
	ASSERT_EQ(0, insight_ensure_loaded());
}

FIXTURE_TEARDOWN(race)
{
}

TEST_F_TIMEOUT(race, threads_reading_the_input_at_once_get_it_exactly_once, 300)
{
	int round;

	for (round = 0; round < RACE_ROUNDS && _metadata->passed; round++)
		race_round(_metadata, round % 2 ? 2 : RACE_THREADS, false);
}

/* What a faulting copy could not deliver comes again, whole or in part. */
TEST_F_TIMEOUT(race, bytes_a_faulting_read_could_not_deliver_come_again, 60)
{
	race_round(_metadata, 1, true);
}

/*
 * mtserver, its site a FORK, the request replayed: its serving thread
 * and the probe forked from it each answer and go back to epoll_wait(),
 * while the target's idle threads wait for work round after round and
 * its main thread has left.
 */
struct mt_record {
	int state;
	int outputs_rc[2];
	unsigned int nout[2];
	struct insight_output_info reply[2];
	char leader_state;
	int probes_rc;
	unsigned int nprobes;
	struct insight_probe_info probe[2];
	unsigned long counts_at_done[2], counts_later[2];
	int probe1_threads;
	int late_site_rc, late_site_err;
	unsigned int ends_before_kill;
	int delivered;
	unsigned int killed, exited, done[2];
	uint32_t kill_status;
};
SCENARIO(mt_rec, struct mt_record);

static int outputs(struct insight_nl *h, uint32_t probe, struct insight_output_info *o,
		   unsigned int *n)
{
	uint64_t lost;

	return insight_outputs_get(h, probe, 0, o, 1, n, &lost) ?: (int)lost;
}

/* The leader left: a zombie while the group runs (bounded wait). */
static char leader_gone(int pid)
{
	int tries;

	for (tries = 0; tries < 250 && proc_state(pid) != 'Z'; tries++)
		usleep(20000);
	return proc_state(pid);
}

static void mt_counts(int pid, unsigned long long addr, unsigned long *c)
{
	int tid = proc_other_thread(pid);

	/* the zombie leader has no mm: read through a live thread */
	if (tid < 0 || read_mem(tid, addr, c, 2 * sizeof(*c)))
		c[0] = c[1] = 0;
}

static void play_mt(struct __test_metadata *_metadata, struct mt_record *r)
{
	static const char req[] = "GET /x\n";
	char *argv[] = { MTSERVER, NULL };
	uint32_t natural = INSIGHT_POLICY_NATURAL;
	struct pollfd pfd = { .events = POLLIN };
	unsigned long long counts;
	static struct evlog l;
	struct insight_nl *h;
	struct target t;
	char line[128];
	uint64_t deg;
	int i, st;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, stopped_session(&t, argv, line, 1, sizeof(line), &h,
				     INSIGHT_POLICY_FORK));
	ASSERT_EQ(1, sscanf(line, "counts %llx", &counts));
	ASSERT_EQ(0, insight_sandbox(h, 256, 0, req, strlen(req)));
	kill(t.pid, SIGCONT);
	ASSERT_LE(0, evlog_wait(h, &l, INSIGHT_EVENT_DONE, 0, 20000));
	/* right at DONE: the serving thread has answered */
	r->outputs_rc[0] = outputs(h, 0, &r->reply[0], &r->nout[0]);
	mt_counts(t.pid, counts, r->counts_at_done);
	r->leader_state = leader_gone(t.pid);
	r->late_site_err = -1;
	r->late_site_rc = insight_sites_add(h, &t.site[1], &natural, 1,
					    &r->late_site_err);
	r->probes_rc = insight_probes_get(h, 0, r->probe, 2, &r->nprobes, &deg);
	usleep(300000);
	mt_counts(t.pid, counts, r->counts_later);
	/* not gating: the tests below tell what went wrong */
	evlog_wait(h, &l, INSIGHT_EVENT_DONE, 1, 20000);
	r->outputs_rc[1] = outputs(h, 1, &r->reply[1], &r->nout[1]);
	if (r->nprobes == 2)
		r->probe1_threads = proc_threads(r->probe[1].pid);
	pfd.fd = fileno(t.out);
	r->delivered = poll(&pfd, 1, 0);
	ASSERT_EQ(0, evlog_read(h, &l, 200));
	r->ends_before_kill = evlog_count(&l, INSIGHT_EVENT_EXITED, 0) +
			      evlog_count(&l, INSIGHT_EVENT_KILLED, 0);
	/* all its threads go at once: told once */
	kill(t.pid, SIGKILL);
	ASSERT_EQ(t.pid, waitpid(t.pid, &st, 0));
	i = evlog_wait(h, &l, INSIGHT_EVENT_KILLED, 0, 5000);
	ASSERT_LE(0, i);
	r->kill_status = l.ev[i].status;
	ASSERT_EQ(0, evlog_read(h, &l, 300));
	r->killed = evlog_count(&l, INSIGHT_EVENT_KILLED, 0);
	r->exited = evlog_count(&l, INSIGHT_EVENT_EXITED, 0);
	r->done[0] = evlog_count(&l, INSIGHT_EVENT_DONE, 0);
	r->done[1] = evlog_count(&l, INSIGHT_EVENT_DONE, 1);
	insight_nl_close(h);
	while (waitpid(-1, &st, 0) > 0)
		;
	fclose(t.in);
	fclose(t.out);
}

FIXTURE(mtserver) {
	const struct mt_record *r;
};

FIXTURE_SETUP(mtserver)
{
	SCENARIO_PLAY(mt_rec, play_mt);
	self->r = mt_rec;
}

FIXTURE_TEARDOWN(mtserver)
{
}

static void replied(struct __test_metadata *_metadata, const struct mt_record *r,
		    int id, const char *want)
{
	ASSERT_EQ(0, r->outputs_rc[id]);
	ASSERT_EQ(1, r->nout[id]);
	ASSERT_EQ(strlen(want), r->reply[id].captured);
	EXPECT_EQ(0, memcmp(want, r->reply[id].data, strlen(want)));
}

/* DONE waited for the reply: the idle threads' epoll_wait did not end it */
TEST_F_TIMEOUT(mtserver, done_comes_only_when_the_serving_thread_has_answered, 120)
{
	replied(_metadata, self->r, 0, "200 ET /x\n");
}

TEST_F(mtserver, idle_threads_waited_for_work_while_the_request_was_served)
{
	/* 300 ms of serving against a 2 ms epoll_wait timeout */
	EXPECT_LT(20, self->r->counts_at_done[0]);
}

TEST_F(mtserver, done_is_told_once_per_probe)
{
	EXPECT_EQ(1, self->r->done[0]);
	EXPECT_EQ(1, self->r->done[1]);
}

TEST_F(mtserver, idle_threads_keep_running_after_done)
{
	EXPECT_LT(self->r->counts_at_done[0], self->r->counts_later[0]);
	EXPECT_LT(self->r->counts_at_done[1], self->r->counts_later[1]);
}

TEST_F(mtserver, forked_probe_of_the_serving_thread_answers_the_other_way)
{
	replied(_metadata, self->r, 1, "400 ET /x\n");
}

TEST_F(mtserver, forked_probe_has_one_thread)
{
	EXPECT_EQ(1, self->r->probe1_threads);
}

TEST_F(mtserver, nothing_reaches_stdout)
{
	EXPECT_EQ(0, self->r->delivered);
}

TEST_F(mtserver, leader_left_while_a_worker_serves)
{
	EXPECT_EQ('Z', self->r->leader_state);
}

TEST_F(mtserver, target_whose_leader_left_is_still_running)
{
	ASSERT_EQ(0, self->r->probes_rc);
	ASSERT_EQ(2, self->r->nprobes);
	EXPECT_EQ(INSIGHT_PROBE_RUNNING, self->r->probe[0].state);
}

TEST_F(mtserver, sites_are_added_after_the_leader_left)
{
	EXPECT_EQ(0, self->r->late_site_rc);
	EXPECT_EQ(0, self->r->late_site_err);
}

TEST_F(mtserver, leader_leaving_sends_no_exit_event)
{
	EXPECT_EQ(0, self->r->ends_before_kill);
}

TEST_F(mtserver, killed_thread_group_is_told_once)
{
	EXPECT_EQ(1, self->r->killed);
	EXPECT_EQ(0, self->r->exited);
	EXPECT_EQ(SIGKILL, self->r->kill_status & 0x7f);
}

/*
 * Under HOLD the root snapshot is the first trap of the thread that read
 * the request (at SITE, index 0), not of the timer thread, which passes
 * SITE2 (index 1) every millisecond while the request is being read.
 */
TEST_F_TIMEOUT(race, root_snapshot_is_taken_by_the_thread_that_read_the_request, 120)
{
	static const char req[] = "GET /x\n";
	uint32_t natural = INSIGHT_POLICY_NATURAL;
	char *argv[] = { MTSERVER, NULL };
	static struct evlog l;
	struct insight_nl *h;
	struct target t;
	char line[128];
	int i, err = -1, st;

	ASSERT_EQ(0, stopped_session(&t, argv, line, 1, sizeof(line), &h,
				     INSIGHT_POLICY_NATURAL));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[1], &natural, 1, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, insight_sandbox_hold(h, 256, 0, req, strlen(req), 1));
	kill(t.pid, SIGCONT);
	i = evlog_wait(h, &l, INSIGHT_EVENT_PAUSED, 1, 20000);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, l.ev[i].site);
	insight_nl_close(h);
	target_stop(&t);
	while (waitpid(-1, &st, 0) > 0)
		;
}

/* Readers' references, held and released input reads: nothing stays. */
TEST_F_TIMEOUT(race, threaded_sessions_leak_nothing, 300)
{
	struct mt_record r = { 0 };
	long long before;
	int round;

	ASSERT_EQ(0, insight_ensure_unloaded());
	before = orphan_slab_objects();
	ASSERT_LE(0, before) TH_LOG("boot the guest with slub_debug=U");
	ASSERT_EQ(0, mod_load(insight_ko(), NULL));
	for (round = 0; round < 4 && _metadata->passed; round++)
		race_round(_metadata, RACE_THREADS, false);
	race_round(_metadata, 1, true);
	play_mt(_metadata, &r);
	ASSERT_EQ(0, mod_unload("insight"));
	EXPECT_EQ(before, orphan_slab_objects());
}

TEST_HARNESS_MAIN
