// SPDX-License-Identifier: GPL-2.0
/*
 * The explorer's search and ranking (user/explore/) driven by a scripted
 * backend (tests/lib/fake_backend.h), without a kernel or a process:
 * which deviations it tries, in which order, what it prunes, what it
 * reports, under quota 1 and 4, at depths 1 to 3, and at the held cap.
 *
 * Each script is a straight-line program: steps at sites 0..n with a
 * natural direction and the outputs each direction writes.  The record's
 * outputs (what the failure wrote) are given; the shadow's data (the
 * natural directions) must be deviated from to reproduce them.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "explore.h"
#include "fake_backend.h"

/* scripts list only the fields a step needs */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define MAX_SITES 16

static const struct insight_match_opts opts = { INSIGHT_NORM_DEFAULT, INSIGHT_KINDS_DEFAULT, 0 };

struct outcome {
	struct fake_log log;
	struct explore_result res;
	struct run best;
	size_t sus[MAX_SUSPECTS], nsus;
	bool natural;
	int err;
	struct insight_jcc j[MAX_SITES];
};

/*
 * Explore @s whose sites have the classes @cls (one letter a site: E
 * environment, D data, C call, N none), against the record's outputs
 * @expect, with @quota probes at once.
 */
static void explore_script(struct outcome *o, const struct fake_script *s, const char *cls,
			   const char *const *expect, unsigned int quota)
{
	struct insight_output_rec exp_out[8];
	bool cut[8] = { false };
	struct expect exp = { exp_out, cut, 0 };
	struct xb_config cfg = { .nsites = strlen(cls) };
	struct ex x = { 0 };
	int refused[MAX_SITES];
	size_t k;
	char why[64];

	memset(o, 0, sizeof(*o));
	for (k = 0; k < cfg.nsites; k++) {
		o->j[k].addr = 0x1000 + 16 * k;
		snprintf(o->j[k].func, sizeof(o->j[k].func), "f%zu", k);
		o->j[k].cls = cls[k] == 'E' ? INSIGHT_JCC_ENV : cls[k] == 'D' ? INSIGHT_JCC_DATA :
			      cls[k] == 'C' ? INSIGHT_JCC_CALL : INSIGHT_JCC_NONE;
	}
	for (; expect[exp.n]; exp.n++)
		exp_out[exp.n] = (struct insight_output_rec){ 3, (const uint8_t *)expect[exp.n],
							       strlen(expect[exp.n]), false, false };
	fake_backend_script(s, &o->log);
	x.ops = &xb_fake_ops;
	x.j = o->j;
	x.nj = cfg.nsites;
	x.exp = &exp;
	x.match = &opts;
	x.quota = quota;
	x.start = explore_now();
	x.deadline = x.start + 5;
	if (probes_init(&x) || x.ops->open(&x.b, &cfg, refused, why, sizeof(why))) {
		o->err = -1;
		return;
	}
	o->err = explore_run(&x, &o->best, o->sus, &o->nsus, &o->natural);
	if (!o->err)
		o->err = result_build(&o->res, &x, &o->best, o->sus, o->nsus, o->natural, NULL);
	o->res.timed_out = x.timed_out;
	x.ops->close(x.b);
	probes_free(&x);
}

static void outcome_free(struct outcome *o)
{
	result_free(&o->res);
	run_free(&o->best);
}

/* The site of suspect @k of @o. */
static int suspect_site(const struct outcome *o, size_t k)
{
	return k < o->res.nsus && o->res.sus[k].j ? (int)(o->res.sus[k].j - o->j) : -1;
}

/* How many resumes of @o were of a snapshot held at step @step, taken @taken. */
static int resumed_at(const struct outcome *o, size_t step, bool taken)
{
	size_t k;
	int n = 0;

	for (k = 0; k < o->log.nresumes; k++)
		n += o->log.resumes[k].step == step && o->log.resumes[k].taken == taken;
	return n;
}

/* Whether probe @probe of @o was killed while it still ran. */
static bool pruned(const struct outcome *o, unsigned int probe)
{
	size_t k;

	for (k = 0; k < o->log.npruned; k++)
		if (o->log.pruned[k] == probe)
			return true;
	return false;
}

