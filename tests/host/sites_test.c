// SPDX-License-Identifier: GPL-2.0
/*
 * insight sites on tests/targets/branchy: its two known conditional jumps
 * are found, with their function and source line; a non-jump is not;
 * bad input gets one line and exit 2.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "sites.h"
#include "target.h"
#include "util.h"

static char out[1 << 20];

TEST(branchy_jumps_are_found_and_symbolised)
{
	char bin[256], *argv[] = { (char *)insight_cli(), "sites", "--pid", NULL, NULL };
	char pidbuf[16], want[128];
	struct target t;
	int status;

	snprintf(bin, sizeof(bin), "%s/branchy", getenv("INSIGHT_TARGET_DIR") ?: TARGET_DIR);
	ASSERT_EQ(0, target_start(&t, bin, 0));
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	argv[3] = pidbuf;
	status = run_capture(argv, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	snprintf(want, sizeof(want), "%#" PRIx64 " jge   main+", t.site[0]);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", want);
	snprintf(want, sizeof(want), "%#" PRIx64 " jne   main+", t.site[1]);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", want);
	EXPECT_NE(NULL, strstr(strstr(out, want) ?: "", "branchy.c:"));
	snprintf(want, sizeof(want), "%#" PRIx64 " ", t.site[2]);	/* not a jump */
	EXPECT_EQ(NULL, strstr(out, want));
	EXPECT_NE(NULL, strstr(out, " conditional jumps\n"));
	target_stop(&t);
}

TEST(bad_input)
{
	char *nolib[] = { (char *)insight_cli(), "sites", "--pid", NULL, "--lib", "nosuchlib", NULL };
	char *nopid[] = { (char *)insight_cli(), "sites", "--pid", "999999", NULL };
	char bin[256], pidbuf[16], want[128];
	struct target t;

	snprintf(bin, sizeof(bin), "%s/branchy", getenv("INSIGHT_TARGET_DIR") ?: TARGET_DIR);
	ASSERT_EQ(0, target_start(&t, bin, 0));
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	nolib[3] = pidbuf;
	EXPECT_EQ(2, WEXITSTATUS(run_capture(nolib, out, sizeof(out))));
	snprintf(want, sizeof(want), "insight: %d maps no object named like 'nosuchlib'\n", t.pid);
	EXPECT_STREQ(want, out);
	target_stop(&t);
	EXPECT_EQ(2, WEXITSTATUS(run_capture(nopid, out, sizeof(out))));
	EXPECT_STREQ("insight: no process 999999\n", out);
}

TEST_HARNESS_MAIN
