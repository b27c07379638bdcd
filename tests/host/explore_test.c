// SPDX-License-Identifier: GPL-2.0
/*
 * insight explore's bad input on the build host (no module there): each
 * case gets one line and exit 2, and leaves the target running.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "target.h"
#include "util.h"

#define REC "/tmp/insight-explore-test.json"

static char out[4096];

static int explore(const char *pid, const char *rec, const char *opt, const char *val)
{
	char *argv[] = { (char *)insight_cli(), "explore", "--pid", (char *)pid,
			 "--record", (char *)rec, (char *)opt, (char *)val, NULL };
	int st = run_capture(argv, out, sizeof(out));

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A minimal failure record of program @exe. */
static void write_record(const char *exe)
{
	FILE *f = fopen(REC, "w");

	fprintf(f, "{\"format\":\"insight-failure-record\",\"version\":1,"
		"\"target\":{\"pid\":1},\"trigger\":{\"kind\":\"response\",\"seq\":1,"
		"\"detail\":\"\"},\"request\":{\"pid\":1,\"fd\":4,\"fd_kind\":\"socket\","
		"\"peer\":\"\",\"input_len\":4,\"input_truncated\":false,\"exe\":\"%s\","
		"\"input_b64\":\"R0VUIA==\"},\"outputs\":[{\"seq\":1,\"syscall\":\"write\","
		"\"ret\":2,\"fd\":4,\"fd_kind\":\"socket\",\"len\":2,\"truncated\":false,"
		"\"data_b64\":\"b2s=\"}],\"outputs_truncated\":false,\"environment\":[],"
		"\"dropped\":{\"events\":0,\"requests\":0}}\n", exe);
	fclose(f);
}

FIXTURE(web) {
	struct target t;
	int port;
	char pid[16];
};

FIXTURE_SETUP(web)
{
	ASSERT_EQ(0, webish_start(&self->t, "/nonexistent.conf", &self->port));
	snprintf(self->pid, sizeof(self->pid), "%d", self->t.pid);
	write_record("webish");
}

FIXTURE_TEARDOWN(web)
{
	char resp[256];

	/* the target is unharmed */
	EXPECT_LT(0, http_get(self->port, "/", resp, sizeof(resp)));
	EXPECT_NE(NULL, strstr(resp, "hello"));
	target_stop(&self->t);
	unlink(REC);
}

TEST_F(web, no_such_process)
{
	EXPECT_EQ(2, explore("999999", REC, NULL, NULL));
	EXPECT_STREQ("insight: no process 999999\n", out);
}

TEST_F(web, record_of_another_program)
{
	write_record("nginx");
	EXPECT_EQ(2, explore(self->pid, REC, NULL, NULL));
	EXPECT_NE(NULL, strstr(out, "is a record of 'nginx', not of process")) TH_LOG("%s", out);
}

TEST_F(web, unreadable_record)
{
	EXPECT_EQ(2, explore(self->pid, "/nonexistent.json", NULL, NULL));
	EXPECT_EQ(1, !!strchr(out, '\n') && !strchr(strchr(out, '\n') + 1, '\n'));
}

TEST_F(web, quota_zero)
{
	EXPECT_EQ(2, explore(self->pid, REC, "--quota", "0"));
	EXPECT_STREQ("insight: --quota must be at least 1\n", out);
}

TEST_F(web, quota_above_the_cap)
{
	char *argv[] = { (char *)insight_cli(), "explore", "--pid", self->pid, "--record", REC,
			 "--backend", "ptrace", "--quota", "65", NULL };
	int st = run_capture(argv, out, sizeof(out));

	EXPECT_EQ(2, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	EXPECT_NE(NULL, strstr(out, "above the backend's cap")) TH_LOG("%s", out);
}

TEST_F(web, module_not_loaded)
{
	EXPECT_EQ(2, explore(self->pid, REC, "--backend", "kmod"));
	EXPECT_NE(NULL, strstr(out, "insight.ko is not loaded")) TH_LOG("%s", out);
}

TEST_F(web, unknown_backend)
{
	EXPECT_EQ(2, explore(self->pid, REC, "--backend", "dtrace"));
	EXPECT_STREQ("insight: --backend is kmod or ptrace (not 'dtrace')\n", out);
}

TEST_HARNESS_MAIN
