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
#include <stdlib.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "sites.h"
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

/* Events read but not yet waited for. */
static struct insight_event_info seen[64];
static int nseen;

/* Wait for an event of @kind for @probe; 0 when it came. */
static int wait_event(struct insight_nl *h, uint32_t kind, uint32_t probe,
		      struct insight_event_info *got)
{
	int i, n, tries;

	for (tries = 0; tries < 100; tries++) {
		for (i = 0; i < nseen; i++)
			if (seen[i].kind == kind && seen[i].probe == probe) {
				if (got)
					*got = seen[i];
				seen[i] = seen[--nseen];
				return 0;
			}
		if (nseen == 64)
			nseen = 0;
		n = insight_events_read(h, seen + nseen, 64 - nseen, 100);
		if (n > 0)
			nseen += n;
	}
	return -1;
}

/* The lowest fd number @pid has free. */
static int free_fd(pid_t pid)
{
	char path[64];
	int fd;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		if (access(path, F_OK))
			break;
	}
	return fd;
}

/*
 * webish under a root-holding sandbox: a real connection wakes it, its
 * first trap leaves a held copy (the root), it works on the replayed
 * request with its reply captured and reports DONE when back in accept(),
 * where it waits while the session lasts; the root, resumed, does the
 * same; the session ends and webish accepts and answers a real request.
 */
TEST(root_snapshot_and_request_end)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct insight_probe_info pi[8];
	static struct insight_decision d[1024], d1[1024];
	struct insight_event_info ev;
	struct insight_jcc *j;
	struct insight_nl *h;
	struct target t;
	unsigned int n, nd, n1;
	uint64_t *addrs, lost, deg;
	int *errs, port, c, c2, st;
	struct pollfd pfd;
	size_t nj, i;
	char why[128], resp[256];
	struct sockaddr_in a = { .sin_family = AF_INET };

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, webish_start(&t, "/nonexistent.conf", &port));
	ASSERT_EQ(0, insight_find_jccs(t.pid, NULL, &j, &nj, why, sizeof(why)));
	addrs = calloc(nj, sizeof(*addrs));
	errs = calloc(nj, sizeof(*errs));
	ASSERT_TRUE(addrs && errs);
	for (i = 0; i < nj; i++)
		addrs[i] = j[i].addr;
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, addrs, NULL, nj, errs));
	/* the connection will be its lowest free fd */
	ASSERT_EQ(0, insight_sandbox_hold(h, 256, free_fd(t.pid), req, strlen(req), 1));
	c = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, connect(c, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, wait_event(h, INSIGHT_EVENT_PAUSED, 1, &ev));
	ASSERT_EQ(0, wait_event(h, INSIGHT_EVENT_DONE, 0, NULL));
	ASSERT_EQ(0, outputs(h, 0, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, memcmp("HTTP/1.0 200 OK\r\n\r\nhello\n", outs[0].data, outs[0].captured));
	ASSERT_EQ(0, insight_probes_get(h, 0, pi, 8, &n, &deg));
	ASSERT_EQ(2, n);
	EXPECT_EQ(INSIGHT_PROBE_HELD, pi[1].state);
	EXPECT_EQ(0, pi[1].parent);
	/* the target logged the root's fork at the root's fork_seq */
	ASSERT_EQ(0, insight_path_get(h, 0, 0, d, 1024, &nd, &lost));
	ASSERT_LT(pi[1].fork_seq, nd);
	EXPECT_TRUE(d[pi[1].fork_seq].flags & INSIGHT_DECISION_FORK);
	/* the root, resumed the natural way with a copy kept, replays it too */
	ASSERT_EQ(0, insight_probe_resume(h, 1, (d[pi[1].fork_seq].flags &
		  INSIGHT_DECISION_TAKEN) ? INSIGHT_POLICY_TAKEN : INSIGHT_POLICY_NOT_TAKEN, 1));
	ASSERT_EQ(0, wait_event(h, INSIGHT_EVENT_DONE, 1, NULL));
	ASSERT_EQ(0, outputs(h, 1, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, memcmp("HTTP/1.0 200 OK\r\n\r\nhello\n", outs[0].data, outs[0].captured));
	ASSERT_EQ(0, wait_event(h, INSIGHT_EVENT_PAUSED, 2, &ev));
	ASSERT_EQ(0, insight_probes_get(h, 0, pi, 8, &n, &deg));
	ASSERT_EQ(3, n);
	EXPECT_EQ(INSIGHT_PROBE_HELD, pi[2].state);
	EXPECT_EQ(1, pi[2].parent);
	/* the same decisions as the target's, from the root on */
	ASSERT_EQ(0, insight_path_get(h, 1, 0, d1, 1024, &n1, &lost));
	ASSERT_EQ(nd - pi[1].fork_seq, n1);
	for (i = 1; i < n1; i++) {
		EXPECT_EQ(d[pi[1].fork_seq + i].addr, d1[i].addr);
	}
	/* done, webish waits: a real request is not answered meanwhile */
	c2 = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(c2, (void *)&a, sizeof(a)));
	ASSERT_EQ(strlen(req), write(c2, req, strlen(req)));
	pfd.fd = c2;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 500));
	insight_nl_close(h);
	close(c);
	/* the session ended: its accept() is made and the request answered */
	EXPECT_EQ(1, poll(&pfd, 1, 5000));
	memset(resp, 0, sizeof(resp));
	EXPECT_LT(0, read(c2, resp, sizeof(resp) - 1));
	EXPECT_NE(NULL, strstr(resp, "hello"));
	close(c2);
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	/* webish is unharmed */
	ASSERT_LT(0, http_get(port, "/", resp, sizeof(resp)));
	EXPECT_NE(NULL, strstr(resp, "hello"));
	target_stop(&t);
	free(addrs);
	free(errs);
	free(j);
}

TEST_HARNESS_MAIN
