// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract against each backend: a target that stops and exits, resuming with and without a copy, snapshot sites, kills.  One body per
 * behaviour; the fixture is tests/lib/backend_fixture.h.
 */
#include "backend_fixture.h"

/*
 * tests/targets/server: one request, then it exits; it stops itself
 * first, so the session starts on a stopped process.
 */
static int start_server(struct _test_data_backend *self, const char *input)
{
	char *argv[] = { (char *)target_bin("server"), self->logpath, NULL };
	int status, err;

	set_logpath(self);
	err = target_startv(&self->t, argv, 0);
	if (err)
		return err;
	if (waitpid(self->t.pid, &status, WUNTRACED) != self->t.pid || !WIFSTOPPED(status))
		return -ECHILD;
	return open_on(self, input, 0);
}

/* The server started, continued, answered and exited; its root snapshot held. */
static int server_exited(struct _test_data_backend *self)
{
	int err = start_server(self, "GET /index\n");

	if (err)
		return err;
	if (kill(self->t.pid, SIGCONT))
		return -errno;
	if (wait_ev(self, XB_EV_EXITED, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0)
		return -ETIMEDOUT;
	return 0;
}

/* ... and its root snapshot resumed the other way with a copy kept, exited. */
static int server_resumed_keep(struct _test_data_backend *self)
{
	int err = server_exited(self);

	if (err)
		return err;
	err = self->ops->resume(self->b, 1, 1, 1);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_EXITED, 1) < 0 || wait_ev(self, XB_EV_HELD, 2) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, a_target_stopped_when_opened_stays_stopped)
{
	ASSERT_EQ(0, start_server(self, "GET /index\n"));
	EXPECT_EQ(0, self->ops->events(self->b, self->l.e, EVMAX, 200));
}

TEST_F(backend, a_target_that_exits_reports_exited_with_its_status)
{
	int i;

	ASSERT_EQ(0, start_server(self, "GET /index\n"));
	ASSERT_EQ(0, kill(self->t.pid, SIGCONT));
	i = wait_ev(self, XB_EV_EXITED, 0);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, self->l.e[i].status);
}

TEST_F(backend, an_exited_target_keeps_its_outputs_and_is_listed_exited)
{
	ASSERT_EQ(0, server_exited(self));
	ASSERT_EQ(2, outputs_of(self, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /index\n"));
	EXPECT_TRUE(out_is(&outs[1], "served ET /index\n"));
	EXPECT_EQ(XB_PROBE_EXITED, probe_info(self, 0).state);
}

TEST_F(backend, a_resumed_probe_that_exits_reports_exited_with_its_status)
{
	int i;

	ASSERT_EQ(0, server_resumed_keep(self));
	i = wait_ev(self, XB_EV_EXITED, 1);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, self->l.e[i].status);
}

TEST_F(backend, the_copy_kept_is_created_at_the_resumed_probes_seq_0_then_held)
{
	int c;

	ASSERT_EQ(0, server_resumed_keep(self));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	EXPECT_EQ(0, self->l.e[c].fork_seq);
	EXPECT_EQ(0, self->l.e[c].site);
	EXPECT_LT(c, wait_ev(self, XB_EV_HELD, 2));
	EXPECT_EQ(0, count_ev(self, XB_EV_QUOTA, 1));
}

TEST_F(backend, probes_lists_the_copy_kept_held_under_the_resumed_probe)
{
	struct xb_probe p2;

	ASSERT_EQ(0, server_resumed_keep(self));
	p2 = probe_info(self, 2);
	EXPECT_EQ(2, p2.id);
	EXPECT_EQ(1, p2.parent);
	EXPECT_EQ(0, p2.fork_seq);
	EXPECT_EQ(XB_PROBE_HELD, p2.state);
}

TEST_F(backend, resumed_with_keep_the_other_way_a_probe_logs_one_forced_deviated_fork)
{
	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(1, path_into(self, 1));
	EXPECT_EQ(0, path[0].seq);
	EXPECT_EQ(XB_FORK | XB_FORCED | XB_TAKEN | XB_DEVIATED, path[0].flags);
}

TEST_F(backend, resumed_with_keep_a_probe_reads_the_rest_from_its_own_offset)
{
	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(2, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /index\n"));
	EXPECT_EQ(1, outs[0].decisions);
}

TEST_F(backend, the_copy_kept_resumed_the_natural_way_logs_a_forced_fork)
{
	int i;

	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	i = wait_ev(self, XB_EV_EXITED, 2);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, self->l.e[i].status);
	ASSERT_EQ(1, path_into(self, 2));
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
	ASSERT_EQ(2, outputs_of(self, 2, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /index\n"));
}

TEST_F(backend, resume_without_keep_leaves_no_copy)
{
	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_EXITED, 2));
	EXPECT_EQ(~0U, probe_info(self, 3).id);
	EXPECT_EQ(0, count_ev(self, XB_EV_CREATED, 3));
}

TEST_F(backend, resuming_a_target_that_exited_is_einval)
{
	ASSERT_EQ(0, server_exited(self));
	EXPECT_EQ(-EINVAL, self->ops->resume(self->b, 0, 1, 0));
}

TEST_F(backend, resuming_a_probe_that_exited_is_einval)
{
	ASSERT_EQ(0, server_resumed_keep(self));
	EXPECT_EQ(-EINVAL, self->ops->resume(self->b, 1, 1, 0));
}

TEST_F(backend, nothing_leaks_out_and_nothing_is_lost_over_resumes_with_keep)
{
	struct xb_lost l;

	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_EXITED, 2));
	EXPECT_FALSE(pipe_has_data(&self->t));
	EXPECT_EQ(0, file_size(self->logpath));
	l = lost_of(self);
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
	EXPECT_EQ(0, l.degraded);
}

