// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract against each backend: the end of a request in epoll_wait().  One body per
 * behaviour; the fixture is tests/lib/backend_fixture.h.
 */
#include "backend_fixture.h"

/*
 * ptarget in epoll mode, done with "GET /a" in epoll_wait, its root
 * snapshot held; "PUT /r" sent for real.
 */
static int done_in_epoll_wait(struct _test_data_backend *self)
{
	int err = start_ex(self, "GET /a\n", START_EPOLL);

	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0)
		return -ETIMEDOUT;
	return fputs("PUT /r\n", self->t.in) < 0 || fflush(self->t.in) ? -EIO : 0;
}

TEST_F(backend, a_probe_entering_epoll_wait_is_done)
{
	ASSERT_EQ(0, done_in_epoll_wait(self));
	ASSERT_EQ(2, outputs_of(self, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a\n"));
}

TEST_F(backend, done_in_epoll_wait_the_target_waits_while_the_session_lasts)
{
	ASSERT_EQ(0, done_in_epoll_wait(self));
	EXPECT_FALSE(line_within(self, 500));
	EXPECT_EQ(2, outputs_of(self, 0, 0));
}

TEST_F(backend, a_resumed_probe_is_done_in_epoll_wait_too)
{
	ASSERT_EQ(0, done_in_epoll_wait(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_EQ(2, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /a\n"));
	EXPECT_EQ(1, count_ev(self, XB_EV_DONE, 0));
}

TEST_F(backend, a_probe_done_in_epoll_wait_can_be_killed)
{
	ASSERT_EQ(0, done_in_epoll_wait(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_EQ(0, self->ops->kill(self->b, 1));
	ASSERT_LE(0, wait_ev(self, XB_EV_KILLED, 1));
	EXPECT_EQ(0, file_size(self->logpath));
}

TEST_F(backend, after_close_the_target_makes_its_epoll_wait_and_serves_for_real)
{
	unsigned char before[CODE], after[CODE];
	char line[64];

	ASSERT_EQ(0, start_target(self, START_EPOLL));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.site[0], before, CODE));
	ASSERT_EQ(0, open_on(self, "GET /a\n", 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_EQ(0, fputs("PUT /r\n", self->t.in) < 0 || fflush(self->t.in));
	close_now(self);
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_STREQ("400 UT /r\n", line);
	EXPECT_EQ(0, wait_size(self->logpath, strlen("served UT /r\n")));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.site[0], after, CODE));
	EXPECT_EQ(0, memcmp(before, after, CODE));
	ASSERT_EQ(0, ask(&self->t, "GET /z\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /z\n", line);
}

/* ptarget in epoll mode, one real request served, opened in its epoll_wait(). */
static int open_in_epoll_wait(struct _test_data_backend *self)
{
	char line[64];
	int err = start_target(self, START_EPOLL);

	if (err)
		return err;
	if (ask(&self->t, "GET /z\n", line, sizeof(line)) || strcmp(line, "200 ET /z\n"))
		return -EIO;
	if (wait_sleeping(self->t.pid))
		return -ETIMEDOUT;
	return open_on(self, "HEAD /2\n", 0);
}

TEST_F(backend, opened_in_epoll_wait_the_target_stays_in_it)
{
	ASSERT_EQ(0, open_in_epoll_wait(self));
	/* restarted, not interrupted: no EINTR makes it exit */
	EXPECT_EQ(0, self->ops->events(self->b, self->l.e, EVMAX, 300));
}

TEST_F(backend, woken_by_real_data_from_epoll_wait_the_target_reads_the_input)
{
	ASSERT_EQ(0, open_in_epoll_wait(self));
	ASSERT_EQ(0, fputs("GET /w\n", self->t.in) < 0 || fflush(self->t.in));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	EXPECT_EQ(0, count_ev(self, XB_EV_EXITED, 0));
	ASSERT_EQ(2, outputs_of(self, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 EAD /2\n"));
	EXPECT_FALSE(line_within(self, 300));
}

TEST_F(backend, the_real_data_that_woke_the_target_is_served_after_close)
{
	char line[64];

	ASSERT_EQ(0, open_in_epoll_wait(self));
	ASSERT_EQ(0, fputs("GET /w\n", self->t.in) < 0 || fflush(self->t.in));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	close_now(self);
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_STREQ("200 ET /w\n", line);
	ASSERT_EQ(0, ask(&self->t, "GET /v\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /v\n", line);
}

TEST_HARNESS_MAIN
