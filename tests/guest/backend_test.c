// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract (user/backend.h), one body per behaviour, run
 * against each backend: kmod (insight.ko, in the guest) and ptrace (in
 * the guest, and on the host through tests/host/backend_test.c, which
 * builds this file with BACKEND_TEST_HOST).  The target is
 * tests/targets/ptarget: one jne at its site, deciding on the first byte
 * of each request read from fd 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "backend.h"
#include "target.h"
#include "util.h"

#define EVMAX 512

struct evlog {
	struct xb_event e[EVMAX];
	int n;
};

static const char *target_bin(const char *name)
{
	static char bin[256];

	snprintf(bin, sizeof(bin), "%s/%s", getenv("INSIGHT_TARGET_DIR") ?: TARGET_DIR, name);
	return bin;
}

/* Wait (up to 5 s) until @pid sleeps (in a syscall). */
static int wait_sleeping(pid_t pid)
{
	char path[64], buf[256], *p;
	int i, sleeping = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 500 && !sleeping; i++) {
		f = fopen(path, "r");
		if (!f)
			return -1;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		sleeping = p && p[1] == ' ' && p[2] == 'S';
		if (!sleeping)
			usleep(10000);
	}
	return sleeping ? 0 : -1;
}

FIXTURE(backend) {
	struct target t;
	const struct xb_ops *ops;
	struct xb *b;
	struct evlog l;
	char logpath[64];
};

FIXTURE_VARIANT(backend) {
	const struct xb_ops *ops;
};

#ifndef BACKEND_TEST_HOST
FIXTURE_VARIANT_ADD(backend, kmod) {
	.ops = &xb_kmod_ops,
};
#endif

FIXTURE_VARIANT_ADD(backend, ptrace) {
	.ops = &xb_ptrace_ops,
};

/* Start ptarget; open the backend on it with @input replayed on fd 0. */
static int start(struct _test_data_backend *self, const char *input)
{
	char *argv[] = { (char *)target_bin("ptarget"), self->logpath, "plain", NULL };
	struct xb_config cfg = { .in_fd = 0, .max_held = 16 };
	char why[128] = "";
	int refused = -1, err;

	snprintf(self->logpath, sizeof(self->logpath), "/tmp/insight-backend-%d.log", getpid());
	unlink(self->logpath);
	err = target_startv(&self->t, argv, 0);
	/* blocked in read(0): the backend makes it restart, served from the input */
	if (err || wait_sleeping(self->t.pid))
		return err ?: -ETIMEDOUT;
	cfg.pid = self->t.pid;
	cfg.sites = self->t.site;
	cfg.nsites = 1;
	cfg.input = input;
	cfg.input_len = strlen(input);
	err = self->ops->open(&self->b, &cfg, &refused, why, sizeof(why));
	if (err)
		fprintf(stderr, "# open: %s\n", why);
	return err ?: refused;
}

FIXTURE_SETUP(backend)
{
	memset(self, 0, sizeof(*self));
	self->ops = variant->ops;
	self->t.pid = -1;
	if (self->ops == &xb_ptrace_ops)
		return;
#ifndef BACKEND_TEST_HOST
	ASSERT_EQ(0, insight_ensure_loaded());
#endif
}

FIXTURE_TEARDOWN(backend)
{
	if (self->b)
		self->ops->close(self->b);
	if (self->t.pid > 0)
		target_stop(&self->t);
	unlink(self->logpath);
}

/* The index of the first event (@kind, @probe), waiting up to 20 s for it. */
static int wait_ev(struct _test_data_backend *self, enum xb_event_kind kind, uint32_t probe)
{
	struct evlog *l = &self->l;
	int i = 0, k, tries;

	for (tries = 0; tries < 200; tries++) {
		for (; i < l->n; i++)
			if (l->e[i].kind == kind && l->e[i].probe == probe)
				return i;
		k = self->ops->events(self->b, l->e + l->n, EVMAX - l->n, 100);
		if (k < 0)
			return k;
		l->n += k;
	}
	return -1;
}

/* Read events for about @ms more. */
static void drain(struct _test_data_backend *self, int ms)
{
	int k;

	for (; ms > 0; ms -= 50) {
		k = self->ops->events(self->b, self->l.e + self->l.n, EVMAX - self->l.n, 50);
		if (k > 0)
			self->l.n += k;
	}
}