/*
 * The ptrace backend traces its probes, so it reaps them; insight.ko's
 * are the target's siblings, children of the target's parent (here the
 * test), which reaps them itself.
 */
TEST_F(backend, ptrace_close_reaps_every_probe)
{
	int status;

	if (is_kmod(self))
		SKIP(return, "kmod: the target's parent reaps insight.ko's probes");
	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_EXITED, 2));
	close_now(self);
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));	/* the target too: traced */
	EXPECT_EQ(ECHILD, errno);
}

/* Two requests, the site SNAPSHOT: the target done; held: 1 at 'G' (root), 2 at 'P'. */
static int two_snapshots_held(struct _test_data_backend *self)
{
	int err = start_ex(self, TWO, START_SNAPSHOT);

	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0 ||
	    wait_ev(self, XB_EV_HELD, 2) < 0)
		return -ETIMEDOUT;
	return 0;
}

/* ... and probe 1 resumed taken: done, it split at 'P' into probe 3, held. */
static int snapshot_resumed(struct _test_data_backend *self)
{
	int err = two_snapshots_held(self);

	if (err)
		return err;
	err = self->ops->resume(self->b, 1, 1, 0);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 1) < 0 || wait_ev(self, XB_EV_HELD, 3) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, at_a_snapshot_site_a_probe_forks_and_goes_on_naturally)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	ASSERT_EQ(2, path_into(self, 0));
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(XB_FORK | XB_TAKEN, path[1].flags);
}

TEST_F(backend, a_snapshot_is_created_at_its_parents_fork_decision)
{
	int c;

	ASSERT_EQ(0, two_snapshots_held(self));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(0, self->l.e[c].parent);
	EXPECT_EQ(1, self->l.e[c].fork_seq);	/* the target's FORK at 'P' */
	EXPECT_EQ(1, probe_info(self, 2).fork_seq);
	EXPECT_EQ(0, probe_info(self, 2).parent);
}

TEST_F(backend, a_snapshot_resumed_the_natural_way_logs_a_forced_deviated_fork)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	/* probe 2 is at 'P' (taken naturally): resumed not taken */
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 2));
	ASSERT_EQ(1, path_into(self, 2));
	EXPECT_EQ(XB_FORK | XB_FORCED | XB_DEVIATED, path[0].flags);
}

TEST_F(backend, a_snapshot_resumed_reads_the_input_from_its_fork_point)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	/* probe 2 is at 'P', 7 bytes in: it reads "UT /b" */
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 2));	/* read at the end */
	ASSERT_EQ(2, outputs_of(self, 2, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 UT /b\n"));
	EXPECT_EQ(1, outs[0].decisions);
}

TEST_F(backend, a_probe_done_waits_listed_running)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 2));
	drain(self, 200);
	EXPECT_EQ(XB_PROBE_RUNNING, probe_info(self, 2).state);
	EXPECT_EQ(0, count_ev(self, XB_EV_EXITED, 2));
}

