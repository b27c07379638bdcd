// SPDX-License-Identifier: GPL-2.0
/*
 * insight CMD --help for every subcommand insight help lists: exit 0, the
 * usage line, one line per option; and every option it names is one the
 * subcommand's getopt table takes (run with it, no "unrecognized
 * option").  The other way, an option of the table without its line,
 * makes --help itself fail (user/help.c), which the exit 0 checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[16384];

static int run(const char *a, const char *b, const char *c)
{
	/* a stray argument last: a usage error once the options are read */
	char *argv[] = { (char *)insight_cli(), (char *)a, (char *)b, (char *)c,
			 c ? "stray-argument" : NULL, NULL };
	int st = run_capture(argv, out, sizeof(out));

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The subcommands insight help lists, into @cmds. */
static int commands(char cmds[][32], int max)
{
	char *line, *save, name[32];
	int n = 0;

	if (run("help", NULL, NULL))
		return -1;
	for (line = strtok_r(out, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save))
		if (line[0] == ' ' && sscanf(line, " %31s", name) == 1)
			strcpy(cmds[n++], name);
	return n;
}

TEST(every_subcommand_has_a_help_that_names_only_options_it_takes)
{
	char cmds[32][32], help[16384], opt[64], *p;
	int n = commands(cmds, 32), i, checked = 0;

	ASSERT_LE(8, n) TH_LOG("insight help lists %d commands", n);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, run(cmds[i], "--help", NULL)) TH_LOG("%s: %s", cmds[i], out);
		snprintf(opt, sizeof(opt), "usage: insight %.31s", cmds[i]);
		EXPECT_EQ(0, strncmp(out, opt, strlen(opt))) TH_LOG("%s", out);
		strcpy(help, out);
		for (p = strstr(help, "\n  --"); p; p = strstr(p + 1, "\n  --")) {
			if (sscanf(p + 5, "%61[a-z-]", opt + 2) != 1)
				continue;
			opt[0] = opt[1] = '-';
			if (!strcmp(opt, "--help"))
				continue;
			/*
			 * with an argument in case it takes one, and a stray one
			 * so that nothing runs: never unrecognized
			 */
			run(cmds[i], opt, "1");
			EXPECT_EQ(NULL, strstr(out, "unrecognized option"))
				TH_LOG("insight %s %s: %s", cmds[i], opt, out);
			checked++;
		}
	}
	EXPECT_LE(50, checked);
}

TEST(help_anywhere_in_the_arguments_is_help)
{
	EXPECT_EQ(0, run("inject", "--pid", "-h"));
	EXPECT_EQ(0, strncmp(out, "usage: insight inject", 21));
}

TEST_HARNESS_MAIN
