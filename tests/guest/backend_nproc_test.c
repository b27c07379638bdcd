// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract for a program that forbids itself to fork (as
 * haproxy does once it runs unprivileged): ptarget as nobody with
 * RLIMIT_NPROC 0, against each backend.  A probe's clone() is the
 * program's own, so each backend lifts the limit for it and gives it
 * back, to the target and to the probe.  The fixture is
 * tests/lib/backend_fixture.h.
 */
#include <sys/resource.h>

#include "backend_fixture.h"

#define NOBODY 65534

/* ptarget as nobody at RLIMIT_NPROC 0, the backend open on it with @input. */
static int start_unforkable(struct _test_data_backend *self, const char *input)
{
	char *argv[] = { (char *)target_bin("ptarget"), self->logpath, "plain", NULL };
	struct rlimit none = { 0, 0 };
	int err;

	set_logpath(self);
	if (chown(self->logpath, NOBODY, NOBODY))
		return -errno;
	err = target_startv(&self->t, argv, NOBODY);
	if (!err && wait_sleeping(self->t.pid))
		err = -ETIMEDOUT;
	if (!err && prlimit(self->t.pid, RLIMIT_NPROC, &none, NULL))
		err = -errno;
	return err ?: open_on(self, input, 0);
}

/* @pid's soft RLIMIT_NPROC, or -1. */
static long long nproc_of(pid_t pid)
{
	struct rlimit now;

	if (prlimit(pid, RLIMIT_NPROC, NULL, &now))
		return -1;
	return now.rlim_cur == RLIM_INFINITY ? -2 : (long long)now.rlim_cur;
}

TEST_F(backend, a_target_at_rlimit_nproc_0_still_gets_its_root_snapshot)
{
	struct xb_probe p1;

	ASSERT_EQ(0, start_unforkable(self, TWO));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	p1 = probe_info(self, 1);
	EXPECT_EQ(XB_PROBE_HELD, p1.state);
	EXPECT_EQ(0, count_ev(self, XB_EV_QUOTA, 0));
}

TEST_F(backend, the_target_keeps_its_rlimit_nproc_of_0)
{
	ASSERT_EQ(0, start_unforkable(self, TWO));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	EXPECT_EQ(0, nproc_of(self->t.pid));
}

TEST_F(backend, the_root_snapshot_has_the_rlimit_nproc_of_0_too)
{
	ASSERT_EQ(0, start_unforkable(self, TWO));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	EXPECT_EQ(0, nproc_of(probe_info(self, 1).pid));
}

TEST_F(backend, a_resumed_probe_of_it_answers)
{
	ASSERT_EQ(0, start_unforkable(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_LE(1, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a\n"));
}

TEST_HARNESS_MAIN
