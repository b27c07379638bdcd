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

/*
 * What webish's jumps depend on (tests/targets/webish.c): the socket
 * calls' and open()'s results are the environment, the request checks
 * (strncmp, an ifunc stub in a static binary) are data.
 */
TEST(jumps_are_classified_by_what_they_test)
{
	struct insight_jcc *j;
	struct target t;
	size_t n, i;
	char why[128];
	int port, env = 0, data = 0, open_env = 0;

	ASSERT_EQ(0, webish_start(&t, "/nonexistent.conf", &port));
	ASSERT_EQ(0, insight_find_jccs(t.pid, NULL, &j, &n, why, sizeof(why))) TH_LOG("%s", why);
	for (i = 0; i < n; i++) {
		if (strcmp(j[i].func, "main"))
			continue;
		env += j[i].cls == INSIGHT_JCC_ENV;
		data += j[i].cls == INSIGHT_JCC_DATA;
		if (j[i].cls == INSIGHT_JCC_ENV && !strcmp(j[i].callee, "open")) {
			open_env++;
			EXPECT_NE(NULL, strstr(j[i].src, "webish.c:"));
			EXPECT_EQ(0, strncmp(j[i].cond, "test", 4)) TH_LOG("%s", j[i].cond);
		}
	}
	EXPECT_EQ(1, open_env);		/* if (fd < 0) */
	EXPECT_LE(4, env);		/* socket, bind, listen, accept, open */
	EXPECT_LE(2, data);		/* the two strncmp */
	free(j);
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
