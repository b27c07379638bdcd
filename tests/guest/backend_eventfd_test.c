// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract for a thread waking another through an eventfd
 * (memcached's listener hands each connection to a worker so), against
 * each backend: a write to an eventfd no other process holds runs; one
 * to an eventfd a copy holds too (made before the root snapshot's fork)
 * is captured, so a copy never wakes the target's threads, nor the target
 * a copy's.  ptarget answers with what its eventfd counts after writing 1
 * to it.  The fixture is tests/lib/backend_fixture.h.
 */
#include "backend_fixture.h"

TEST_F(backend, a_write_to_an_eventfd_of_its_own_runs)
{
	ASSERT_EQ(0, start_ex(self, TWO, START_EFD_OWN));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_LE(2, outputs_of(self, 0, 0));	/* the reply, the log's line */
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a 1\n"));
}

TEST_F(backend, a_write_to_an_eventfd_of_a_copys_own_runs_too)
{
	ASSERT_EQ(0, start_ex(self, "GET /a\n", START_EFD_OWN));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_LE(1, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a 1\n"));
}

TEST_F(backend, a_write_to_an_eventfd_the_root_snapshot_holds_is_captured)
{
	int n, i;

	ASSERT_EQ(0, start_ex(self, TWO, START_EFD_EARLY));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	n = outputs_of(self, 0, 0);
	ASSERT_LE(3, n);	/* the eventfd's, its read refused, the reply... */
	EXPECT_EQ(8, outs[0].len);
	EXPECT_EQ(8, outs[0].captured);
	for (i = 1; i < n && !out_is(&outs[i], "200 ET /a none\n"); i++)
		;
	EXPECT_LT(i, n);	/* its count stayed 0 */
}

TEST_HARNESS_MAIN