TEST_F(backend, a_resumed_snapshot_splits_again_at_a_snapshot_site)
{
	int c;

	ASSERT_EQ(0, snapshot_resumed(self));
	EXPECT_EQ(1, probe_info(self, 3).parent);
	EXPECT_EQ(1, probe_info(self, 3).fork_seq);
	c = wait_ev(self, XB_EV_CREATED, 3);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	ASSERT_EQ(2, path_into(self, 1));
	EXPECT_EQ(XB_FORK | XB_TAKEN, path[1].flags);
	EXPECT_EQ(path[1].seq, self->l.e[c].fork_seq);
}

TEST_F(backend, a_resumed_root_snapshot_serves_every_request_from_its_offset)
{
	ASSERT_EQ(0, snapshot_resumed(self));
	ASSERT_EQ(4, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /a\n"));
	EXPECT_TRUE(out_is(&outs[2], "400 UT /b\n"));
	EXPECT_EQ(2, outs[2].decisions);
}

TEST_F(backend, killing_an_unknown_probe_is_enoent)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	EXPECT_EQ(-ENOENT, self->ops->kill(self->b, 7));
}

/* Probe 2 resumed (done, waiting), then killed. */
static int resumed_then_killed(struct _test_data_backend *self)
{
	int err = two_snapshots_held(self);

	if (err)
		return err;
	err = self->ops->resume(self->b, 2, 0, 0);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 2) < 0)
		return -ETIMEDOUT;
	err = self->ops->kill(self->b, 2);
	if (err)
		return err;
	return wait_ev(self, XB_EV_KILLED, 2) < 0 ? -ETIMEDOUT : 0;
}

TEST_F(backend, a_killed_probe_reports_killed_by_sigkill)
{
	int i;

	ASSERT_EQ(0, resumed_then_killed(self));
	i = wait_ev(self, XB_EV_KILLED, 2);
	ASSERT_LE(0, i);
	EXPECT_TRUE(WIFSIGNALED(self->l.e[i].status));
	EXPECT_EQ(SIGKILL, WTERMSIG(self->l.e[i].status));
}

TEST_F(backend, a_killed_probe_is_listed_exited_and_never_reports_exited)
{
	ASSERT_EQ(0, resumed_then_killed(self));
	drain(self, 200);
	EXPECT_EQ(XB_PROBE_EXITED, probe_info(self, 2).state);
	EXPECT_EQ(0, count_ev(self, XB_EV_EXITED, 2));
}

TEST_F(backend, killing_a_probe_that_ended_is_einval)
{
	ASSERT_EQ(0, resumed_then_killed(self));
	EXPECT_EQ(-EINVAL, self->ops->kill(self->b, 2));
}

TEST_F(backend, resuming_a_killed_probe_is_einval)
{
	ASSERT_EQ(0, resumed_then_killed(self));
	EXPECT_EQ(-EINVAL, self->ops->resume(self->b, 2, 0, 0));
}

TEST_F(backend, snapshots_leak_nothing_out)
{
	ASSERT_EQ(0, snapshot_resumed(self));
	EXPECT_FALSE(pipe_has_data(&self->t));
	EXPECT_EQ(0, file_size(self->logpath));
}

TEST_F(backend, close_kills_running_and_held_probes_and_the_target_serves)
{
	char line[64];
	pid_t pid1, pid3;

	ASSERT_EQ(0, snapshot_resumed(self));
	pid1 = probe_info(self, 1).pid;	/* done, waiting */
	pid3 = probe_info(self, 3).pid;	/* held */
	ASSERT_LT(0, pid1);
	ASSERT_LT(0, pid3);
	close_now(self);
	EXPECT_TRUE(dead(pid1));
	EXPECT_TRUE(dead(pid3));
	EXPECT_EQ(0x75, text_byte(self->t.pid, self->t.site[0]));
	ASSERT_EQ(0, ask(&self->t, "GET /x\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /x\n", line);
}

TEST_HARNESS_MAIN
