// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract's fault rules (xb_ops.fault), against each
 * backend: a probe's call fails with the rule's errno, all of that
 * number or only those of one path; a copy it leaves has no rule; bad
 * rules are refused.  And a copy sees the target's ids as its own.
 * ptarget opens its log after each reply (open()
 * fails: it exits 3).  The fixture is tests/lib/backend_fixture.h.
 */
#include <linux/insight.h>

#include "backend_fixture.h"

/* Probe @id's exit status (the EXITED event's), or -1 when none came. */
static int exit_status(struct _test_data_backend *self, uint32_t id)
{
	int e = wait_ev(self, XB_EV_EXITED, id);

	return e < 0 ? -1 : self->l.e[e].status;
}

TEST_F(backend, a_fault_rule_fails_the_probes_call)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->fault(self->b, 1, SYS_openat, EACCES, NULL));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 0));
	EXPECT_EQ(3 << 8, exit_status(self, 1));
	ASSERT_EQ(1, outputs_of(self, 1, 0));	/* the reply, not the log's line */
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a\n"));
}

TEST_F(backend, a_rule_for_a_path_fails_that_path_only)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->fault(self->b, 1, SYS_openat, ENOENT, "/nonexistent"));
	ASSERT_EQ(0, self->ops->fault(self->b, 1, SYS_openat, EACCES, self->logpath));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 0));
	EXPECT_EQ(3 << 8, exit_status(self, 1));
}

TEST_F(backend, a_rule_for_another_path_lets_the_call_run)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->fault(self->b, 1, SYS_openat, EACCES, "/tmp/insight-other.log"));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_EQ(2, outputs_of(self, 1, 0));	/* the reply, the log's line */
	EXPECT_TRUE(out_is(&outs[1], "served ET /a\n"));
}

TEST_F(backend, the_copy_a_faulted_probe_leaves_has_no_rule)
{
	int c;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->fault(self->b, 1, SYS_openat, EACCES, NULL));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 1));
	EXPECT_EQ(3 << 8, exit_status(self, 1));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 2));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 2));
	ASSERT_EQ(2, outputs_of(self, 2, 0));
	EXPECT_TRUE(out_is(&outs[1], "served ET /a\n"));
}

TEST_F(backend, bad_fault_rules_are_refused)
{
	int i;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	EXPECT_EQ(-ENOENT, self->ops->fault(self->b, 77, SYS_openat, EACCES, NULL));
	EXPECT_EQ(-EINVAL, self->ops->fault(self->b, 1, SYS_read, EIO, "/etc/passwd"));
	for (i = 0; i < INSIGHT_FAULTS_MAX; i++)
		EXPECT_EQ(0, self->ops->fault(self->b, 1, SYS_getpid + i, EIO, NULL));
	EXPECT_EQ(-ENOSPC, self->ops->fault(self->b, 1, SYS_openat, EIO, "/x"));
	ASSERT_EQ(0, self->ops->kill(self->b, 1));
}

/* A copy of the target is the target to itself: getpid(), gettid(). */
TEST_F(backend, a_copy_sees_the_targets_ids_as_its_own)
{
	char want[64];

	ASSERT_EQ(0, start_ex(self, "GET /a\n", START_IDS));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	snprintf(want, sizeof(want), "200 ET /a %d %d\n", self->t.pid, self->t.pid);
	EXPECT_TRUE(first_output_is(self, 1, want));
	EXPECT_TRUE(first_output_is(self, 0, want));	/* the target's own */
}

TEST_HARNESS_MAIN
