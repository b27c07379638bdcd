// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract against each backend: the probe list, path logs, outputs and close after two requests.  One body per
 * behaviour; the fixture is tests/lib/backend_fixture.h.
 */
#include "backend_fixture.h"

TEST_F(backend, ptrace_holds_the_root_snapshot_before_the_target_is_done)
{
	int h, d;

	/* an order across probes: the contract promises order per probe only */
	if (is_kmod(self))
		SKIP(return, "insight.ko makes a snapshot's child when it first runs");
	ASSERT_EQ(0, start(self, TWO));
	d = wait_ev(self, XB_EV_DONE, 0);
	h = wait_ev(self, XB_EV_HELD, 1);
	ASSERT_LE(0, d);
	ASSERT_LE(0, h);
	EXPECT_LT(h, d);
}

TEST_F(backend, a_natural_run_with_room_gives_no_quota)
{
	ASSERT_EQ(0, two_requests_done(self));
	drain(self, 200);
	EXPECT_EQ(0, count_ev(self, XB_EV_QUOTA, 0));
}

TEST_F(backend, probes_lists_the_root_snapshot_held_at_the_targets_decision_0)
{
	struct xb_probe p1;

	ASSERT_EQ(0, two_requests_done(self));
	p1 = probe_info(self, 1);
	EXPECT_EQ(1, p1.id);
	EXPECT_EQ(0, p1.parent);
	EXPECT_EQ(0, p1.fork_seq);
	EXPECT_EQ(XB_PROBE_HELD, p1.state);
	EXPECT_NE(self->t.pid, p1.pid);
}

TEST_F(backend, probes_lists_the_target_as_probe_0_running)
{
	struct xb_probe p0;

	ASSERT_EQ(0, two_requests_done(self));
	p0 = probe_info(self, 0);
	EXPECT_EQ(0, p0.id);
	EXPECT_EQ(self->t.pid, p0.pid);
	EXPECT_EQ(XB_PROBE_RUNNING, p0.state);
}

TEST_F(backend, probes_lists_no_probe_that_was_not_made)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(~0U, probe_info(self, 2).id);
}

TEST_F(backend, each_decision_logs_its_seq_and_direction)
{
	ASSERT_EQ(0, two_requests_done(self));
	ASSERT_EQ(2, path_into(self, 0));
	EXPECT_EQ(0, path[0].seq);
	EXPECT_EQ(self->t.site[0], path[0].addr);
	EXPECT_EQ(0, path[0].site);
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(1, path[1].seq);
	EXPECT_EQ(self->t.site[0], path[1].addr);
	EXPECT_EQ(XB_TAKEN, path[1].flags);	/* 'P': taken, natural */
}

TEST_F(backend, created_carries_the_seq_of_the_parents_fork_decision)
{
	int c;

	ASSERT_EQ(0, two_requests_done(self));
	c = wait_ev(self, XB_EV_CREATED, 1);
	ASSERT_LE(0, c);
	ASSERT_EQ(2, path_into(self, 0));
	EXPECT_EQ(XB_FORK, path[self->l.e[c].fork_seq].flags & XB_FORK);
	EXPECT_EQ(path[0].seq, self->l.e[c].fork_seq);
}

TEST_F(backend, a_held_probe_logs_nothing)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(0, path_into(self, 1));
}

TEST_F(backend, the_path_of_an_unknown_probe_is_enoent)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(-ENOENT, path_into(self, 2));
}

TEST_F(backend, an_output_records_its_seq_syscall_fd_and_the_decisions_before)
{
	ASSERT_EQ(0, two_requests_done(self));
	ASSERT_EQ(4, outputs_of(self, 0, 0));
	EXPECT_EQ(0, outs[0].seq);
	EXPECT_EQ(SYS_write, outs[0].nr);
	EXPECT_EQ(1, outs[0].fd);
	EXPECT_EQ(1, outs[0].decisions);
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a\n"));
	EXPECT_EQ(1, outs[1].seq);
	EXPECT_EQ(2, outs[2].decisions);
	EXPECT_TRUE(out_is(&outs[2], "400 UT /b\n"));
}

TEST_F(backend, writes_to_a_regular_file_are_captured_and_the_file_stays_empty)
{
	ASSERT_EQ(0, two_requests_done(self));
	ASSERT_EQ(4, outputs_of(self, 0, 0));
	EXPECT_NE(1, outs[1].fd);
	EXPECT_TRUE(out_is(&outs[1], "served ET /a\n"));
	EXPECT_TRUE(out_is(&outs[3], "served UT /b\n"));
	/* opened for real (created), written to never */
	EXPECT_EQ(0, file_size(self->logpath));
}

TEST_F(backend, outputs_are_read_from_the_seq_asked)
{
	ASSERT_EQ(0, two_requests_done(self));
	ASSERT_EQ(2, outputs_of(self, 0, 2));
	EXPECT_EQ(2, outs[0].seq);
	EXPECT_EQ(3, outs[1].seq);
}

TEST_F(backend, a_held_probe_has_no_outputs)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(0, outputs_of(self, 1, 0));
}

TEST_F(backend, the_outputs_of_an_unknown_probe_are_enoent)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(-ENOENT, outputs_of(self, 5, 0));
}

TEST_F(backend, nothing_is_lost_over_two_requests)
{
	struct xb_lost l;

	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_FALSE(pipe_has_data(&self->t));
	l = lost_of(self);
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
	EXPECT_EQ(0, l.degraded);
}

TEST_F(backend, close_kills_a_held_probe)
{
	pid_t pid;

	ASSERT_EQ(0, two_requests_done(self));
	pid = probe_info(self, 1).pid;
	ASSERT_LT(0, pid);
	close_now(self);
	EXPECT_TRUE(dead(pid));
}

TEST_F(backend, close_restores_the_code_byte_for_byte)
{
	unsigned char before[CODE], after[CODE];

	ASSERT_EQ(0, start_target(self, 0));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.site[0], before, CODE));
	ASSERT_EQ(0x75, before[0]);	/* jne */
	ASSERT_EQ(0, open_on(self, TWO, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	close_now(self);
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.site[0], after, CODE));
	EXPECT_EQ(0, memcmp(before, after, CODE));
}

TEST_F(backend, after_close_the_target_answers_and_writes_its_file_for_real)
{
	char line[64];

	ASSERT_EQ(0, two_requests_done(self));
	close_now(self);
	ASSERT_EQ(0, ask(&self->t, "GET /x\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /x\n", line);
	ASSERT_EQ(0, ask(&self->t, "HEAD /y\n", line, sizeof(line)));
	EXPECT_STREQ("400 EAD /y\n", line);
	EXPECT_EQ(0, wait_size(self->logpath, strlen("served ET /x\nserved EAD /y\n")));
}

TEST_HARNESS_MAIN
