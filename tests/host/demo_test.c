// SPDX-License-Identifier: GPL-2.0
/*
 * make demo (tools/demo.sh), end to end: a production VM serving Debian's
 * haproxy under a client's load, its backend (a peer on the host) down, a
 * 503 recorded there, the shadow cloned and explored, the report,
 * production's figures.  The report must name the ground truth of
 * tests/realworld/FAILURES.md (haproxy_unavailable: the branch at
 * tcp_connect_server+0x625 testing connect()'s errno) with production's
 * ECONNREFUSED; the client must have had every request answered (within
 * httpload's 5 s: a slower answer is a latency for the benchmarks, no
 * answer at all production harmed); the peer, back while the shadow runs,
 * must have got production's last request and nothing from the shadow,
 * whose attempts the gateway logged under replay; and nothing the demo
 * used may be left: no file in its TMPDIR, no process naming it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[65536], text[65536];

/* The file DIR/NAME into text (empty if it cannot be read). */
static const char *slurp(const char *dir, const char *name)
{
	char path[512];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	return text;
}

/* The entries of @dir but "out". */
static int left_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "out");
	if (d)
		closedir(d);
	return n;
}

FIXTURE(demo) {
	int unused;
};

FIXTURE_SETUP(demo)
{
}

FIXTURE_TEARDOWN(demo)
{
}

/* The lines of @s holding @what. */
static int lines_with(const char *s, const char *what)
{
	int n = 0;

	for (; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
		const char *end = strchr(s, '\n'), *hit = strstr(s, what);

		n += hit && (!end || hit < end);
	}
	return n;
}

TEST_F_TIMEOUT(demo, infers_haproxy_503_of_a_down_peer_in_a_shadow_while_production_serves, 900)
{
	char tmp[] = "/tmp/insight-demo-test-XXXXXX", dir[64], cmd[128];
	char *argv[] = { "tools/demo.sh", NULL };
	long answers = 0, failed = -1;
	int st;

	ASSERT_NE(NULL, mkdtemp(tmp));
	snprintf(dir, sizeof(dir), "%s/out", tmp);
	ASSERT_EQ(0, mkdir(dir, 0700));
	setenv("DEMO_OUT", dir, 1);
	setenv("TMPDIR", tmp, 1);
	st = run_capture(argv, out, sizeof(out));
	unsetenv("DEMO_OUT");
	unsetenv("TMPDIR");
	EXPECT_EQ(0, WIFEXITED(st) ? WEXITSTATUS(st) : -1) TH_LOG("%s", out);

	slurp(dir, "shadow.out");
	EXPECT_NE(NULL, strstr(text, "production paused ")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "Failure reproduced")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "  1. tcp_connect_server+0x625 ")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "production: connect = -111")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "shadow: what it sent on its network")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "none reached the peer")) TH_LOG("%s", text);
	EXPECT_EQ(NULL, strstr(text, "relayed to the peer")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "shadow: destroyed")) TH_LOG("%s", text);
	EXPECT_EQ(2, sscanf(slurp(dir, "load"), "%ld %ld", &answers, &failed)) TH_LOG("%s", out);
	EXPECT_LT(0, answers);
	EXPECT_EQ(0, failed) TH_LOG("production left requests unanswered: %s", out);
	EXPECT_NE(NULL, strstr(slurp(dir, "after"), "(status 200)")) TH_LOG("%s", out);
	/* the peer: production's one request, none of the shadow's */
	slurp(dir, "peer.log");
	EXPECT_EQ(1, lines_with(text, " HTTP/1.")) TH_LOG("%s", text);
	EXPECT_EQ(1, lines_with(text, "\"GET / HTTP/1.1\" 200")) TH_LOG("%s", text);
	EXPECT_LE(1, lines_with(slurp(dir, "network.log"), " replay syn ")) TH_LOG("%s", text);
	EXPECT_EQ(0, lines_with(text, " forward ")) TH_LOG("%s", text);

	EXPECT_EQ(0, left_in(tmp)) TH_LOG("the demo left files in %s", tmp);
	EXPECT_EQ(0, processes_naming(tmp)) TH_LOG("a process of the demo stays");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	EXPECT_EQ(0, system(cmd));
}

TEST_HARNESS_MAIN
