// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile: a probe forked in an edge-triggered event loop before the
 * request (tests/targets/etloop.c) goes back to epoll_wait() on the epoll
 * set it shares with the target.  Documentation/kmod.rst, "The syscall
 * sandbox": such a probe is done and waits, its wait not made, so the
 * edge of a connection made meanwhile stays for the target.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "evlog.h"
#include "libinsight.h"
#include "scenario.h"
#include "target.h"
#include "util.h"

#define ETLOOP TARGET_DIR "etloop"

static const char req[] = "x\n";

static int connect_send(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int c = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c < 0 || connect(c, (void *)&a, sizeof(a)) ||
	    write(c, req, strlen(req)) != (ssize_t)strlen(req)) {
		if (c >= 0)
			close(c);
		return -1;
	}
	return c;
}

struct idle_record {
	int state;
	int target_done, child_created, child_done;
	int answered;
	char answer[16];
};
SCENARIO(idle_rec, struct idle_record);

static void play_idle(struct __test_metadata *_metadata, struct idle_record *r)
{
	uint32_t pol = INSIGHT_POLICY_FORK;
	struct pollfd pfd = { .events = POLLIN };
	struct insight_nl *h;
	struct evlog l = { 0 };
	char line[64];
	struct target t;
	int err = -1, port, c1, c2, st;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, ETLOOP, 0));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(1, sscanf(line, "port %d", &port));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, insight_sandbox(h, 64, free_fd(t.pid), req, strlen(req)));

	/* the replayed request: the target serves it, its copy goes back */
	c1 = connect_send(port);
	ASSERT_LE(0, c1);
	r->target_done = evlog_wait(h, &l, INSIGHT_EVENT_DONE, 0, 10000) >= 0;
	r->child_created = evlog_wait(h, &l, INSIGHT_EVENT_CREATED, 1, 10000) >= 0;
	r->child_done = evlog_wait(h, &l, INSIGHT_EVENT_DONE, 1, 5000) >= 0;

	/* a real connection while the session lasts: its edge is the target's */
	c2 = connect_send(port);
	ASSERT_LE(0, c2);
	usleep(300000);
	insight_nl_close(h);
	pfd.fd = c2;
	if (poll(&pfd, 1, 5000) == 1) {
		r->answered = read(c2, r->answer, sizeof(r->answer) - 1);
		if (r->answered < 0)
			r->answered = 0;
	}
	close(c2);
	close(c1);
	target_stop(&t);
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
}

FIXTURE(idle_fork) {
	const struct idle_record *r;
};

FIXTURE_SETUP(idle_fork)
{
	SCENARIO_PLAY(idle_rec, play_idle);
	self->r = idle_rec;
}

FIXTURE_TEARDOWN(idle_fork)
{
}

TEST_F(idle_fork, the_target_serves_the_replayed_request)
{
	EXPECT_TRUE(self->r->target_done);
}

TEST_F(idle_fork, a_probe_forked_in_the_event_loop_before_the_request_is_done)
{
	ASSERT_TRUE(self->r->child_created);
	EXPECT_TRUE(self->r->child_done);
}

TEST_F(idle_fork, a_connection_made_meanwhile_is_the_targets_after_the_session)
{
	EXPECT_LT(0, self->r->answered);
	EXPECT_STREQ("ok\n", self->r->answer);
}

TEST_HARNESS_MAIN
