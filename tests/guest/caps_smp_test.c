// SPDX-License-Identifier: GPL-2.0
/*
 * The session's hard caps (Documentation/kmod.rst, "The cap"): max_probes
 * holds while probes split at once, and max_session_mem bounds what a
 * session keeps of its probes' logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "scenario.h"
#include "target.h"
#include "util.h"

#define LOOPER TARGET_DIR "looper"

/* looper, its site under @policy, with insight.ko loaded with @params. */
static void looper_session(struct __test_metadata *_metadata, struct target *t,
			   struct insight_nl **h, uint32_t policy,
			   const char *params)
{
	int err = -1;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), params));
	ASSERT_EQ(0, target_start(t, LOOPER, 0));
	ASSERT_EQ(0, insight_nl_open(h));
	ASSERT_EQ(0, insight_session_new(*h));
	ASSERT_EQ(0, insight_attach(*h, t->pid));
	ASSERT_EQ(0, insight_sites_add(*h, &t->site[0], &policy, 1, &err));
	ASSERT_EQ(0, err);
}

/* Tell looper to run @passes and wait for its own "done" line. */
static void looper_run(struct __test_metadata *_metadata, struct target *t,
		       long passes)
{
	char line[128];

	ASSERT_EQ(0, target_send(t, passes));
	/* its probes may have printed theirs first */
	do {
		ASSERT_EQ(0, target_line(t, line, sizeof(line)));
	} while (atoi(line + 5) != t->pid);
}

/*
 * looper under a FORK site with max_probes=3: every probe loops through
 * the site, so probes split at once, each while others' splits are under
 * way; none exits, so every probe ever created is running at the end.
 */
#define RACE_CAP 3
#define RACE_PASSES 2000

struct cap_race_record {
	int state;
	int probes_rc;
	unsigned int nprobes;
	uint64_t degraded;
	int unload_rc;
};
SCENARIO(cap_race_rec, struct cap_race_record);

static void play_cap_race(struct __test_metadata *_metadata,
			  struct cap_race_record *r)
{
	struct insight_probe_info pi[64];
	struct insight_nl *h;
	struct target t;
	char params[32];
	int status;

	snprintf(params, sizeof(params), "max_probes=%d", RACE_CAP);
	looper_session(_metadata, &t, &h, INSIGHT_POLICY_FORK, params);
	looper_run(_metadata, &t, RACE_PASSES);
	r->probes_rc = insight_probes_get(h, 0, pi, 64, &r->nprobes, &r->degraded);
	insight_nl_close(h);	/* kills the probes, which never exit */
	target_stop(&t);
	while (waitpid(-1, &status, 0) > 0)
		;
	r->unload_rc = mod_unload("insight");
}

FIXTURE(cap_race) {
	const struct cap_race_record *r;
};

FIXTURE_SETUP(cap_race)
{
	SCENARIO_PLAY(cap_race_rec, play_cap_race);
	self->r = cap_race_rec;
}

FIXTURE_TEARDOWN(cap_race)
{
}

TEST_F(cap_race, probes_splitting_at_once_never_exceed_the_cap)
{
	ASSERT_EQ(0, self->r->probes_rc);
	EXPECT_GE(RACE_CAP, self->r->nprobes);
}

TEST_F(cap_race, the_cap_is_reached)
{
	EXPECT_EQ(RACE_CAP, self->r->nprobes);
}

TEST_F(cap_race, splits_beyond_the_cap_count_as_degraded)
{
	EXPECT_LT(0, self->r->degraded);
}

TEST_F(cap_race, module_unloads_afterwards)
{
	EXPECT_EQ(0, self->r->unload_rc);
}

/*
 * looper under a NATURAL site with max_session_mem=1 (MiB): its log grows
 * by doubling until the next doubling would pass the session's total; the
 * decisions beyond are counted lost, none is silently dropped.
 */
#define MEM_PASSES 40000

struct mem_record {
	int state;
	int path_rc;
	unsigned int kept;
	uint64_t lost;
	int unload_rc;
};
SCENARIO(mem_rec, struct mem_record);

static void play_mem(struct __test_metadata *_metadata, struct mem_record *r)
{
	struct insight_decision *d = calloc(MEM_PASSES, sizeof(*d));
	struct insight_nl *h;
	struct target t;

	ASSERT_NE(NULL, d);
	looper_session(_metadata, &t, &h, INSIGHT_POLICY_NATURAL,
		       "max_session_mem=1");
	looper_run(_metadata, &t, MEM_PASSES);
	r->path_rc = insight_path_get(h, 0, 0, d, MEM_PASSES, &r->kept, &r->lost);
	free(d);
	insight_nl_close(h);
	target_stop(&t);
	r->unload_rc = mod_unload("insight");
}

FIXTURE(session_mem) {
	const struct mem_record *r;
};

FIXTURE_SETUP(session_mem)
{
	SCENARIO_PLAY(mem_rec, play_mem);
	self->r = mem_rec;
}

FIXTURE_TEARDOWN(session_mem)
{
}

TEST_F(session_mem, a_session_keeps_no_more_than_max_session_mem)
{
	ASSERT_EQ(0, self->r->path_rc);
	EXPECT_GE(1 << 20, self->r->kept * sizeof(struct insight_decision));
	EXPECT_GT(MEM_PASSES, self->r->kept);
}

TEST_F(session_mem, decisions_beyond_it_are_counted_lost)
{
	EXPECT_EQ(MEM_PASSES, self->r->kept + self->r->lost);
}

TEST_F(session_mem, module_unloads_afterwards)
{
	EXPECT_EQ(0, self->r->unload_rc);
}

TEST_HARNESS_MAIN
