// SPDX-License-Identifier: GPL-2.0
/*
 * The explorer's report (user/explore/report.c) of a path whose outputs
 * include calls the sandbox refused: each shows as "denied NAME" in the
 * text and as "denied":true with its syscall in the JSON, next to the
 * captured ones.
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

TEST_HARNESS_MAIN
