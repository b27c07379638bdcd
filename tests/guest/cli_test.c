// SPDX-License-Identifier: GPL-2.0
/*
 * The insight CLI in the guest: `insight version` and `insight status`
 * with and without insight.ko loaded; `insight explore --backend kmod`
 * refusing bad input and leaving nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "failure_record.h"
#include "kselftest_harness.h"
#include <linux/insight.h>

#include "sites.h"
#include "target.h"
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

TEST(explore_kmod_quota_above_the_cap_leaves_nothing)
{
	static const char rec[] = "/tmp/cli-test-explore.json";
	unsigned char before[64], after[64];
	char pid[16], why[128], resp[256];
	char *argv[] = { (char *)insight_cli(), "explore", "--in-place", "--pid", pid, "--record",
			 (char *)rec, "--backend", "kmod", "--quota", "65", NULL };
	struct insight_jcc *j;
	struct target t;
	int port, st;
	size_t nj;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, webish_start(&t, "/nonexistent.conf", &port));
	snprintf(pid, sizeof(pid), "%d", t.pid);
	ASSERT_EQ(0, insight_find_jccs(t.pid, NULL, &j, &nj, why, sizeof(why)));
	ASSERT_LT(0, nj);
	ASSERT_EQ(0, read_mem(t.pid, j[0].addr, before, sizeof(before)));
	ASSERT_EQ(0, write_failure_record(rec, "webish", "GET ", 4, "ok", 2));
	st = run_capture(argv, out, sizeof(out));
	EXPECT_EQ(2, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	EXPECT_STREQ("insight: --quota 65 is above the backend's cap of 64 running probes\n", out);
	/* no session, no breakpoint left; webish answers */
	st = cli("status");
	EXPECT_NE(NULL, strstr(out, "sessions      0 open")) TH_LOG("%s", out);
	ASSERT_EQ(0, read_mem(t.pid, j[0].addr, after, sizeof(after)));
	EXPECT_EQ(0, memcmp(before, after, sizeof(before)));
	EXPECT_LT(0, http_get(port, "/", resp, sizeof(resp)));
	EXPECT_NE(NULL, strstr(resp, "hello"));
	target_stop(&t);
	unlink(rec);
	free(j);
}

TEST_HARNESS_MAIN
