// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract against each backend: the held and running caps.  One body per
 * behaviour; the fixture is tests/lib/backend_fixture.h.
 */
#include "backend_fixture.h"

/* With no room to hold anything, one request: the root split makes no copy. */
static int held_cap_0(struct _test_data_backend *self)
{
	int err = set_held_cap(self, 0);

	if (err)
		return err;
	err = start(self, "GET /a\n");
	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_QUOTA, 0) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, with_no_room_to_hold_the_root_split_gives_one_quota_at_its_seq)
{
	int q;

	ASSERT_EQ(0, held_cap_0(self));
	q = wait_ev(self, XB_EV_QUOTA, 0);
	ASSERT_LE(0, q);
	EXPECT_EQ(0, self->l.e[q].site);
	EXPECT_EQ(0, self->l.e[q].fork_seq);
	drain(self, 200);
	EXPECT_EQ(1, count_ev(self, XB_EV_QUOTA, 0));
	EXPECT_EQ(0, count_ev(self, XB_EV_CREATED, 1));
}

TEST_F(backend, a_split_refused_at_once_logs_its_decision_without_fork)
{
	ASSERT_EQ(0, held_cap_0(self));
	ASSERT_EQ(1, path_into(self, 0));
	EXPECT_EQ(0, path[0].flags);	/* natural, not a fork */
}

TEST_F(backend, a_split_refused_at_once_makes_no_probe)
{
	ASSERT_EQ(0, held_cap_0(self));
	EXPECT_EQ(~0U, probe_info(self, 1).id);
	EXPECT_EQ(-ENOENT, self->ops->resume(self->b, 1, 0, 0));
}

TEST_F(backend, a_refused_split_counts_as_degraded)
{
	ASSERT_EQ(0, held_cap_0(self));
	EXPECT_EQ(1, lost_of(self).degraded);
}

/*
 * One held at most, two requests, SNAPSHOT: the root is held, the split
 * at 'P' is not; then the root resumed with keep (not held any more: its
 * copy fits), and its own split at 'P' is refused.
 */
static int held_cap_1(struct _test_data_backend *self)
{
	int err = set_held_cap(self, 1);

	if (err)
		return err;
	err = start_ex(self, TWO, START_SNAPSHOT);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0 ||
	    wait_ev(self, XB_EV_QUOTA, 0) < 0)
		return -ETIMEDOUT;
	return 0;
}

static int held_cap_1_resumed(struct _test_data_backend *self)
{
	int err = held_cap_1(self);

	if (err)
		return err;
	err = self->ops->resume(self->b, 1, 0, 1);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_HELD, 2) < 0 || wait_ev(self, XB_EV_QUOTA, 1) < 0 ||
	    wait_ev(self, XB_EV_DONE, 1) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, at_the_held_cap_a_snapshot_split_gives_a_quota_at_its_seq)
{
	int q;

	ASSERT_EQ(0, held_cap_1(self));
	q = wait_ev(self, XB_EV_QUOTA, 0);
	ASSERT_LE(0, q);
	EXPECT_EQ(1, self->l.e[q].fork_seq);	/* at 'P', its decision 1 */
	ASSERT_EQ(2, path_into(self, 0));
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(XB_TAKEN, path[1].flags);
}

TEST_F(backend, at_the_held_cap_resume_with_keep_still_makes_its_copy)
{
	int c;

	ASSERT_EQ(0, held_cap_1_resumed(self));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	EXPECT_EQ(0, self->l.e[c].fork_seq);
}

TEST_F(backend, at_the_held_cap_a_resumed_probes_own_split_gives_one_quota)
{
	int q;

	ASSERT_EQ(0, held_cap_1_resumed(self));
	q = wait_ev(self, XB_EV_QUOTA, 1);	/* at 'P' */
	ASSERT_LE(0, q);
	EXPECT_EQ(1, self->l.e[q].fork_seq);
	drain(self, 200);
	EXPECT_EQ(1, count_ev(self, XB_EV_QUOTA, 1));
	ASSERT_EQ(2, path_into(self, 1));
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
	EXPECT_EQ(XB_TAKEN, path[1].flags);
	EXPECT_EQ(~0U, probe_info(self, 3).id);
}

