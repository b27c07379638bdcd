// SPDX-License-Identifier: GPL-2.0
/*
 * Events on the "events" multicast group: probe created, exited, killed,
 * paused, quota reached, each with its session's id; libinsight hands a
 * client only its own session's; only CAP_SYS_ADMIN may subscribe; and
 * every split ends in exactly one CREATED or one QUOTA.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "target.h"
#include "util.h"

#define FORKY TARGET_DIR "forky"
#define BRANCHY TARGET_DIR "branchy"

static struct insight_event_info evs[32];

/* Read events for up to 3 s, until @want of them have come. */
static unsigned int collect(struct insight_nl *h, unsigned int want)
{
	unsigned int n = 0;
	int i, got;

	for (i = 0; i < 30 && n < want; i++) {
		got = insight_events_read(h, evs + n, 32 - n, 100);
		if (got < 0)
			break;
		n += got;
	}
	return n;
}

/* Read more events after the @have already in evs, until @want more. */
static unsigned int collect_more(struct insight_nl *h, unsigned int have,
				 unsigned int want)
{
	unsigned int n = 0;
	int i, got;

	for (i = 0; i < 30 && n < want; i++) {
		got = insight_events_read(h, evs + have + n, 32 - have - n, 100);
		if (got < 0)
			break;
		n += got;
	}
	return n;
}

/* The first event of @kind about @probe, or NULL. */
static struct insight_event_info *find(unsigned int n, uint32_t kind, uint32_t probe)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (evs[i].kind == kind && evs[i].probe == probe)
			return &evs[i];
	return NULL;
}

static void forky_session(struct __test_metadata *_metadata, struct target *t,
			  struct insight_nl **h, uint32_t policy)
{
	int err = -1;

	ASSERT_EQ(0, target_start(t, FORKY, 0));
	ASSERT_EQ(0, insight_nl_open(h));
	ASSERT_EQ(0, insight_session_new(*h));
	ASSERT_EQ(0, insight_attach(*h, t->pid));
	ASSERT_EQ(0, insight_sites_add(*h, &t->site[0], &policy, 1, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, target_send(t, 3));
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, 0) > 0)
		;
}

TEST(fork_and_exits_are_reported)
{
	struct insight_event_info *e;
	struct insight_nl *h, *other;
	struct target t;
	unsigned int n;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, insight_nl_open(&other));
	ASSERT_EQ(0, insight_session_new(other));
	forky_session(_metadata, &t, &h, INSIGHT_POLICY_FORK);
	reap_all();		/* the target and its probe both exit(0) */
	n = collect(h, 3);
	e = find(n, INSIGHT_EVENT_CREATED, 1);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, e->parent);
	EXPECT_EQ(0, e->site);
	ASSERT_LT(e, find(n, INSIGHT_EVENT_EXITED, 1));	/* created, then exited */
	e = find(n, INSIGHT_EVENT_EXITED, 1);
	EXPECT_EQ(0, e->status);
	e = find(n, INSIGHT_EVENT_EXITED, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, e->status);
	/* another session's socket heard nothing */
	EXPECT_EQ(0, insight_events_read(other, evs, 32, 200));
	insight_nl_close(other);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(snapshot_pause_and_kill_are_reported)
{
	struct insight_event_info *e;
	struct insight_nl *h;
	struct target t;
	char line[128];
	unsigned int n;

	ASSERT_EQ(0, insight_ensure_loaded());
	forky_session(_metadata, &t, &h, INSIGHT_POLICY_SNAPSHOT);
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	n = collect(h, 3);	/* the target's exit, the probe's creation, pause */
	ASSERT_NE(NULL, find(n, INSIGHT_EVENT_CREATED, 1));
	e = find(n, INSIGHT_EVENT_PAUSED, 1);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, e->site);
	ASSERT_EQ(0, insight_probe_kill(h, 1));
	reap_all();
	n = collect(h, 1);
	e = find(n, INSIGHT_EVENT_KILLED, 1);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(SIGKILL, e->status & 0x7f);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(quota_is_reported)
{
	struct insight_event_info *e;
	struct insight_nl *h;
	struct target t;
	unsigned int n;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), "max_probes=1"));
	forky_session(_metadata, &t, &h, INSIGHT_POLICY_FORK);
	reap_all();
	n = collect(h, 2);
	e = find(n, INSIGHT_EVENT_QUOTA, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, e->site);
	EXPECT_EQ(0, e->fork_seq);	/* the target's first decision */
	EXPECT_EQ(NULL, find(n, INSIGHT_EVENT_CREATED, 1));
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
	EXPECT_EQ(0, mod_unload("insight"));
}