static int count_ev(struct _test_data_backend *self, enum xb_event_kind kind, uint32_t probe)
{
	int i, n = 0;

	for (i = 0; i < self->l.n; i++)
		n += self->l.e[i].kind == kind && self->l.e[i].probe == probe;
	return n;
}

/* Probe @probe's own log (malloc'ed) and its length, or NULL. */
static struct xb_decision *path_of(struct _test_data_backend *self, uint32_t probe,
				   size_t *n)
{
	struct xb_decision *d;

	return self->ops->path(self->b, probe, &d, n) ? NULL : d;
}

/* Whether probe @probe's first output is exactly @s. */
static bool first_output_is(struct _test_data_backend *self, uint32_t probe, const char *s)
{
	static struct xb_output o;
	unsigned int n = 0;

	if (self->ops->outputs(self->b, probe, 0, &o, 1, &n) || n != 1)
		return false;
	return o.len == strlen(s) && o.captured == o.len && !memcmp(o.data, s, o.len);
}

/* Whether anything came out of the target's stdout pipe. */
static bool pipe_has_data(struct target *t)
{
	int fd = fileno(t->out), fl = fcntl(fd, F_GETFL);
	ssize_t n;
	char c;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, &c, 1);
	fcntl(fd, F_SETFL, fl);
	return n > 0;
}

TEST_F(backend, target_logs_its_natural_direction_at_the_site)
{
	struct xb_decision *d;
	size_t n = 0;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	d = path_of(self, 0, &n);
	ASSERT_NE(NULL, d);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, d[0].seq);
	EXPECT_EQ(self->t.site[0], d[0].addr);
	EXPECT_EQ(0, d[0].site);
	/* 'G': the jne falls through; the root split there */
	EXPECT_EQ(XB_FORK, d[0].flags);
	free(d);
}

TEST_F(backend, root_snapshot_is_created_at_the_fork_point_then_held)
{
	int c, h;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	c = wait_ev(self, XB_EV_CREATED, 1);
	h = wait_ev(self, XB_EV_HELD, 1);
	ASSERT_LE(0, c);
	ASSERT_LE(0, h);
	EXPECT_LT(c, h);
	EXPECT_EQ(0, self->l.e[c].parent);
	EXPECT_EQ(0, self->l.e[c].fork_seq);	/* the target's decision 0 */
	EXPECT_EQ(0, self->l.e[c].site);
	EXPECT_EQ(0, self->l.e[h].site);
}

TEST_F(backend, writes_are_captured_and_never_delivered)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_TRUE(first_output_is(self, 0, "200 ET /a\n"));
	EXPECT_FALSE(pipe_has_data(&self->t));
}

TEST_F(backend, the_request_ends_in_done_once)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	drain(self, 300);
	EXPECT_EQ(1, count_ev(self, XB_EV_DONE, 0));
}

TEST_F(backend, resumed_the_other_way_a_snapshot_logs_a_forced_deviated_fork)
{
	struct xb_decision *d;
	size_t n = 0;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	d = path_of(self, 1, &n);
	ASSERT_NE(NULL, d);
	ASSERT_LE(1, n);
	EXPECT_EQ(XB_FORK | XB_FORCED | XB_TAKEN | XB_DEVIATED, d[0].flags);
	free(d);
}

TEST_F(backend, a_resumed_probe_reads_the_input_from_its_parents_offset)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	/* it branched on 'G' and went on with the rest, the other way */
	EXPECT_TRUE(first_output_is(self, 1, "400 ET /a\n"));
}

TEST_F(backend, resume_with_keep_leaves_a_held_copy_at_fork_seq_0)
{
	int c;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 1));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	EXPECT_EQ(0, self->l.e[c].fork_seq);
	EXPECT_LE(0, wait_ev(self, XB_EV_HELD, 2));
}

/*
 * @n requests of one byte each and a newline: with the site set to
 * SNAPSHOT once the backend is open, the target splits at each of the
 * requests it has not served yet.
 */
static void requests(char *input, int n)
{
	int i;

	for (*input = '\0', i = 0; i < n; i++)
		strcat(input, "G\n");
}

/* Events about probe @parent's split at @fork_seq: CREATED children and QUOTAs. */
static int split_events(struct _test_data_backend *self, uint32_t parent, uint64_t fork_seq)
{
	const struct xb_event *e;
	int i, n = 0;

	for (i = 0; i < self->l.n; i++) {
		e = &self->l.e[i];
		n += e->fork_seq == fork_seq &&
		     ((e->kind == XB_EV_CREATED && e->parent == parent) ||
		      (e->kind == XB_EV_QUOTA && e->probe == parent));
	}
	return n;
}

