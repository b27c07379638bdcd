// SPDX-License-Identifier: GPL-2.0
/*
 * Events to the session owner: probe created, exited, killed, paused,
 * quota reached; and only the owner's socket receives them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "target.h"
#include "util.h"

#define FORKY TARGET_DIR "forky"

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
	EXPECT_EQ(NULL, find(n, INSIGHT_EVENT_CREATED, 1));
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
	EXPECT_EQ(0, mod_unload("insight"));
}

TEST_HARNESS_MAIN