TEST_F(backend, each_refused_split_counts_as_degraded_and_nothing_else_is_lost)
{
	struct xb_lost l;

	ASSERT_EQ(0, held_cap_1_resumed(self));
	l = lost_of(self);
	EXPECT_EQ(2, l.degraded);
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
}

TEST_F(backend, the_running_cap_is_64_by_default)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	EXPECT_EQ(64, self->ops->max_probes(self->b));
}

TEST_F(backend, ptrace_max_probes_needs_no_session)
{
	if (is_kmod(self))
		SKIP(return, "kmod: the cap is the loaded module's, read at open");
	EXPECT_EQ(64, self->ops->max_probes(NULL));
}

/*
 * The held cap (1) cannot stop a resume(keep=1): the resumed probe is
 * held no more and its copy takes its place.  The running cap can: the
 * target and the resumed probes, each done and waiting, fill it.  Resumes
 * probes 1, 2, ... with keep while there is room; returns the last copy's
 * id (held), or -errno.
 */
static int fill_running_cap(struct _test_data_backend *self)
{
	uint32_t id, max = self->ops->max_probes(self->b);
	int c, err;

	for (id = 1; id < max - 1; id++) {
		err = self->ops->resume(self->b, id, 0, 1);
		if (err)
			return err;
		self->l.n = 0;	/* room for the next ones */
		c = wait_ev(self, XB_EV_CREATED, id + 1);
		if (c < 0 || self->l.e[c].parent != id || self->l.e[c].fork_seq != 0 ||
		    wait_ev(self, XB_EV_HELD, id + 1) < 0)
			return -EPROTO;
	}
	return id;
}

static int running_cap_full(struct _test_data_backend *self)
{
	int err = set_held_cap(self, 1);

	if (err)
		return err;
	err = start(self, "GET /a\n");
	if (err)
		return err;
	if (wait_ev(self, XB_EV_HELD, 1) < 0)
		return -ETIMEDOUT;
	return fill_running_cap(self);
}

TEST_F(backend, resume_with_keep_makes_copies_until_the_running_cap)
{
	struct xb_lost l;
	int id;

	/* each resume's copy: CREATED (parent, fork_seq 0) then HELD */
	id = running_cap_full(self);
	ASSERT_LT(0, id);
	EXPECT_EQ(self->ops->max_probes(self->b) - 1, id);
	l = lost_of(self);
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
	EXPECT_EQ(0, l.degraded);
}

TEST_F(backend, resume_with_keep_at_the_running_cap_gives_one_quota_at_seq_0)
{
	int id, q;

	id = running_cap_full(self);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, self->ops->resume(self->b, id, 0, 1));
	self->l.n = 0;
	q = wait_ev(self, XB_EV_QUOTA, id);
	ASSERT_LE(0, q);
	EXPECT_EQ(0, self->l.e[q].fork_seq);
	EXPECT_EQ(0, self->l.e[q].site);
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, id));
	EXPECT_EQ(1, count_ev(self, XB_EV_QUOTA, id));
	EXPECT_EQ(0, count_ev(self, XB_EV_CREATED, id + 1));
	EXPECT_EQ(~0U, probe_info(self, id + 1).id);
	EXPECT_EQ(1, lost_of(self).degraded);
}

TEST_F(backend, resumed_at_the_running_cap_a_probe_runs_all_the_same)
{
	int id;

	id = running_cap_full(self);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, self->ops->resume(self->b, id, 0, 1));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, id));
	ASSERT_EQ(1, path_into(self, id));
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
}

TEST_HARNESS_MAIN
