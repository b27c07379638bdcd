// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile: the explored program forges entries into insight.ko's fork
 * trampoline (tests/targets/forger.c), from another thread, with the id
 * of a split under way and with guessed ids, claiming an unrelated
 * process's pid as the clone's child.  Documentation/kmod.rst, "Forks":
 * a fork record is ended only by the thread that split and by the child
 * its clone made.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "scenario.h"
#include "target.h"
#include "util.h"

#define FORGER TARGET_DIR "forger"
#define PASSES 20000

struct forge_record {
	int state;
	long passes, tramps, forged, caught;
	pid_t victim;
	int probes_rc;
	unsigned int victim_listed, bad_exits;
	int victim_alive, target_status;
};
SCENARIO(forge_rec, struct forge_record);

/* A process that has nothing to do with the exploration. */
static pid_t start_victim(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/*
 * Walk every probe of the session, 64 at a time: how many besides the
 * target have not exited, and how many are process @victim.
 */
static int probes_scan(struct insight_nl *h, pid_t victim, unsigned int *live,
		       unsigned int *victim_listed)
{
	struct insight_probe_info pi[64];
	uint32_t start = 0;
	uint64_t degraded;
	unsigned int n, i;
	int err;

	*live = *victim_listed = 0;
	do {
		err = insight_probes_get(h, start, pi, 64, &n, &degraded);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			if (pi[i].id && pi[i].state != INSIGHT_PROBE_EXITED)
				(*live)++;
			if (pi[i].pid == victim)
				(*victim_listed)++;
		}
		if (n)
			start = pi[n - 1].id + 1;
	} while (n == 64);
	return 0;
}

static void play_forge(struct __test_metadata *_metadata, struct forge_record *r)
{
	uint32_t pol = INSIGHT_POLICY_FORK;
	struct insight_nl *h;
	struct target t;
	char line[256];
	unsigned int live;
	int err = -1, status, tries;
	pid_t pid;

	ASSERT_EQ(0, insight_ensure_loaded());
	r->victim = start_victim();
	ASSERT_LT(0, r->victim);
	ASSERT_EQ(0, target_start(&t, FORGER, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, err);
	fprintf(t.in, "%d %d\n", PASSES, r->victim);
	fflush(t.in);
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(4, sscanf(line, "passes=%ld tramp=%ld forged=%ld caught=%ld",
			    &r->passes, &r->tramps, &r->forged, &r->caught))
		TH_LOG("%s", line);
	printf("# %s\n", line);
	fflush(stdout);
	/*
	 * every probe exits by itself at once: let the last ones, or the
	 * session's end kills them
	 */
	for (tries = 0; tries < 1000; tries++) {
		r->probes_rc = probes_scan(h, r->victim, &live, &r->victim_listed);
		if (r->probes_rc || !live)
			break;
		usleep(10000);
	}
	insight_nl_close(h);
	ASSERT_EQ(t.pid, waitpid(t.pid, &r->target_status, 0));
	t.pid = 0;
	/* the probes, siblings of the target: every one exited 0 by itself */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			r->bad_exits++;
	r->victim_alive = kill(r->victim, 0) == 0 &&
			  waitpid(r->victim, &status, WNOHANG) == 0;
	kill(r->victim, SIGKILL);
	waitpid(r->victim, &status, 0);
	fclose(t.in);
	fclose(t.out);
}

FIXTURE(forge) {
	const struct forge_record *r;
};

FIXTURE_SETUP(forge)
{
	SCENARIO_PLAY(forge_rec, play_forge);
	self->r = forge_rec;
}

FIXTURE_TEARDOWN(forge)
{
}

TEST_F(forge, forgeries_were_tried_during_splits)
{
	EXPECT_LT(0, self->r->tramps) TH_LOG("never caught in the trampoline");
	EXPECT_LT(0, self->r->forged);
}

TEST_F(forge, every_forged_entry_dies_on_the_ud2)
{
	EXPECT_EQ(self->r->forged, self->r->caught);
}

TEST_F(forge, a_forged_entry_never_makes_a_process_a_probe)
{
	ASSERT_EQ(0, self->r->probes_rc);
	EXPECT_EQ(0, self->r->victim_listed);
}

TEST_F(forge, a_forged_entry_never_gets_a_process_killed)
{
	EXPECT_TRUE(self->r->victim_alive);
}

TEST_F(forge, the_real_splits_still_end_right)
{
	EXPECT_EQ(0, self->r->bad_exits);
}

TEST_F(forge, the_forging_target_runs_to_its_end)
{
	EXPECT_TRUE(WIFEXITED(self->r->target_status));
	EXPECT_EQ(0, WEXITSTATUS(self->r->target_status));
	EXPECT_LT(0, self->r->passes);
}

TEST_HARNESS_MAIN
