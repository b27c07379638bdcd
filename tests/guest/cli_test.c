// SPDX-License-Identifier: GPL-2.0
/*
 * The insight CLI in the guest: `insight version` and `insight status`
 * with and without insight.ko loaded.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include <linux/insight.h>

#include "util.h"

static char out[4096];

static int cli(const char *sub)
{
	char *argv[] = { (char *)insight_cli(), (char *)sub, NULL };

	return run_capture(argv, out, sizeof(out));
}

TEST(version_without_module_exits_2_with_a_clear_message)
{
	int status;

	ASSERT_EQ(0, insight_ensure_unloaded());
	status = cli("version");
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(2, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "insight.ko is not loaded")) TH_LOG("%s", out);
}

TEST(version_with_module_prints_both_abis)
{
	char want[64];
	int status;

	ASSERT_EQ(0, insight_ensure_loaded());
	status = cli("version");
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "insight.ko: ABI %u ", INSIGHT_ABI_VERSION);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "insight CLI: ABI %u\n", INSIGHT_ABI_VERSION);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
}

TEST(status_shows_limits)
{
	int status;

	ASSERT_EQ(0, insight_ensure_loaded());
	status = cli("status");
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "max_probes")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