/* A raw socket joined to the events group: -errno if it cannot join. */
static int raw_listener(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 5 };
	struct nl_sock *sk = nl_socket_alloc();
	int grp, fd, err;

	if (!sk || genl_connect(sk))
		return -EPROTO;
	grp = genl_ctrl_resolve_grp(sk, INSIGHT_GENL_NAME, INSIGHT_GENL_MCGRP_EVENTS);
	nl_socket_free(sk);
	if (grp < 0)
		return -ENOENT;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	/* bound to a port: the module multicasts from port 0, which
	 * netlink_broadcast() skips as the sender's own */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

TEST(events_arrive_on_the_group_with_the_session_id)
{
	struct nlattr *tb[INSIGHT_ATTR_MAX + 1];
	char buf[8192] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (void *)buf;
	struct insight_nl *h;
	struct target t;
	int fd, got = 0;
	ssize_t len;

	ASSERT_EQ(0, insight_ensure_loaded());
	fd = raw_listener();
	ASSERT_LE(0, fd);
	forky_session(_metadata, &t, &h, INSIGHT_POLICY_FORK);
	reap_all();
	ASSERT_NE(0, insight_session_id(h));
	while (!got && (len = recv(fd, buf, sizeof(buf), 0)) > 0) {
		ASSERT_EQ(0, genlmsg_parse(nlh, 0, tb, INSIGHT_ATTR_MAX, NULL));
		ASSERT_NE(NULL, tb[INSIGHT_ATTR_SESSION]);
		if (nla_get_u32(tb[INSIGHT_ATTR_SESSION]) != insight_session_id(h))
			continue;	/* another test's session */
		EXPECT_NE(NULL, tb[INSIGHT_ATTR_EVENTS_LOST]);
		got = 1;
	}
	EXPECT_TRUE(got);
	close(fd);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(unprivileged_subscriber_is_eperm)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, insight_ensure_loaded());
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (become_nobody())
			_exit(10);
		_exit(raw_listener() == -EPERM ? 0 : 11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(unprivileged_events_join_is_eperm)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, insight_ensure_loaded());
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct insight_nl *h;

		if (become_nobody())
			_exit(10);
		if (insight_nl_open(&h))
			_exit(11);
		_exit(insight_events_join(h) == -EPERM ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(created_carries_the_parents_fork_seq)
{
	struct insight_decision d[8];
	struct insight_event_info *e;
	struct insight_nl *h;
	struct target t;
	unsigned int n, i;
	uint64_t lost;

	ASSERT_EQ(0, insight_ensure_loaded());
	forky_session(_metadata, &t, &h, INSIGHT_POLICY_FORK);
	reap_all();
	n = collect(h, 3);
	e = find(n, INSIGHT_EVENT_CREATED, 1);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(insight_session_id(h), e->session);
	ASSERT_EQ(0, insight_path_get(h, 0, 0, d, 8, &n, &lost));
	for (i = 0; i < n && !(d[i].flags & INSIGHT_DECISION_FORK); i++)
		;
	ASSERT_LT(i, n);
	EXPECT_EQ(d[i].seq, e->fork_seq);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

/* How many events of @kind about @probe carry @seq. */
static unsigned int count(unsigned int n, uint32_t kind, uint32_t probe, uint64_t seq)
{
	unsigned int i, c = 0;

	for (i = 0; i < n; i++)
		c += evs[i].kind == kind && evs[i].probe == probe &&
		     evs[i].fork_seq == seq;
	return c;
}

/*
 * insight.ko reloaded with @param, branchy's site a SNAPSHOT site, one
 * request served: probe 1 is held.  The events read so far are in the
 * collect() buffer; returns how many.
 */
static unsigned int branchy_held(struct __test_metadata *_metadata, const char *param,
				 struct target *t, struct insight_nl **h)
{
	uint32_t pol = INSIGHT_POLICY_SNAPSHOT;
	unsigned int n;
	int err;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), param));
	ASSERT_EQ(0, target_start(t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(h));
	ASSERT_EQ(0, insight_session_new(*h));
	ASSERT_EQ(0, insight_attach(*h, t->pid));
	ASSERT_EQ(0, insight_sites_add(*h, &t->site[0], &pol, 1, &err));
	EXPECT_EQ(1, target_ask(t, 3));
	n = collect(*h, 2);	/* created, paused: probe 1 is held */
	ASSERT_NE(NULL, find(n, INSIGHT_EVENT_PAUSED, 1));
	return n;
}