/*
 * One deviation: production's open() failed (site 3, environment) where
 * the shadow's succeeds; site 2 (data) changes the output too.
 */
static const struct fake_step one_dev[] = {
	{ 0, false }, { 1, false },
	{ 2, false, "BAD\n", NULL },
	{ 3, true, "OK\n", "ERR no config\n" },
	{ 4, false }, { 5, true },
};
static const struct fake_script one_dev_script = { one_dev, 6, 1 };
static const char *const one_dev_expect[] = { "ERR no config\n", NULL };

TEST(one_deviation_reproduces_the_failure)
{
	struct outcome o;

	explore_script(&o, &one_dev_script, "NNDECN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_REPRODUCED, o.res.status);
	EXPECT_EQ(1, o.res.ndev);
	EXPECT_EQ(1, o.res.matched);
	EXPECT_FALSE(o.res.timed_out);
	EXPECT_TRUE(o.log.closed);
	outcome_free(&o);
}

TEST(the_deviation_is_the_top_suspect_with_the_failures_direction)
{
	struct outcome o;

	explore_script(&o, &one_dev_script, "NNDECN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	ASSERT_EQ(1, o.res.nsus);
	EXPECT_EQ(3, suspect_site(&o, 0));
	EXPECT_TRUE(o.res.sus[0].deviated);
	EXPECT_TRUE(o.res.sus[0].shadow_taken);
	EXPECT_FALSE(o.res.sus[0].failure_taken);
	/* the path starts at the request (the root's step 1) */
	EXPECT_EQ(2, o.res.sus[0].index);
	EXPECT_EQ(5, o.res.npath);
	outcome_free(&o);
}

TEST(the_root_is_resumed_its_own_way_to_take_the_snapshots)
{
	struct outcome o;

	explore_script(&o, &one_dev_script, "NNDECN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	ASSERT_LE(1, o.log.nresumes);
	EXPECT_EQ(1, o.log.resumes[0].step);
	EXPECT_FALSE(o.log.resumes[0].taken);	/* step 1's natural direction */
	EXPECT_TRUE(o.log.resumes[0].keep);
	outcome_free(&o);
}

/* Sites 2 and 3 both decide the output written after step 4; 3 is the nearer. */
static const struct fake_step far_env[] = {
	{ 0, false }, { 1, false },
	{ 2, true, "OK\n", "ERR no config\n", .out_at = 4 },
	{ 3, false, "BAD\n", NULL, .out_at = 4 },
	{ 4, false }, { 5, true },
};
static const struct fake_script far_env_script = { far_env, 6, 1 };

TEST(environment_branch_is_tried_before_the_nearer_data_one)
{
	struct outcome o;

	explore_script(&o, &far_env_script, "NNEDNN", one_dev_expect, 1);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_REPRODUCED, o.res.status);
	/* root rerun, then site 2's snapshot flipped; site 3 never tried */
	ASSERT_EQ(2, o.log.nresumes);
	EXPECT_EQ(2, o.log.resumes[1].step);
	EXPECT_FALSE(o.log.resumes[1].taken);
	EXPECT_EQ(0, resumed_at(&o, 3, true));
	outcome_free(&o);
}

TEST(without_classes_the_nearest_branch_is_tried_first)
{
	struct outcome o;

	explore_script(&o, &far_env_script, "NNNNNN", one_dev_expect, 1);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_REPRODUCED, o.res.status);
	/* nearest first: step 4, then 3 (both fail), then 2 */
	ASSERT_EQ(4, o.log.nresumes);
	EXPECT_EQ(4, o.log.resumes[1].step);
	EXPECT_EQ(3, o.log.resumes[2].step);
	EXPECT_EQ(2, o.log.resumes[3].step);
	outcome_free(&o);
}

TEST(quota_1_runs_one_probe_at_a_time_and_stops_at_the_match)
{
	struct outcome o;

	explore_script(&o, &one_dev_script, "NNDECN", one_dev_expect, 1);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_REPRODUCED, o.res.status);
	EXPECT_EQ(1, o.log.max_running);
	/* site 3 (environment) first and it matches: site 2 is never resumed */
	EXPECT_EQ(1, resumed_at(&o, 3, false));
	EXPECT_EQ(0, resumed_at(&o, 2, true));
	outcome_free(&o);
}

