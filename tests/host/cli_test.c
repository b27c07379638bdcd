// SPDX-License-Identifier: GPL-2.0
/*
 * The insight CLI on the build host, whose kernel cannot load modules:
 * usage errors and the "module not loaded" path; modinfo of insight.ko.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[4096];

static int cli(const char *a, const char *b)
{
	char *argv[] = { (char *)insight_cli(), (char *)a, (char *)b, NULL };

	return run_capture(argv, out, sizeof(out));
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(version_without_module_exits_2)
{
	EXPECT_EQ(2, exit_code(cli("version", NULL)));
	EXPECT_NE(NULL, strstr(out, "insight.ko is not loaded")) TH_LOG("%s", out);
}

TEST(status_without_module_exits_2)
{
	EXPECT_EQ(2, exit_code(cli("status", NULL)));
	EXPECT_NE(NULL, strstr(out, "insight.ko is not loaded")) TH_LOG("%s", out);
}

TEST(unknown_command_exits_2_with_one_line)
{
	EXPECT_EQ(2, exit_code(cli("frobnicate", NULL)));
	EXPECT_STREQ("insight: unknown command 'frobnicate' (try: insight help)\n", out);
}

TEST(extra_argument_exits_2)
{
	EXPECT_EQ(2, exit_code(cli("version", "extra")));
	EXPECT_STREQ("insight: version takes no arguments\n", out);
}

TEST(no_command_prints_usage_exits_2)
{
	EXPECT_EQ(2, exit_code(cli(NULL, NULL)));
	EXPECT_NE(NULL, strstr(out, "usage: insight")) TH_LOG("%s", out);
}

TEST(help_lists_commands_exits_0)
{
	EXPECT_EQ(0, exit_code(cli("help", NULL)));
	EXPECT_NE(NULL, strstr(out, "version")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "status")) TH_LOG("%s", out);
}

/* modinfo (kmod) shows every module parameter with its description. */
TEST(modinfo_lists_parameters)
{
	char *argv[] = { "/sbin/modinfo", "-F", "parm", (char *)insight_ko(), NULL };

	ASSERT_EQ(0, exit_code(run_capture(argv, out, sizeof(out)))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "max_sessions:")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "max_sites:")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "max_probes:")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
