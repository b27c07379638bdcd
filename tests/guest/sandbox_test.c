// SPDX-License-Identifier: GPL-2.0
/*
 * The probes' syscall sandbox on tests/targets/server: writes captured
 * and never delivered, reads of the request served from the recorded
 * input with each forked probe at its own offset, a syscall made to fail
 * for one probe, bad requests, and no leak.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "target.h"
#include "util.h"

#define SERVER TARGET_DIR "server"
#define LOG "/tmp/insight-server.log"
#define REQUEST "GET /index\n"

static struct insight_output_info outs[8];

/* Start the server (it stops itself), attach, put its site under @policy. */
static void server_session(struct __test_metadata *_metadata, struct target *t,
			   struct insight_nl **h, uint32_t policy)
{
	int status, err = -1;

	unlink(LOG);
	ASSERT_EQ(0, target_start(t, SERVER, 0));
	ASSERT_EQ(t->pid, waitpid(t->pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, insight_nl_open(h));
	ASSERT_EQ(0, insight_session_new(*h));
	ASSERT_EQ(0, insight_attach(*h, t->pid));
	ASSERT_EQ(0, insight_sites_add(*h, &t->site[0], &policy, 1, &err));
	ASSERT_EQ(0, err);
}

/* Let it run and reap it and every probe (our children): their statuses. */
static int run_to_end(struct target *t, int *probe_status)
{
	int status, st;
	pid_t pid;

	kill(t->pid, SIGCONT);
	if (waitpid(t->pid, &status, 0) != t->pid)
		return -1;
	*probe_status = -1;
	while ((pid = waitpid(-1, &st, 0)) > 0)
		*probe_status = st;
	return status;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

static int outputs(struct insight_nl *h, uint32_t probe, unsigned int *n)
{
	uint64_t lost;

	return insight_outputs_get(h, probe, 0, outs, 8, n, &lost) ?: (int)lost;
}

TEST(writes_are_captured_not_delivered_and_reads_replayed)
{
	struct insight_nl *h;
	struct target t;
	unsigned int n;
	char line[64];
	int ps;

	ASSERT_EQ(0, insight_ensure_loaded());
	server_session(_metadata, &t, &h, INSIGHT_POLICY_NATURAL);
	ASSERT_EQ(0, insight_sandbox(h, 256, 0, REQUEST, strlen(REQUEST)));
	EXPECT_EQ(0, run_to_end(&t, &ps));
	ASSERT_EQ(0, outputs(h, 0, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(SYS_write, outs[0].nr);
	EXPECT_EQ(1, outs[0].fd);
	EXPECT_EQ(strlen("200 ET /index\n"), outs[0].len);
	ASSERT_EQ(outs[0].len, outs[0].captured);
	EXPECT_EQ(0, memcmp("200 ET /index\n", outs[0].data, outs[0].captured));
	EXPECT_EQ(1, outs[0].decisions);
	EXPECT_EQ(1, outs[1].seq);
	EXPECT_EQ(0, memcmp("served ET /index\n", outs[1].data, outs[1].captured));
	/* nothing reached the pipe or the file */
	EXPECT_EQ(NULL, fgets(line, sizeof(line), t.out));
	EXPECT_EQ(0, file_size(LOG));
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(capture_keeps_only_the_first_bytes)
{
	struct insight_nl *h;
	struct target t;
	unsigned int n;
	int ps;

	ASSERT_EQ(0, insight_ensure_loaded());
	server_session(_metadata, &t, &h, INSIGHT_POLICY_NATURAL);
	ASSERT_EQ(0, insight_sandbox(h, 4, 0, REQUEST, strlen(REQUEST)));
	EXPECT_EQ(0, run_to_end(&t, &ps));
	ASSERT_EQ(0, outputs(h, 0, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(strlen("200 ET /index\n"), outs[0].len);
	ASSERT_EQ(4, outs[0].captured);
	EXPECT_EQ(0, memcmp("200 ", outs[0].data, 4));
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(forked_probes_each_read_the_request_at_their_own_offset)
{
	struct insight_nl *h;
	struct target t;
	unsigned int n;
	int ps;

	ASSERT_EQ(0, insight_ensure_loaded());
	server_session(_metadata, &t, &h, INSIGHT_POLICY_FORK);
	ASSERT_EQ(0, insight_sandbox(h, 256, 0, REQUEST, strlen(REQUEST)));
	EXPECT_EQ(0, run_to_end(&t, &ps));
	EXPECT_EQ(0, ps);
	/* the target read 'G' and went the GET way... */
	ASSERT_EQ(0, outputs(h, 0, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, memcmp("200 ET /index\n", outs[0].data, outs[0].captured));
	/* ...its probe the other way, and it too read the rest: "ET /index" */
	ASSERT_EQ(0, outputs(h, 1, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(strlen("400 ET /index\n"), outs[0].captured);
	EXPECT_EQ(0, memcmp("400 ET /index\n", outs[0].data, outs[0].captured));
	EXPECT_EQ(1, outs[0].decisions);
	EXPECT_EQ(0, file_size(LOG));
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(a_fault_fails_one_syscall_of_one_probe)
{
	struct insight_nl *h;
	struct target t;
	unsigned int n;
	int ps;

	ASSERT_EQ(0, insight_ensure_loaded());
	server_session(_metadata, &t, &h, INSIGHT_POLICY_NATURAL);
	ASSERT_EQ(0, insight_sandbox(h, 256, 0, REQUEST, strlen(REQUEST)));
	ASSERT_EQ(0, insight_fault_add(h, 0, SYS_openat, EACCES));
	EXPECT_EQ(3 << 8, run_to_end(&t, &ps));	/* exit(3): open failed */
	ASSERT_EQ(0, outputs(h, 0, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, memcmp("log failed: 13\n", outs[1].data, outs[1].captured));
	EXPECT_EQ(-1, file_size(LOG));	/* never created */
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(bad_sandbox_requests)
{
	struct insight_nl *h;
	struct target t;
	int i, ps;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	EXPECT_EQ(-ENOENT, insight_sandbox(h, 256, -1, NULL, 0));	/* not attached */
	insight_nl_close(h);

	server_session(_metadata, &t, &h, INSIGHT_POLICY_NATURAL);
	EXPECT_EQ(-ERANGE, insight_sandbox(h, INSIGHT_CAPTURE_MAX + 1, -1, NULL, 0));
	EXPECT_EQ(-ENOENT, insight_fault_add(h, 5, SYS_openat, EACCES));
	EXPECT_EQ(-ERANGE, insight_fault_add(h, 0, SYS_openat, 0));
	EXPECT_EQ(-ERANGE, insight_fault_add(h, 0, SYS_openat, 4096));
	for (i = 0; i < INSIGHT_FAULTS_MAX; i++)
		EXPECT_EQ(0, insight_fault_add(h, 0, 400 + i, EIO));
	EXPECT_EQ(-ENOSPC, insight_fault_add(h, 0, 500, EIO));
	ASSERT_EQ(0, insight_sandbox(h, 256, 0, REQUEST, strlen(REQUEST)));
	EXPECT_EQ(-EBUSY, insight_sandbox(h, 256, -1, NULL, 0));
	EXPECT_EQ(0, run_to_end(&t, &ps));
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(sandboxed_sessions_leak_nothing)
{
	long long before;
	struct insight_nl *h;
	struct target t;
	int i, ps;

	ASSERT_EQ(0, insight_ensure_unloaded());
	before = orphan_slab_objects();
	ASSERT_LE(0, before) TH_LOG("boot the guest with slub_debug=U");
	ASSERT_EQ(0, mod_load(insight_ko(), NULL));
	for (i = 0; i < 10; i++) {
		server_session(_metadata, &t, &h, INSIGHT_POLICY_FORK);
		ASSERT_EQ(0, insight_sandbox(h, 256, 0, REQUEST, strlen(REQUEST)));
		ASSERT_EQ(0, insight_fault_add(h, 0, SYS_getpid, EPERM));
		EXPECT_EQ(0, run_to_end(&t, &ps));
		insight_nl_close(h);
		fclose(t.in);
		fclose(t.out);
	}
	ASSERT_EQ(0, mod_unload("insight"));
	EXPECT_EQ(before, orphan_slab_objects());
}

TEST_HARNESS_MAIN
