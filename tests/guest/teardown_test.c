// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile: a session's end in the worst moments (Documentation/kmod.rst,
 * "The end of a session").  The owner is SIGKILLed while a real server,
 * sandboxed, forks and snapshots at every jump of its own on a real
 * request, with 1000 unrelated generic netlink sockets closed meanwhile.
 * (A session ending while a held snapshot sleeps in the trampoline's
 * handler: fork_test's snapshot_cap.)
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "scenario.h"
#include "sites.h"
#include "target.h"
#include "util.h"

#define UNRELATED 1000

static const char req[] = "GET / HTTP/1.0\r\n\r\n";

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Processes whose parent is this one, other than @except, not zombies. */
static int live_children(pid_t except)
{
	char path[300], line[256];
	struct dirent *e;
	int n = 0, ppid;
	DIR *d = opendir("/proc");
	char state;
	FILE *f;

	while (d && (e = readdir(d))) {
		if (atoi(e->d_name) <= 0 || atoi(e->d_name) == except)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) &&
		    sscanf(strrchr(line, ')') + 2, "%c %d", &state, &ppid) == 2 &&
		    ppid == getpid() && state != 'Z')
			n++;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

static int sessions_open(void)
{
	struct insight_status st;
	struct insight_nl *h;
	int err;

	if (insight_nl_open(&h))
		return -1;
	err = insight_status(h, &st);
	insight_nl_close(h);
	return err ? -1 : (int)st.sessions;
}

/* Bound generic netlink sockets of no family: each close is a URELEASE. */
static int open_unrelated(int *fds)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	struct rlimit rl = { 4096, 4096 };
	int i;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	for (i = 0; i < UNRELATED; i++) {
		fds[i] = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
		if (fds[i] < 0 || bind(fds[i], (void *)&a, sizeof(a)))
			return -1;
	}
	return 0;
}

struct closer {
	int fds[UNRELATED];
	volatile int *teardown_done;
	long long max_us;	/* the longest close() */
	unsigned int during;	/* closes made before the teardown ended */
};

static void *close_unrelated(void *arg)
{
	struct closer *c = arg;
	long long t;
	int i;

	for (i = 0; i < UNRELATED; i++) {
		t = now_us();
		close(c->fds[i]);
		t = now_us() - t;
		if (t > c->max_us)
			c->max_us = t;
		if (!*c->teardown_done)
			c->during++;
	}
	return NULL;
}

/*
 * The session's owner, a child: explore webish (pid @target, every jump
 * of its own a FORK or SNAPSHOT site) with the sandbox replaying the
 * request; say "ready" on @ready, then wait to be killed.
 */
static void own_session(pid_t target, int ready)
{
	struct insight_jcc *j;
	struct insight_nl *h;
	uint32_t *pol;
	uint64_t *addrs;
	size_t nj, i;
	char why[128];
	int *errs;

	if (insight_find_jccs(target, NULL, &j, &nj, why, sizeof(why)))
		_exit(1);
	addrs = calloc(nj, sizeof(*addrs));
	pol = calloc(nj, sizeof(*pol));
	errs = calloc(nj, sizeof(*errs));
	if (!addrs || !pol || !errs)
		_exit(1);
	for (i = 0; i < nj; i++) {
		addrs[i] = j[i].addr;
		pol[i] = i % 2 ? INSIGHT_POLICY_SNAPSHOT : INSIGHT_POLICY_FORK;
	}
	if (insight_nl_open(&h) || insight_session_new(h) ||
	    insight_attach(h, target) ||
	    insight_sites_add(h, addrs, pol, nj, errs) ||
	    insight_sandbox(h, 256, free_fd(target), req, strlen(req)))
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

struct killed_record {
	int state;
	int replies;		/* HTTP replies the exploring client got */
	int sessions_after;
	int leftover;		/* processes of ours still running after */
	long long teardown_us, max_close_us;
	unsigned int closed_during;
	int get_len;
	char resp[256];
};
SCENARIO(killed_rec, struct killed_record);

/* Count the HTTP replies that reach client socket @c within a second. */
static int replies_on(int c)
{
	struct pollfd pfd = { .fd = c, .events = POLLIN };
	char buf[4096], *p;
	int got = 0, n, replies = 0;

	while (got < (int)sizeof(buf) - 1 && poll(&pfd, 1, 1000) == 1) {
		n = read(c, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	for (p = buf; (p = strstr(p, "HTTP/1.")); p++)
		replies++;
	return replies;
}

static void play_killed(struct __test_metadata *_metadata, struct killed_record *r)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	volatile int teardown_done = 0;
	struct closer *cl;
	int ready[2], port, c, st;
	struct target t;
	pthread_t th;
	pid_t owner;
	long long t0;
	char b;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, webish_start(&t, "/nonexistent.conf", &port));
	cl = calloc(1, sizeof(*cl));
	ASSERT_NE(NULL, cl);
	cl->teardown_done = &teardown_done;
	ASSERT_EQ(0, open_unrelated(cl->fds));
	ASSERT_EQ(0, pipe(ready));
	owner = fork();
	ASSERT_LE(0, owner);
	if (owner == 0)
		own_session(t.pid, ready[1]);
	ASSERT_EQ(1, read(ready[0], &b, 1));

	/* a real request: the exploration forks and snapshots all over it */
	c = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, connect(c, (void *)&a, sizeof(a)));
	ASSERT_EQ((ssize_t)strlen(req), write(c, req, strlen(req)));
	usleep(300000);

	/* the owner dies: its exit ends the session */
	t0 = now_us();
	ASSERT_EQ(0, kill(owner, SIGKILL));
	ASSERT_EQ(0, pthread_create(&th, NULL, close_unrelated, cl));
	ASSERT_EQ(owner, waitpid(owner, &st, 0));
	r->teardown_us = now_us() - t0;
	teardown_done = 1;
	pthread_join(th, NULL);
	r->max_close_us = cl->max_us;
	r->closed_during = cl->during;
	printf("# teardown %lld us; %u of %d unrelated sockets closed during it, the longest close %lld us\n",
	       r->teardown_us, r->closed_during, UNRELATED, r->max_close_us);
	fflush(stdout);

	r->sessions_after = sessions_open();
	r->replies = replies_on(c);
	close(c);
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	r->leftover = live_children(t.pid);
	r->get_len = http_get(port, "/", r->resp, sizeof(r->resp));
	target_stop(&t);
	free(cl);
}

