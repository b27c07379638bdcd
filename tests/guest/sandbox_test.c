// SPDX-License-Identifier: GPL-2.0
/*
 * The probes' syscall sandbox on tests/targets/server: writes captured
 * and never delivered, reads of the request served from the recorded
 * input with each forked probe at its own offset, a syscall made to fail
 * for one probe, bad requests, and no leak.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "scenario.h"
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

	/* it exists: the sandbox lets the server open it, never create it */
	ASSERT_EQ(0, close(open(LOG, O_WRONLY | O_CREAT | O_TRUNC, 0644)));
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

/* server, its site natural, sandboxed with the request replayed. */
struct capture_record {
	int state;
	int run_status, outputs_rc;
	unsigned int n;
	struct insight_output_info outs[2];
	int delivered;
	char line[64];
	off_t log_size;
};
SCENARIO(capture_rec, struct capture_record);

static void play_capture(struct __test_metadata *_metadata, struct capture_record *r)
{
	struct insight_nl *h;
	struct target t;
	int ps;

	ASSERT_EQ(0, insight_ensure_loaded());
	server_session(_metadata, &t, &h, INSIGHT_POLICY_NATURAL);
	ASSERT_EQ(0, insight_sandbox(h, 256, 0, REQUEST, strlen(REQUEST)));
	r->run_status = run_to_end(&t, &ps);
	r->outputs_rc = outputs(h, 0, &r->n);
	memcpy(r->outs, outs, sizeof(r->outs));
	/* nothing reached the pipe or the file */
	r->delivered = fgets(r->line, sizeof(r->line), t.out) != NULL;
	r->log_size = file_size(LOG);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

FIXTURE(capture) {
	const struct capture_record *r;
};

FIXTURE_SETUP(capture)
{
	SCENARIO_PLAY(capture_rec, play_capture);
	self->r = capture_rec;
}

FIXTURE_TEARDOWN(capture)
{
}

TEST_F(capture, server_exits_0_in_the_sandbox)
{
	EXPECT_EQ(0, self->r->run_status);
}

static void two_outputs(struct __test_metadata *_metadata, const struct capture_record *r)
{
	ASSERT_EQ(0, r->outputs_rc);
	ASSERT_EQ(2, r->n);
}

TEST_F(capture, first_output_is_a_write)
{
	two_outputs(_metadata, self->r);
	EXPECT_EQ(SYS_write, self->r->outs[0].nr);
}

TEST_F(capture, first_output_is_on_stdout)
{
	two_outputs(_metadata, self->r);
	EXPECT_EQ(1, self->r->outs[0].fd);
}

TEST_F(capture, output_length_is_the_length_written)
{
	two_outputs(_metadata, self->r);
	EXPECT_EQ(strlen("200 ET /index\n"), self->r->outs[0].len);
}

static void first_output_whole(struct __test_metadata *_metadata,
			       const struct capture_record *r)
{
	two_outputs(_metadata, r);
	ASSERT_EQ(r->outs[0].len, r->outs[0].captured);
}

TEST_F(capture, output_under_the_capture_size_is_captured_whole)
{
	first_output_whole(_metadata, self->r);
}

/* the reply shows what the server read: the replayed request */
TEST_F(capture, reply_is_computed_from_the_replayed_request)
{
	first_output_whole(_metadata, self->r);
	EXPECT_EQ(0, memcmp("200 ET /index\n", self->r->outs[0].data,
			    self->r->outs[0].captured));
}

TEST_F(capture, output_counts_the_decisions_before_it)
{
	two_outputs(_metadata, self->r);
	EXPECT_EQ(1, self->r->outs[0].decisions);
}

TEST_F(capture, outputs_are_numbered_in_order)
{
	two_outputs(_metadata, self->r);
	EXPECT_EQ(1, self->r->outs[1].seq);
}

TEST_F(capture, write_to_the_log_file_is_captured)
{
	two_outputs(_metadata, self->r);
	EXPECT_EQ(0, memcmp("served ET /index\n", self->r->outs[1].data,
			    self->r->outs[1].captured));
}

TEST_F(capture, nothing_reaches_the_stdout_pipe)
{
	EXPECT_EQ(0, self->r->delivered) TH_LOG("%s", self->r->line);
}

TEST_F(capture, nothing_reaches_the_log_file)
{
	EXPECT_EQ(0, self->r->log_size);
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

/* A sandboxed session of the server, whose fault rules the caller adds. */
static void fault_session(struct __test_metadata *_metadata, struct target *t,
			  struct insight_nl **h)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	server_session(_metadata, t, h, INSIGHT_POLICY_NATURAL);
	ASSERT_EQ(0, insight_sandbox(*h, 256, 0, REQUEST, strlen(REQUEST)));
}

/* Run it to its end: it exits 3 (its log's open failed) and says @said. */
static void open_failed(struct __test_metadata *_metadata, struct target *t,
			struct insight_nl *h, const char *said)
{
	unsigned int n;
	int ps;

	EXPECT_EQ(3 << 8, run_to_end(t, &ps));
	ASSERT_EQ(0, outputs(h, 0, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, memcmp(said, outs[1].data, outs[1].captured));
	EXPECT_EQ(0, file_size(LOG));	/* never written */
	insight_nl_close(h);
	fclose(t->in);
	fclose(t->out);
}

TEST(a_fault_fails_one_syscall_of_one_probe)
{
	struct insight_nl *h;
	struct target t;

	fault_session(_metadata, &t, &h);
	ASSERT_EQ(0, insight_fault_add(h, 0, SYS_openat, EACCES, NULL));
	open_failed(_metadata, &t, h, "log failed: 13\n");
}

/* A rule naming a path fails the calls of that path only. */
TEST(a_fault_for_a_path_fails_that_path_only)
{
	struct insight_nl *h;
	struct target t;

	fault_session(_metadata, &t, &h);
	ASSERT_EQ(0, insight_fault_add(h, 0, SYS_openat, EIO, LOG ".other"));
	ASSERT_EQ(0, insight_fault_add(h, 0, SYS_openat, ENOENT, "/tmp/insight-server.lo"));
	ASSERT_EQ(0, insight_fault_add(h, 0, SYS_openat, ENOSPC, LOG));
	open_failed(_metadata, &t, h, "log failed: 28\n");
}

/* Rules for other paths leave the call alone. */
TEST(a_fault_for_another_path_runs_the_call)
{
	struct insight_nl *h;
	struct target t;
	int ps;

	fault_session(_metadata, &t, &h);
	ASSERT_EQ(0, insight_fault_add(h, 0, SYS_openat, EACCES, LOG "x"));
	EXPECT_EQ(0, run_to_end(&t, &ps));
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(bad_sandbox_requests)
{
	char longpath[INSIGHT_FAULT_PATH_MAX + 1];
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
	EXPECT_EQ(-ENOENT, insight_fault_add(h, 5, SYS_openat, EACCES, NULL));
	EXPECT_EQ(-ERANGE, insight_fault_add(h, 0, SYS_openat, 0, NULL));
	EXPECT_EQ(-ERANGE, insight_fault_add(h, 0, SYS_openat, 4096, NULL));
	/* a path for a call that takes none; a path longer than the limit */
	EXPECT_EQ(-EINVAL, insight_fault_add(h, 0, SYS_read, EIO, "/etc/passwd"));
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	EXPECT_EQ(-EINVAL, insight_fault_add(h, 0, SYS_openat, EIO, longpath));
	for (i = 0; i < INSIGHT_FAULTS_MAX; i++)
		EXPECT_EQ(0, insight_fault_add(h, 0, 400 + i, EIO, NULL));
	EXPECT_EQ(-ENOSPC, insight_fault_add(h, 0, 500, EIO, NULL));
	EXPECT_EQ(-ENOSPC, insight_fault_add(h, 0, SYS_openat, EIO, LOG));
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
		ASSERT_EQ(0, insight_fault_add(h, 0, SYS_getpid, EPERM, NULL));
		/* a rule's path is freed with its probe */
		ASSERT_EQ(0, insight_fault_add(h, 0, SYS_openat, EIO, "/nonexistent/x"));
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

/*
 * webish under a root-holding sandbox: a real connection wakes it, its
 * first trap leaves a held copy (the root), it works on the replayed
 * request with its reply captured and reports DONE when back in accept(),
 * where it waits while the session lasts; the root, resumed, does the
 * same; the session ends and webish accepts and answers a real request.
 */
struct root_record {
	int state;
	int outputs_rc[2];
	unsigned int nout[2];
	struct insight_output_info reply[2];
	struct insight_probe_info root, copy;
	uint32_t root_fork_flags;
	unsigned int nd, n1;
	int path1_rc;
	struct insight_decision d[1024], d1[1024];
	int poll_during, poll_after;
	ssize_t answer_len;
	char answer[256];
	int get_len;
	char resp[256];
};
SCENARIO(root_rec, struct root_record);

static void play_root(struct __test_metadata *_metadata, struct root_record *r)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct insight_probe_info pi[8];
	struct insight_event_info ev;
	struct insight_jcc *j;
	struct insight_nl *h;
	struct target t;
	unsigned int n;
	uint64_t *addrs, lost, deg;
	int *errs, port, c, c2, st;
	struct pollfd pfd;
	size_t nj, i;
	char why[128];
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
	r->outputs_rc[0] = outputs(h, 0, &r->nout[0]);
	r->reply[0] = outs[0];
	ASSERT_EQ(0, insight_probes_get(h, 0, pi, 8, &n, &deg));
	ASSERT_EQ(2, n);
	r->root = pi[1];
	/* the target logged the root's fork at the root's fork_seq */
	ASSERT_EQ(0, insight_path_get(h, 0, 0, r->d, 1024, &r->nd, &lost));
	ASSERT_LT(pi[1].fork_seq, r->nd);
	r->root_fork_flags = r->d[pi[1].fork_seq].flags;
	/* the root, resumed the natural way with a copy kept, replays it too */
	ASSERT_EQ(0, insight_probe_resume(h, 1, (r->root_fork_flags &
		  INSIGHT_DECISION_TAKEN) ? INSIGHT_POLICY_TAKEN : INSIGHT_POLICY_NOT_TAKEN, 1));
	ASSERT_EQ(0, wait_event(h, INSIGHT_EVENT_DONE, 1, NULL));
	r->outputs_rc[1] = outputs(h, 1, &r->nout[1]);
	r->reply[1] = outs[0];
	ASSERT_EQ(0, wait_event(h, INSIGHT_EVENT_PAUSED, 2, &ev));
	ASSERT_EQ(0, insight_probes_get(h, 0, pi, 8, &n, &deg));
	ASSERT_EQ(3, n);
	r->copy = pi[2];
	r->path1_rc = insight_path_get(h, 1, 0, r->d1, 1024, &r->n1, &lost);
	/* done, webish waits: a real request is not answered meanwhile */
	c2 = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(c2, (void *)&a, sizeof(a)));
	ASSERT_EQ(strlen(req), write(c2, req, strlen(req)));
	pfd.fd = c2;
	pfd.events = POLLIN;
	r->poll_during = poll(&pfd, 1, 500);
	insight_nl_close(h);
	close(c);
	/* the session ended: its accept() is made and the request answered */
	r->poll_after = poll(&pfd, 1, 5000);
	r->answer_len = read(c2, r->answer, sizeof(r->answer) - 1);
	close(c2);
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	/* webish is unharmed */
	r->get_len = http_get(port, "/", r->resp, sizeof(r->resp));
	target_stop(&t);
	free(addrs);
	free(errs);
	free(j);
}

FIXTURE(webish_root) {
	const struct root_record *r;
};

FIXTURE_SETUP(webish_root)
{
	SCENARIO_PLAY(root_rec, play_root);
	self->r = root_rec;
}

FIXTURE_TEARDOWN(webish_root)
{
}

/* Probe @id's one output is webish's reply to the replayed request. */
static void replied(struct __test_metadata *_metadata, const struct root_record *r, int id)
{
	ASSERT_EQ(0, r->outputs_rc[id]);
	ASSERT_EQ(1, r->nout[id]);
	EXPECT_EQ(0, memcmp("HTTP/1.0 200 OK\r\n\r\nhello\n", r->reply[id].data,
			    r->reply[id].captured));
}

TEST_F(webish_root, target_reply_to_the_replayed_request_is_captured)
{
	replied(_metadata, self->r, 0);
}

TEST_F(webish_root, root_is_held)
{
	EXPECT_EQ(INSIGHT_PROBE_HELD, self->r->root.state);
}

TEST_F(webish_root, root_is_a_child_of_the_target)
{
	EXPECT_EQ(0, self->r->root.parent);
}

TEST_F(webish_root, target_logs_the_roots_fork_at_its_fork_seq)
{
	EXPECT_TRUE(self->r->root_fork_flags & INSIGHT_DECISION_FORK);
}

TEST_F(webish_root, resumed_root_reply_is_captured_too)
{
	replied(_metadata, self->r, 1);
}

TEST_F(webish_root, resumed_root_keeps_a_held_copy)
{
	EXPECT_EQ(INSIGHT_PROBE_HELD, self->r->copy.state);
}

TEST_F(webish_root, roots_copy_is_a_child_of_the_root)
{
	EXPECT_EQ(1, self->r->copy.parent);
}

/* the same decisions as the target's, from the root on */
TEST_F(webish_root, resumed_root_takes_the_targets_decisions_from_the_fork_on)
{
	const struct root_record *r = self->r;
	unsigned int i;

	ASSERT_EQ(0, r->path1_rc);
	ASSERT_EQ(r->nd - r->root.fork_seq, r->n1);
	for (i = 1; i < r->n1; i++) {
		EXPECT_EQ(r->d[r->root.fork_seq + i].addr, r->d1[i].addr);
	}
}

TEST_F(webish_root, webish_answers_no_request_while_the_session_lasts)
{
	EXPECT_EQ(0, self->r->poll_during);
}

TEST_F(webish_root, session_end_lets_webish_accept_the_waiting_request)
{
	EXPECT_EQ(1, self->r->poll_after);
}

TEST_F(webish_root, waiting_request_is_answered_after_the_session)
{
	EXPECT_LT(0, self->r->answer_len);
	EXPECT_NE(NULL, strstr(self->r->answer, "hello"));
}

TEST_F(webish_root, webish_answers_a_new_request_afterwards)
{
	ASSERT_LT(0, self->r->get_len);
	EXPECT_NE(NULL, strstr(self->r->resp, "hello"));
}

TEST_HARNESS_MAIN
