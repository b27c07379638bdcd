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

/* The jumps of webish built as target @name (started, in @t): how many, in *@j. */
static size_t webish_jccs(struct __test_metadata *_metadata, const char *name,
			  struct target *t, struct insight_jcc **j)
{
	char why[128];
	size_t n = 0;
	int port;

	ASSERT_EQ(0, webish_start_bin(t, name, "/nonexistent.conf", &port));
	ASSERT_EQ(0, insight_find_jccs(t->pid, NULL, j, &n, why, sizeof(why))) TH_LOG("%s", why);
	return n;
}

/*
 * The same program linked dynamically: its libc calls go through PLT
 * stubs, named by the GOT slots they jump through (user/plt.c), so open()'s
 * test is still the environment's and strncmp's data.
 */
TEST(calls_through_the_plt_are_named)
{
	struct insight_jcc *j = NULL;
	struct target t;
	size_t n = webish_jccs(_metadata, "webish_dyn", &t, &j), i;
	int open_env = 0, data = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(j[i].func, "main"))
			continue;
		open_env += j[i].cls == INSIGHT_JCC_ENV && !strcmp(j[i].callee, "open");
		data += j[i].cls == INSIGHT_JCC_DATA && !strcmp(j[i].callee, "strncmp");
	}
	EXPECT_EQ(1, open_env);		/* if (fd < 0) */
	EXPECT_LE(2, data);		/* the two strncmp */
	free(j);
	target_stop(&t);
}

/*
 * Stripped of its symbols (as Debian ships its servers), a function is
 * named by its start from the call frame information: fn_START+OFF.
 */
TEST(functions_without_symbols_are_named_by_their_start)
{
	struct insight_jcc *j = NULL;
	struct target t;
	size_t n = webish_jccs(_metadata, "webish_stripped", &t, &j), i;
	int open_env = 0, named = 0;

	for (i = 0; i < n; i++) {
		EXPECT_NE(0, strcmp(j[i].func, "main"));	/* no symbol left */
		EXPECT_EQ('\0', j[i].src[0]);
		named += !strncmp(j[i].func, "fn_", 3);
		if (j[i].cls == INSIGHT_JCC_ENV && !strcmp(j[i].callee, "open")) {
			open_env++;
			EXPECT_EQ(0, strncmp(j[i].func, "fn_", 3)) TH_LOG("%s", j[i].func);
			EXPECT_LT(0, j[i].func_off);
		}
	}
	EXPECT_EQ(1, open_env);		/* main's if (fd < 0) */
	EXPECT_LT(n / 2, named);
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