FIXTURE(owner_killed) {
	const struct killed_record *r;
};

FIXTURE_SETUP(owner_killed)
{
	SCENARIO_PLAY(killed_rec, play_killed);
	self->r = killed_rec;
}

FIXTURE_TEARDOWN(owner_killed)
{
}

TEST_F(owner_killed, no_probe_reply_reaches_the_client)
{
	EXPECT_GE(1, self->r->replies);
}

TEST_F(owner_killed, the_session_is_gone_once_its_owner_is)
{
	EXPECT_EQ(0, self->r->sessions_after);
}

TEST_F(owner_killed, no_probe_outlives_the_session)
{
	EXPECT_EQ(0, self->r->leftover);
}

TEST_F(owner_killed, the_server_answers_afterwards)
{
	ASSERT_LT(0, self->r->get_len);
	EXPECT_NE(NULL, strstr(self->r->resp, "hello"));
}

/*
 * No close waits for the teardown: the longest is a fraction of the
 * teardown's own time (it was all of it when the notifier took the
 * module's lock).
 */
TEST_F(owner_killed, unrelated_netlink_sockets_close_during_a_teardown_without_waiting)
{
	EXPECT_LT(0, self->r->closed_during)
		TH_LOG("teardown %lld us", self->r->teardown_us);
	EXPECT_GT(self->r->teardown_us / 4, self->r->max_close_us)
		TH_LOG("teardown %lld us, longest close %lld us",
		       self->r->teardown_us, self->r->max_close_us);
}

/*
 * Sessions turning their sandbox on (which registers the sys_enter probe
 * when none is hooked) while others end (which unregisters it with the
 * last one), from several threads at once: the registration never finds
 * the probe still there (a WARN in tracepoint_add_func(), seen once under
 * the fuzzer), and every session ends.
 */
#define HOOKERS 3
#define HOOK_CYCLES 60

struct hooker {
	struct target t;
	int failures;
};

static void *hook_cycles(void *arg)
{
	struct hooker *k = arg;
	struct insight_nl *h;
	int i;

	for (i = 0; i < HOOK_CYCLES; i++) {
		if (insight_nl_open(&h)) {
			k->failures++;
			continue;
		}
		if (insight_session_new(h) || insight_attach(h, k->t.pid) ||
		    insight_sandbox(h, 16, -1, NULL, 0))
			k->failures++;
		insight_nl_close(h);
	}
	return NULL;
}

TEST(sessions_hooking_and_ending_at_once_keep_the_hook_consistent)
{
	struct hooker k[HOOKERS];
	pthread_t th[HOOKERS];
	int i;

	ASSERT_EQ(0, insight_ensure_loaded());
	for (i = 0; i < HOOKERS; i++) {
		k[i].failures = 0;
		ASSERT_EQ(0, target_start(&k[i].t, TARGET_DIR "forky", 0));
	}
	for (i = 0; i < HOOKERS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, hook_cycles, &k[i]));
	for (i = 0; i < HOOKERS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, k[i].failures);
		target_stop(&k[i].t);
	}
	EXPECT_EQ(0, sessions_open());
}

TEST_HARNESS_MAIN
