// SPDX-License-Identifier: GPL-2.0
/*
 * tools/completion/insight.bash in bash: it loads without an error, and
 * completes the subcommands, a subcommand's options (from its --help)
 * and the values of --backend and --pid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[8192];

/* Complete the words @line (the last one is the cursor's) with bash. */
static int complete(const char *line)
{
	char dir[256], script[1024];
	char *argv[] = { "/bin/bash", "--norc", "-c", script, NULL };
	const char *cli = insight_cli();
	int st;

	snprintf(dir, sizeof(dir), "%s", cli);
	*strrchr(dir, '/') = '\0';
	snprintf(script, sizeof(script),
		 "set -e; PATH=%s:$PATH; source tools/completion/insight.bash; "
		 "COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _insight; "
		 "printf '%%s\\n' \"${COMPREPLY[@]}\"", dir, line);
	st = run_capture(argv, out, sizeof(out));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(the_script_loads_in_bash)
{
	char *argv[] = { "/bin/bash", "--norc", "-c",
			 "source tools/completion/insight.bash && complete -p insight", NULL };
	int st = run_capture(argv, out, sizeof(out));

	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("%s", out);
	EXPECT_STREQ("complete -F _insight insight\n", out);
}

TEST(subcommands_complete)
{
	ASSERT_EQ(0, complete("insight in")) TH_LOG("%s", out);
	EXPECT_STREQ("inject\n", out);
	ASSERT_EQ(0, complete("insight ''"));
	EXPECT_NE(NULL, strstr(out, "explore\n"));
	EXPECT_NE(NULL, strstr(out, "faults\n"));
}

TEST(a_subcommands_options_complete)
{
	ASSERT_EQ(0, complete("insight inject --sys")) TH_LOG("%s", out);
	EXPECT_STREQ("--syscall\n", out);
	ASSERT_EQ(0, complete("insight explore --ba"));
	EXPECT_STREQ("--backend\n", out);
}

TEST(values_complete)
{
	char line[64], me[16];

	ASSERT_EQ(0, complete("insight explore --backend p"));
	EXPECT_STREQ("ptrace\n", out);
	snprintf(me, sizeof(me), "%d\n", getpid());
	snprintf(line, sizeof(line), "insight trace --pid %d", getpid());
	ASSERT_EQ(0, complete(line));
	EXPECT_NE(NULL, strstr(out, me)) TH_LOG("%s", out);	/* this very test */
}

TEST_HARNESS_MAIN
