// SPDX-License-Identifier: GPL-2.0
/*
 * The manual pages (out/man, built by make man from Documentation/man and
 * each subcommand's --help): every page renders with man -l and no
 * warning, has its sections, and a subcommand's page names every option
 * its --help lists (help_test checks --help against the getopt tables).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static const char *const cmds[] = { "version", "status", "sites", "explore", "record", "trace",
				    "inject", "faults", "campaign", "shadow", NULL };

static char page[65536], help[16384], err[8192];

static const char *man_dir(void)
{
	return getenv("INSIGHT_MAN_DIR") ?: "out/man";
}

/* The page @name rendered at 80 columns into page; its warnings into err. */
static int render(const char *name)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "MANWIDTH=80 man --warnings -l %s/%s 2>/tmp/insight-man-err",
		 man_dir(), name);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(page, 1, sizeof(page) - 1, p);
	page[n] = '\0';
	st = pclose(p);
	p = fopen("/tmp/insight-man-err", "r");
	n = p ? fread(err, 1, sizeof(err) - 1, p) : 0;
	err[n] = '\0';
	if (p)
		fclose(p);
	remove("/tmp/insight-man-err");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(the_main_pages_render_without_warnings)
{
	ASSERT_EQ(0, render("insight.8")) TH_LOG("%s", err);
	EXPECT_STREQ("", err);
	EXPECT_NE(NULL, strstr(page, "INSIGHT(8)"));
	EXPECT_NE(NULL, strstr(page, "EXIT STATUS"));
	EXPECT_NE(NULL, strstr(page, "insight-campaign(8)"));
	ASSERT_EQ(0, render("insight.ko.4")) TH_LOG("%s", err);
	EXPECT_STREQ("", err);
	EXPECT_NE(NULL, strstr(page, "INSIGHT.KO(4)"));
	EXPECT_NE(NULL, strstr(page, "max_session_mem"));
	EXPECT_NE(NULL, strstr(page, "OVERHEAD"));
}

/* Each "  --name" of insight @cmd --help: it must be in page. */
static int missing_options(const char *cmd, char *first, size_t len)
{
	char *argv[] = { (char *)insight_cli(), (char *)cmd, "--help", NULL };
	char *line, *save, opt[64];
	int missing = 0;

	if (run_capture(argv, help, sizeof(help)))
		return -1;
	for (line = strtok_r(help, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "  %63[-a-z]", opt) != 1 || strncmp(opt, "--", 2))
			continue;
		if (!strstr(page, opt) && !missing++)
			snprintf(first, len, "%s", opt);
	}
	return missing;
}

TEST(each_subcommand_page_renders_with_every_option)
{
	char name[64], first[64] = "";
	int i;

	for (i = 0; cmds[i]; i++) {
		snprintf(name, sizeof(name), "insight-%s.8", cmds[i]);
		ASSERT_EQ(0, render(name)) TH_LOG("%s: %s", name, err);
		EXPECT_STREQ("", err) TH_LOG("%s", name);
		EXPECT_NE(NULL, strstr(page, "SYNOPSIS")) TH_LOG("%s", name);
		EXPECT_NE(NULL, strstr(page, "OPTIONS")) TH_LOG("%s", name);
		EXPECT_NE(NULL, strstr(page, "EXIT STATUS")) TH_LOG("%s", name);
		EXPECT_NE(NULL, strstr(page, "EXAMPLES")) TH_LOG("%s", name);
		EXPECT_EQ(0, missing_options(cmds[i], first, sizeof(first)))
			TH_LOG("%s lacks %s", name, first);
	}
}

TEST(the_pages_of_commands_that_cost_something_say_what)
{
	static const char *const costly[] = { "record", "trace", "explore", "inject", "campaign",
					      "shadow", NULL };
	char name[64];
	int i;

	for (i = 0; costly[i]; i++) {
		snprintf(name, sizeof(name), "insight-%s.8", costly[i]);
		ASSERT_EQ(0, render(name));
		EXPECT_NE(NULL, strstr(page, "OVERHEAD")) TH_LOG("%s", name);
	}
}

TEST_HARNESS_MAIN