TEST(quota_4_runs_candidates_at_once)
{
	struct outcome o;

	explore_script(&o, &one_dev_script, "NNDECN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	/* both candidates (sites 3 and 2) start before either is read */
	EXPECT_EQ(1, resumed_at(&o, 3, false));
	EXPECT_EQ(1, resumed_at(&o, 2, true));
	EXPECT_EQ(2, o.log.max_running);
	outcome_free(&o);
}

/* A deviation whose first output already differs is pruned, still running. */
TEST(a_probe_whose_output_stops_matching_is_pruned_before_its_end)
{
	static const struct fake_step s[] = {
		{ 0, false }, { 1, false },
		{ 2, false, "WRONG\n", NULL },
		{ 3, true, "OK\n", "ERR no config\n" },
		{ 4, false }, { 5, false }, { 6, false }, { 7, false },
	};
	static const struct fake_script sc = { s, 8, 1 };
	struct outcome o;
	size_t k;
	bool pruned_2 = false;

	explore_script(&o, &sc, "NNDENNNN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_REPRODUCED, o.res.status);
	EXPECT_LE(1, o.res.st.pruned);
	/* the probe resumed at step 2 (taken: "WRONG") was killed while running */
	for (k = 0; k < o.log.nresumes; k++)
		if (o.log.resumes[k].step == 2 && o.log.resumes[k].taken)
			pruned_2 |= pruned(&o, o.log.resumes[k].probe);
	EXPECT_EQ(1, resumed_at(&o, 2, true));
	EXPECT_TRUE(pruned_2);
	outcome_free(&o);
}

/* Two deviations: the second found from the best partial run's copy. */
static const struct fake_step two_dev[] = {
	{ 0, false }, { 1, false },
	{ 2, true, "ok a\n", "ERR a\n" },
	{ 3, false },
	{ 4, true, "ok b\n", "ERR b\n" },
	{ 5, false },
};
static const struct fake_script two_dev_script = { two_dev, 6, 1 };
static const char *const two_dev_expect[] = { "ERR a\n", "ERR b\n", NULL };

TEST(two_deviations_are_found_at_depth_2)
{
	struct outcome o;

	explore_script(&o, &two_dev_script, "NNENEN", two_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_REPRODUCED, o.res.status);
	EXPECT_EQ(2, o.res.ndev);
	EXPECT_EQ(2, o.res.matched);
	/* the later deviation ranks first among equals */
	EXPECT_EQ(4, suspect_site(&o, 0));
	EXPECT_EQ(2, suspect_site(&o, 1));
	outcome_free(&o);
}

TEST(depth_2_goes_on_from_the_kept_copy_of_the_first_deviation)
{
	struct outcome o;
	size_t k;
	int from_copy = 0;

	explore_script(&o, &two_dev_script, "NNENEN", two_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	/* the copy left at step 2 is rerun the deviated way (not taken) */
	for (k = 1; k < o.log.nresumes; k++)
		from_copy += o.log.resumes[k].step == 2 && !o.log.resumes[k].taken &&
			     o.log.resumes[k].keep;
	EXPECT_LE(2, from_copy);	/* once as a candidate, once as the node */
	EXPECT_EQ(1, resumed_at(&o, 4, false));
	outcome_free(&o);
}

TEST(three_deviations_are_found_at_depth_3)
{
	static const struct fake_step s[] = {
		{ 0, false }, { 1, false },
		{ 2, true, "ok a\n", "ERR a\n" },
		{ 3, true, "ok b\n", "ERR b\n" },
		{ 4, true, "ok c\n", "ERR c\n" },
		{ 5, false },
	};
	static const struct fake_script sc = { s, 6, 1 };
	static const char *const expect[] = { "ERR a\n", "ERR b\n", "ERR c\n", NULL };
	struct outcome o;

	explore_script(&o, &sc, "NNEEEN", expect, 1);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_REPRODUCED, o.res.status);
	EXPECT_EQ(3, o.res.ndev);
	EXPECT_EQ(1, o.log.max_running);
	outcome_free(&o);
}

TEST(no_reproducing_path_reports_partial_with_the_best_prefix)
{
	static const char *const expect[] = { "ERR a\n", "never written\n", NULL };
	struct outcome o;

	explore_script(&o, &two_dev_script, "NNENEN", expect, 4);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_PARTIAL, o.res.status);
	EXPECT_EQ(1, o.res.matched);
	EXPECT_FALSE(o.res.timed_out);
	outcome_free(&o);
}

/* The shadow fails as production did: which branches decide it? */
static const struct fake_step natural[] = {
	{ 0, false }, { 1, false },
	{ 2, false, "other\n", NULL },	/* a flip changes the outputs */
	{ 3, false },			/* a flip changes nothing */
	{ 4, true, NULL, "different\n" },
	{ 5, false, NULL, NULL },
	{ 6, true, "ERR no config\n", "ERR no config\n" },
};
static const struct fake_script natural_script = { natural, 7, 1 };

TEST(a_natural_failure_is_reported_without_deviation)
{
	struct outcome o;

	explore_script(&o, &natural_script, "NNCNENN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	EXPECT_TRUE(o.natural);
	EXPECT_EQ(EXPLORE_NATURAL, o.res.status);
	EXPECT_EQ(0, o.res.ndev);
	outcome_free(&o);
}

TEST(a_natural_failures_suspects_are_the_deciding_flips_nearest_first)
{
	struct outcome o;

	explore_script(&o, &natural_script, "NNCNENN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	ASSERT_EQ(2, o.res.nsus);
	EXPECT_EQ(4, suspect_site(&o, 0));
	EXPECT_EQ(2, suspect_site(&o, 1));
	EXPECT_FALSE(o.res.sus[0].deviated);
	outcome_free(&o);
}

TEST(at_the_held_cap_a_quota_ends_the_wait_for_a_copy)
{
	/* room for the root and one more held snapshot: copies get QUOTAs */
	static const struct fake_script sc = { one_dev, 6, 1, 2 };
	struct outcome o;

	explore_script(&o, &sc, "NNDECN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	EXPECT_LE(1, o.log.quotas);
	EXPECT_LE(1, o.res.lost.degraded);
	EXPECT_FALSE(o.res.timed_out);
	outcome_free(&o);
}

TEST(a_crashing_deviation_is_a_run_not_a_match)
{
	static const struct fake_step s[] = {
		{ 0, false }, { 1, false },
		{ 2, true, "OK\n", NULL, false, true },	/* the flip crashes */
		{ 3, false }, { 4, false },
	};
	static const struct fake_script sc = { s, 5, 1 };
	struct outcome o;

	explore_script(&o, &sc, "NNENN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_PARTIAL, o.res.status);
	EXPECT_EQ(0, o.res.matched);
	EXPECT_FALSE(o.res.timed_out);
	outcome_free(&o);
}

/* An end never told (a lost event): the probe list says so, no timeout. */
TEST(a_probe_whose_exit_event_is_lost_still_ends)
{
	static const struct fake_step s[] = {
		{ 0, false }, { 1, false },
		{ 2, true, "OK\n", NULL, false, true },	/* the flip crashes */
		{ 3, false }, { 4, false },
	};
	static const struct fake_script sc = { s, 5, 1, .lose_exits = true };
	struct outcome o;

	explore_script(&o, &sc, "NNENN", one_dev_expect, 4);
	ASSERT_EQ(0, o.err);
	EXPECT_EQ(EXPLORE_PARTIAL, o.res.status);
	EXPECT_FALSE(o.res.timed_out);
	outcome_free(&o);
}

TEST(no_branch_after_the_request_means_no_root)
{
	static const struct fake_step s[] = { { 0, false, "OK\n", NULL } };
	static const struct fake_script sc = { s, 1, 1 };
	struct outcome o;

	explore_script(&o, &sc, "N", one_dev_expect, 4);
	EXPECT_EQ(-ESRCH, o.err);
	EXPECT_TRUE(o.log.closed);
}

TEST_HARNESS_MAIN
