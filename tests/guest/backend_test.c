// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract against each backend: splits, the root snapshot, captures, done, resume, kill, close.  One body per
 * behaviour; the fixture is tests/lib/backend_fixture.h.
 */
#include "backend_fixture.h"

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