/*
 * The split invariant at max_snapshots: each SNAPSHOT decision of the
 * target ends in one CREATED (then PAUSED) with its seq, or one QUOTA.
 */
TEST(split_invariant_holds_at_max_snapshots)
{
	struct insight_decision d[8];
	struct insight_nl *h;
	struct target t;
	unsigned int n, nd, i, created;
	uint64_t lost;

	n = branchy_held(_metadata, "max_snapshots=1", &t, &h);
	EXPECT_EQ(1, target_ask(&t, 3));	/* at the cap */
	EXPECT_EQ(1, target_ask(&t, 3));
	n += collect_more(h, n, 2);
	ASSERT_EQ(0, insight_path_get(h, 0, 0, d, 8, &nd, &lost));
	ASSERT_EQ(3, nd);
	for (i = 0, created = 0; i < nd; i++) {
		if (d[i].flags & INSIGHT_DECISION_FORK) {
			EXPECT_EQ(1, count(n, INSIGHT_EVENT_CREATED, 1 + created, d[i].seq));
			EXPECT_EQ(0, count(n, INSIGHT_EVENT_QUOTA, 0, d[i].seq));
			created++;
		} else {
			EXPECT_EQ(1, count(n, INSIGHT_EVENT_QUOTA, 0, d[i].seq));
		}
	}
	EXPECT_EQ(1, created);
	EXPECT_LT(find(n, INSIGHT_EVENT_CREATED, 1), find(n, INSIGHT_EVENT_PAUSED, 1));
	insight_nl_close(h);
	target_stop(&t);
	reap_all();
	EXPECT_EQ(0, mod_unload("insight"));
}

/* PROBE_RESUME with KEEP at the probe cap ends in one QUOTA of the probe. */
TEST(resume_keep_at_the_cap_is_one_quota)
{
	struct insight_event_info *e;
	struct insight_nl *h;
	struct target t;
	unsigned int n;

	n = branchy_held(_metadata, "max_probes=2", &t, &h);
	/* resumed, probe 1 runs beside the target: no room for a third */
	ASSERT_EQ(0, insight_probe_resume(h, 1, INSIGHT_POLICY_TAKEN, 1));
	n += collect_more(h, n, 1);
	e = find(n, INSIGHT_EVENT_QUOTA, 1);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, e->site);
	EXPECT_EQ(0, e->fork_seq);	/* probe 1's first decision */
	EXPECT_EQ(NULL, find(n, INSIGHT_EVENT_CREATED, 2));
	insight_nl_close(h);
	target_stop(&t);
	reap_all();
	EXPECT_EQ(0, mod_unload("insight"));
}

TEST_HARNESS_MAIN
