// SPDX-License-Identifier: GPL-2.0
/*
 * insight.ko load/unload: parameters, bad parameters, and no leak over
 * 20 load/unload cycles, counted exactly with SLUB allocation tracking
 * (the guest boots with slub_debug=U) and checked against a module that
 * does leak, so the check is known to be able to fail.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "util.h"

#define CYCLES 20

/*
 * Load and unload @path CYCLES times after one warm-up cycle (first-use
 * allocations are not leaks).  Returns how many more slab objects are
 * owned by unloaded-module code afterwards (exact, see util.h) and logs
 * the approximate slab figures.
 */
static long long cycle_leak(struct __test_metadata *_metadata,
			    const char *path, const char *name)
{
	long long before, after, bytes_before, bytes_after;
	int i;

	ASSERT_EQ(0, mod_load(path, NULL));
	ASSERT_EQ(0, mod_unload(name));
	before = orphan_slab_objects();
	ASSERT_LE(0, before) TH_LOG("no SLUB tracking: boot the guest with slub_debug=U");
	bytes_before = slab_active_bytes();
	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, mod_load(path, NULL));
		ASSERT_EQ(0, mod_unload(name));
	}
	after = orphan_slab_objects();
	bytes_after = slab_active_bytes();
	TH_LOG("%s, %d cycles: orphan objects %lld -> %lld; slab in use %lld -> %lld bytes",
	       name, CYCLES, before, after, bytes_before, bytes_after);
	return after - before;
}

TEST(load_unload_20_times_leaks_nothing)
{
	ASSERT_EQ(0, insight_ensure_unloaded());
	EXPECT_EQ(0, cycle_leak(_metadata, insight_ko(), "insight"));
	EXPECT_FALSE(mod_loaded("insight"));
}

/* The same check must see each of the 20 objects a leaking module leaves. */
TEST(leak_check_detects_a_leaking_module)
{
	EXPECT_EQ(CYCLES, cycle_leak(_metadata, test_module("insight_leaky"),
				     "insight_leaky"));
}

/*
 * At load the module checks that uprobes keep the instruction pointer a
 * handler set (kmod/selftest.c), and says so.
 */
TEST(uprobes_self_test_runs_and_passes_at_load)
{
	int kmsg;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_LE(0, kmsg = kmsg_from_now());
	ASSERT_EQ(0, mod_load(insight_ko(), NULL));
	EXPECT_TRUE(kmsg_has(kmsg, "uprobes self-test passed"));
	close(kmsg);
	EXPECT_EQ(0, mod_unload("insight"));
}

/*
 * fake_old_uprobes (test only) makes the self-test's handlers land where
 * a kernel without upstream 4363264111e1 would: the load is refused with
 * EOPNOTSUPP and the reason in the log, and refused loads leave nothing.
 */
TEST(old_uprobes_refuse_the_load_with_eopnotsupp)
{
	long long before, after;
	int kmsg, i;

	ASSERT_EQ(0, insight_ensure_unloaded());
	before = orphan_slab_objects();
	ASSERT_LE(0, before) TH_LOG("no SLUB tracking: boot the guest with slub_debug=U");
	ASSERT_LE(0, kmsg = kmsg_from_now());
	EXPECT_EQ(-EOPNOTSUPP, mod_load(insight_ko(), "fake_old_uprobes=1"));
	EXPECT_FALSE(mod_loaded("insight"));
	EXPECT_TRUE(kmsg_has(kmsg, "the jump was emulated after its handler moved"));
	close(kmsg);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(-EOPNOTSUPP, mod_load(insight_ko(), "fake_old_uprobes=1"));
	after = orphan_slab_objects();
	EXPECT_EQ(before, after);
	EXPECT_EQ(0, mod_load(insight_ko(), NULL));	/* and the real one loads */
}

TEST(parameters_are_visible_read_only)
{
	static const char * const params[] = { "max_sessions", "max_sites", "max_probes" };
	char path[128];
	struct stat st;
	unsigned int i;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), "max_probes=7"));
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/insight/parameters/%s", params[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0444, st.st_mode & 0777);
	}
	{
		FILE *f = fopen("/sys/module/insight/parameters/max_probes", "r");
		unsigned int v = 0;

		ASSERT_NE(NULL, f);
		ASSERT_EQ(1, fscanf(f, "%u", &v));
		fclose(f);
		EXPECT_EQ(7, v);
	}
	EXPECT_EQ(0, mod_unload("insight"));
}

TEST(zero_limit_is_refused_and_leaves_nothing)
{
	ASSERT_EQ(0, insight_ensure_unloaded());
	EXPECT_EQ(-EINVAL, mod_load(insight_ko(), "max_probes=0"));
	EXPECT_FALSE(mod_loaded("insight"));
	/* the family was never left registered: a normal load still works */
	EXPECT_EQ(0, mod_load(insight_ko(), NULL));
	EXPECT_EQ(0, mod_unload("insight"));
}

TEST(malformed_parameter_is_refused)
{
	ASSERT_EQ(0, insight_ensure_unloaded());
	EXPECT_EQ(-EINVAL, mod_load(insight_ko(), "max_probes=many"));
	EXPECT_FALSE(mod_loaded("insight"));
}

TEST_HARNESS_MAIN