TEST_F(backend, every_fork_decision_ends_in_one_copy_or_one_quota)
{
	char input[60 * 2 + 1];
	struct xb_decision *d;
	size_t n = 0, k, forks = 0;
	int tries, ended = 0;

	requests(input, 60);
	ASSERT_EQ(0, start(self, input));
	ASSERT_EQ(0, self->ops->policy(self->b, 0, XB_SNAPSHOT));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	d = path_of(self, 0, &n);
	ASSERT_NE(NULL, d);
	for (tries = 0; tries < 100; tries++, drain(self, 100)) {
		for (k = 0, forks = 0, ended = 0; k < n; k++) {
			if (!(d[k].flags & XB_FORK))
				continue;
			forks++;
			ended += split_events(self, 0, k) == 1;
		}
		if (ended == (int)forks)
			break;
	}
	free(d);
	EXPECT_LE(1, forks);
	EXPECT_EQ(forks, ended);
}

TEST_F(backend, splits_beyond_the_held_cap_give_quotas)
{
	char input[60 * 2 + 1];
	int i, held = 0;

	requests(input, 60);
	ASSERT_EQ(0, start(self, input));
	ASSERT_EQ(0, self->ops->policy(self->b, 0, XB_SNAPSHOT));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	drain(self, 500);
	for (i = 0; i < self->l.n; i++)
		held += self->l.e[i].kind == XB_EV_HELD;
	EXPECT_LE(1, count_ev(self, XB_EV_QUOTA, 0));
	EXPECT_GE(16, held);
}

TEST_F(backend, a_quota_carries_the_fork_point_of_the_split_it_refused)
{
	char input[60 * 2 + 1];
	struct xb_decision *d;
	size_t n = 0;
	int q;

	requests(input, 60);
	ASSERT_EQ(0, start(self, input));
	ASSERT_EQ(0, self->ops->policy(self->b, 0, XB_SNAPSHOT));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	q = wait_ev(self, XB_EV_QUOTA, 0);
	ASSERT_LE(0, q);
	d = path_of(self, 0, &n);
	ASSERT_NE(NULL, d);
	/* a decision of the target's, at the site the QUOTA names, run naturally */
	ASSERT_LT(self->l.e[q].fork_seq, n);
	EXPECT_EQ(d[self->l.e[q].fork_seq].site, self->l.e[q].site);
	EXPECT_FALSE(d[self->l.e[q].fork_seq].flags & (XB_FORCED | XB_DEVIATED));
	free(d);
}

TEST_F(backend, killing_a_held_probe_reports_killed)
{
	struct xb_probe p[4];
	unsigned int n = 0;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->kill(self->b, 1));
	ASSERT_LE(0, wait_ev(self, XB_EV_KILLED, 1));
	ASSERT_EQ(0, self->ops->probes(self->b, p, 4, &n));
	ASSERT_LE(2, n);
	EXPECT_EQ(XB_PROBE_EXITED, p[1].state);
}

TEST_F(backend, the_target_cannot_be_killed)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_EQ(-EINVAL, self->ops->kill(self->b, 0));
}

TEST_F(backend, resuming_an_unknown_probe_is_enoent)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_EQ(-ENOENT, self->ops->resume(self->b, 999, 0, 0));
}

TEST_F(backend, resuming_a_probe_that_is_not_held_is_einval)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_EQ(-EINVAL, self->ops->resume(self->b, 0, 0, 0));
}

TEST_F(backend, a_policy_for_a_site_out_of_range_is_enoent)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_EQ(-ENOENT, self->ops->policy(self->b, 1, XB_SNAPSHOT));
}

TEST_F(backend, nothing_is_lost_on_a_short_run)
{
	struct xb_lost l = { 1, 1, 1, 1 };

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_EQ(0, self->ops->lost(self->b, &l));
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
	EXPECT_EQ(0, l.degraded);
}

TEST_F(backend, after_close_the_code_is_restored_and_the_target_serves_for_real)
{
	char line[64];
	int op;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	self->ops->close(self->b);
	self->b = NULL;
	op = text_byte(self->t.pid, self->t.site[0]);
	EXPECT_EQ(0x75, op);	/* jne, no int3 left */
	ASSERT_EQ(0, fputs("Gz\n", self->t.in) < 0 || fflush(self->t.in));
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_STREQ("200 z\n", line);
}

TEST_HARNESS_MAIN
