// SPDX-License-Identifier: GPL-2.0
/*
 * insight campaign's bad input on the build host: a stack file with an
 * unknown key, a missing value, a bad regex, bad options: one line and
 * exit 2, before the module is needed.  The campaigns themselves run in
 * the guest (tests/guest/campaign_test.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

#define STACK "/tmp/insight-campaign-test.json"

static char out[8192];

/* insight campaign @args on @stack_json (written to STACK): its status. */
static int campaign(const char *stack_json, char *const *args)
{
	char *argv[16] = { (char *)insight_cli(), "campaign" };
	FILE *f = fopen(STACK, "w");
	int i, st;

	if (!f)
		return -1;
	fputs(stack_json, f);
	fclose(f);
	for (i = 0; args[i] && i < 12; i++)
		argv[i + 2] = args[i];
	argv[i + 2] = STACK;
	st = run_capture(argv, out, sizeof(out));
	unlink(STACK);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whether @out is one line that has @what. */
static bool one_line_with(const char *what)
{
	return strstr(out, what) && strchr(out, '\n') == out + strlen(out) - 1;
}

#define GOOD_COMPONENT "{\"name\": \"a\", \"start\": \"sleep 100\"}"
#define GOOD_WORKLOAD "\"workload\": {\"command\": \"true\"}"

static char *none[] = { NULL };

TEST(an_unknown_key_is_named)
{
	EXPECT_EQ(2, campaign("{\"components\": [" GOOD_COMPONENT "], " GOOD_WORKLOAD
			      ", \"colour\": 1}", none));
	EXPECT_TRUE(one_line_with("unknown key \"colour\"")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("{\"components\": [{\"name\": \"a\", \"start\": \"x\", "
			      "\"restart\": \"y\"}], " GOOD_WORKLOAD "}", none));
	EXPECT_TRUE(one_line_with("component: unknown key \"restart\"")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("{\"components\": [" GOOD_COMPONENT "], \"workload\": "
			      "{\"command\": \"true\", \"retries\": 2}}", none));
	EXPECT_TRUE(one_line_with("workload: an object with")) TH_LOG("%s", out);
}

TEST(missing_or_mistyped_values_are_refused)
{
	EXPECT_EQ(2, campaign("{\"components\": [{\"name\": \"a\"}], " GOOD_WORKLOAD "}", none));
	EXPECT_TRUE(one_line_with("\"name\" and \"start\" are strings")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("{\"components\": [], " GOOD_WORKLOAD "}", none));
	EXPECT_TRUE(one_line_with("components: an array of 1 to 16")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("{\"components\": [" GOOD_COMPONENT "]}", none));
	EXPECT_TRUE(one_line_with("workload: missing")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("{\"components\": [" GOOD_COMPONENT ", " GOOD_COMPONENT "], "
			      GOOD_WORKLOAD "}", none));
	EXPECT_TRUE(one_line_with("two components named a")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("{\"components\": [" GOOD_COMPONENT "], \"workload\": "
			      "{\"command\": \"true\", \"runs\": 0}}", none));
	EXPECT_TRUE(one_line_with("runs is 1 to 1000")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("[1, 2]", none));
	EXPECT_TRUE(one_line_with("(not an object)")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("{\"components\": [", none));
	EXPECT_EQ(1, (int)(strchr(out, '\n') == out + strlen(out) - 1)) TH_LOG("%s", out);
}

TEST(a_detector_needs_a_log_and_a_good_regex)
{
	EXPECT_EQ(2, campaign("{\"components\": [{\"name\": \"a\", \"start\": \"x\", "
			      "\"fail\": \"E\"}], " GOOD_WORKLOAD "}", none));
	EXPECT_TRUE(one_line_with("\"fail\" needs \"log\"")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign("{\"components\": [{\"name\": \"a\", \"start\": \"x\", "
			      "\"log\": \"/tmp/l\", \"fail\": \"(\"}], " GOOD_WORKLOAD "}", none));
	EXPECT_TRUE(one_line_with("a: not an extended regular expression: (")) TH_LOG("%s", out);
}

TEST(bad_options_exit_2)
{
	char *cls[] = { "--class", "cosmic", NULL }, *pairs[] = { "--max-pairs", "0", NULL };
	char *only[] = { "--only", "[", NULL };
	char *argv[] = { (char *)insight_cli(), "campaign", NULL };
	const char *good = "{\"components\": [" GOOD_COMPONENT "], " GOOD_WORKLOAD "}";
	int st;

	EXPECT_EQ(2, campaign(good, cls));
	EXPECT_TRUE(one_line_with("--class: one of network")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign(good, pairs));
	EXPECT_TRUE(one_line_with("--max-pairs: a number from 1")) TH_LOG("%s", out);
	EXPECT_EQ(2, campaign(good, only));
	EXPECT_TRUE(one_line_with("--only: not an extended regular expression")) TH_LOG("%s", out);
	st = run_capture(argv, out, sizeof(out));	/* no stack file */
	EXPECT_EQ(2, WEXITSTATUS(st));
	EXPECT_NE(NULL, strstr(out, "usage: insight campaign"));
	EXPECT_EQ(2, campaign("", none));	/* not JSON */
}

TEST(explore_takes_the_advice_of_an_fmap)
{
	char *half[] = { (char *)insight_cli(), "explore", "--in-place", "--pid", "1", "--record", "/none",
			 "--fmap", "/none", NULL };
	char *with[] = { (char *)insight_cli(), "explore", "--in-place", "--pid", "1", "--record", "/none",
			 "--fmap", STACK, "--at", "haproxy", NULL };
	char *adv[] = { (char *)insight_cli(), "campaign", "--advise", "haproxy", "--out", "/tmp",
			NULL };
	int st;
	FILE *f;

	st = run_capture(half, out, sizeof(out));
	EXPECT_EQ(2, WEXITSTATUS(st));
	EXPECT_TRUE(one_line_with("--fmap and --at go together")) TH_LOG("%s", out);
	f = fopen(STACK, "w");
	fputs("[]", f);
	fclose(f);
	st = run_capture(with, out, sizeof(out));
	EXPECT_EQ(2, WEXITSTATUS(st));
	EXPECT_TRUE(one_line_with("not an f-map")) TH_LOG("%s", out);
	f = fopen(STACK, "w");
	fputs("{\"edges\": [{\"from\": \"redis\", \"to\": \"haproxy\", \"count\": 4}]}", f);
	fclose(f);
	st = run_capture(with, out, sizeof(out));	/* the advice, then no record */
	EXPECT_EQ(2, WEXITSTATUS(st));
	EXPECT_NE(NULL, strstr(out, "insight: f-map: shadow redis first: its faults made haproxy "
			       "fail in 4 runs\n")) TH_LOG("%s", out);
	rename(STACK, "/tmp/fmap.json");
	st = run_capture(adv, out, sizeof(out));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_STREQ("shadow redis first: its faults made haproxy fail in 4 runs\n", out);
	unlink("/tmp/fmap.json");
}

TEST_HARNESS_MAIN
