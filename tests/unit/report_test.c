// SPDX-License-Identifier: GPL-2.0
/*
 * The explorer's report (user/explore/report.c) of a path whose outputs
 * include calls the sandbox refused: each shows as "denied NAME" in the
 * text and as "denied":true with its syscall in the JSON, next to the
 * captured ones.  A long path's text shows the branches near its suspect
 * and deviation (the JSON all of them), and production's replayed calls
 * are named in both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "explore.h"

/* @needle is in @text (shown when not) */
#define EXPECT_IN(text, needle) EXPECT_NE(NULL, strstr(text, needle)) TH_LOG("%s", text)

/* @res's report, text or JSON, as a malloc'ed string. */
static char *report(const struct explore_result *res, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (json)
		report_json(f, res);
	else
		report_text(f, res);
	fclose(f);
	return buf;
}

static const struct xb_output outs[] = {
	{ .seq = 0, .nr = SYS_write, .fd = 1, .len = 7, .captured = 7, .data = "200 OK\n" },
	{ .seq = 1, .nr = SYS_sendfile, .fd = 4, .flags = XB_OUT_DENIED },
	{ .seq = 2, .nr = 4, .fd = 1, .flags = XB_OUT_DENIED | XB_OUT_IA32 },
};
static const struct explore_result res = {
	.status = EXPLORE_PARTIAL, .backend = "kmod", .outs = outs, .nouts = 3,
};

TEST(text_report_shows_denied_name_and_the_captured_bytes)
{
	char *t = report(&res, false);

	ASSERT_NE(NULL, t);
	EXPECT_IN(t, "  denied sendfile\n");
	EXPECT_IN(t, "  denied ia32:4\n");
	EXPECT_IN(t, "fd 1: \"200 OK\\n\"");
	EXPECT_EQ(NULL, strstr(t, "fd 4:")) TH_LOG("%s", t);
	free(t);
}

TEST(json_report_marks_denied_outputs)
{
	char *j = report(&res, true);

	ASSERT_NE(NULL, j);
	EXPECT_IN(j, "{\"syscall\":\"write\",\"denied\":false,\"fd\":1,\"len\":7");
	EXPECT_IN(j, "{\"syscall\":\"sendfile\",\"denied\":true,\"fd\":4,\"len\":0");
	EXPECT_IN(j, "{\"syscall\":\"ia32:4\",\"denied\":true");
	free(j);
}

TEST(a_long_path_is_shown_near_its_suspect_and_replayed_calls_are_named)
{
	static const uint8_t path[] = "/srv/www/report.html";
	static const struct insight_record_item open_refused = {
		.nr = SYS_openat, .fd = -1, .ret = -13, .data = (uint8_t *)path,
		.len = sizeof(path) - 1,
	};
	struct explore_step steps[2000] = { 0 };
	struct explore_result r = {
		.status = EXPLORE_REPRODUCED, .backend = "kmod", .path = steps, .npath = 2000,
		.ndev = 1, .nsus = 1, .replayed = { &open_refused }, .nreplayed = 1,
	};
	char *t, *j;

	steps[1000].deviated = true;
	r.sus[0].index = 1000;
	r.sus[0].deviated = true;
	r.sus[0].production = &open_refused;
	t = report(&r, false);
	j = report(&r, true);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, j);
	EXPECT_IN(t, "production's environment replayed: openat \"/srv/www/report.html\" = -13\n");
	EXPECT_IN(t, "    1000  0 +0                      not taken  <== DEVIATED\n");
	EXPECT_IN(t, "    992 ");
	EXPECT_EQ(NULL, strstr(t, "    991 ")) TH_LOG("%s", t);
	EXPECT_IN(t, "    ... 989 branches\n");	/* 3 to 991 */
	EXPECT_IN(t, "    ... 988 branches\n");	/* 1009 to 1996 */
	EXPECT_IN(t, "    1999 ");
	EXPECT_IN(j, "\"replayed\":[{\"syscall\":\"openat\",\"ret\":-13,"
		  "\"path\":\"/srv/www/report.html\"}]");
	EXPECT_IN(j, "{\"index\":1500,");
	free(t);
	free(j);
}

TEST_HARNESS_MAIN
