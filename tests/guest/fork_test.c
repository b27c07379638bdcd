// SPDX-License-Identifier: GPL-2.0
/*
 * Probes forked by insight.ko at a FORK site: both directions run, with
 * exactly the registers and flags the program had; the path logs, the
 * lineage, the quota, the end of a session, and 1000 fork/kill cycles
 * that leave no task and no slab object behind.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "scenario.h"
#include "target.h"
#include "util.h"

#define FORKY TARGET_DIR "forky"
#define BRANCHY TARGET_DIR "branchy"

struct outcome {
	int pid;
	char side[8], regs[16];
	unsigned long flags;
};

static int parse_outcome(const char *line, struct outcome *o)
{
	return sscanf(line, "%d %7s %15s flags=%lx", &o->pid, o->side, o->regs,
		      &o->flags) == 4 ? 0 : -EINVAL;
}

/* forky's own answer for @x, with no session: the ground truth. */
static int natural_outcome(long x, struct outcome *o)
{
	struct target t;
	char line[128];
	int err;

	err = target_start(&t, FORKY, 0);
	if (!err)
		err = target_send(&t, x) ?: target_line(&t, line, sizeof(line)) ?:
		      parse_outcome(line, o);
	target_stop(&t);
	return err;
}

/* Start forky with a session whose only site (its jl) forks. */
static void forky_session(struct __test_metadata *_metadata, struct target *t,
			  struct insight_nl **h)
{
	uint32_t pol = INSIGHT_POLICY_FORK;
	int err = -1;

	ASSERT_EQ(0, target_start(t, FORKY, 0));
	ASSERT_EQ(0, insight_nl_open(h));
	ASSERT_EQ(0, insight_session_new(*h));
	ASSERT_EQ(0, insight_attach(*h, t->pid));
	ASSERT_EQ(0, insight_sites_add(*h, &t->site[0], &pol, 1, &err));
	ASSERT_EQ(0, err);
}

/*
 * forky told 3 under a FORK site: the target and its probe each answer;
 * the probe list, both path logs and both exit statuses.
 */
struct fork_record {
	int state;
	struct outcome want, parent, child;
	pid_t target;
	int probes_rc;
	unsigned int nprobes;
	uint64_t degraded;
	struct insight_probe_info pi[4];
	int path_rc[3];
	unsigned int npath[2];
	struct insight_decision d[2][4];
	pid_t child_reaped, target_reaped;
	int child_status, target_status;
};
SCENARIO(fork_rec, struct fork_record);

static void play_fork(struct __test_metadata *_metadata, struct fork_record *r)
{
	struct outcome o[2];
	struct insight_decision d[4];
	struct insight_nl *h;
	struct target t;
	unsigned int n;
	uint64_t lost;
	char line[128];
	int i;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, natural_outcome(3, &r->want));
	ASSERT_STREQ("lt", r->want.side);
	forky_session(_metadata, &t, &h);
	ASSERT_EQ(0, target_send(&t, 3));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
		ASSERT_EQ(0, parse_outcome(line, &o[i])) TH_LOG("%s", line);
	}
	r->parent = o[0].pid == t.pid ? o[0] : o[1];
	r->child = o[0].pid == t.pid ? o[1] : o[0];
	r->target = t.pid;
	ASSERT_EQ(t.pid, r->parent.pid);
	ASSERT_NE(t.pid, r->child.pid);
	r->probes_rc = insight_probes_get(h, 0, r->pi, 4, &r->nprobes, &r->degraded);
	for (i = 0; i < 3; i++) {
		r->path_rc[i] = insight_path_get(h, i, 0, d, 4, &n, &lost);
		if (i < 2) {
			r->npath[i] = n;
			memcpy(r->d[i], d, sizeof(d));
		}
	}
	/* the probe is a sibling of the target: its parent (us) reaps it */
	r->child_reaped = waitpid(r->child.pid, &r->child_status, 0);
	r->target_reaped = waitpid(t.pid, &r->target_status, 0);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

FIXTURE(fork_site) {
	const struct fork_record *r;
};

FIXTURE_SETUP(fork_site)
{
	SCENARIO_PLAY(fork_rec, play_fork);
	self->r = fork_rec;
}

FIXTURE_TEARDOWN(fork_site)
{
}

/* the target went the natural way, the probe the other */
TEST_F(fork_site, target_goes_the_natural_direction)
{
	EXPECT_STREQ("lt", self->r->parent.side);
}

TEST_F(fork_site, child_goes_the_other_direction)
{
	EXPECT_STREQ("ge", self->r->child.side);
}

/* and both have every register and the flags as the program set them */
TEST_F(fork_site, target_keeps_every_register)
{
	EXPECT_STREQ("regs-ok", self->r->parent.regs);
}

TEST_F(fork_site, child_has_every_register_of_the_target)
{
	EXPECT_STREQ("regs-ok", self->r->child.regs);
}

TEST_F(fork_site, target_keeps_its_flags)
{
	EXPECT_EQ(self->r->want.flags, self->r->parent.flags);
}

TEST_F(fork_site, child_has_the_flags_of_the_target)
{
	EXPECT_EQ(self->r->want.flags, self->r->child.flags);
}

/* lineage: probe 1 is the child, forked by probe 0 at its decision 0 */
static void two_probes_listed(struct __test_metadata *_metadata,
			      const struct fork_record *r)
{
	ASSERT_EQ(0, r->probes_rc);
	ASSERT_EQ(2, r->nprobes);
}

TEST_F(fork_site, target_is_probe_0)
{
	two_probes_listed(_metadata, self->r);
	EXPECT_EQ(0, self->r->pi[0].id);
	EXPECT_EQ(self->r->target, self->r->pi[0].pid);
}

TEST_F(fork_site, child_is_probe_1)
{
	two_probes_listed(_metadata, self->r);
	EXPECT_EQ(1, self->r->pi[1].id);
	EXPECT_EQ(self->r->child.pid, self->r->pi[1].pid);
}

TEST_F(fork_site, child_was_forked_by_probe_0)
{
	two_probes_listed(_metadata, self->r);
	EXPECT_EQ(0, self->r->pi[1].parent);
}

TEST_F(fork_site, child_was_forked_at_decision_0)
{
	two_probes_listed(_metadata, self->r);
	EXPECT_EQ(0, self->r->pi[1].fork_seq);
}

TEST_F(fork_site, fork_under_the_cap_is_not_degraded)
{
	two_probes_listed(_metadata, self->r);
	EXPECT_EQ(0, self->r->degraded);
}

/* Probe @id's path log holds exactly one decision. */
static void one_decision_logged(struct __test_metadata *_metadata,
				const struct fork_record *r, int id)
{
	ASSERT_EQ(0, r->path_rc[id]);
	ASSERT_EQ(1, r->npath[id]);
}

TEST_F(fork_site, target_logs_its_decision_taken_and_forked)
{
	one_decision_logged(_metadata, self->r, 0);
	EXPECT_EQ(INSIGHT_DECISION_TAKEN | INSIGHT_DECISION_FORK, self->r->d[0][0].flags);
}

TEST_F(fork_site, child_logs_its_decision_forked_and_deviated)
{
	one_decision_logged(_metadata, self->r, 1);
	EXPECT_EQ(INSIGHT_DECISION_FORK | INSIGHT_DECISION_DEVIATED, self->r->d[1][0].flags);
}

TEST_F(fork_site, path_of_a_probe_never_forked_is_enoent)
{
	EXPECT_EQ(-ENOENT, self->r->path_rc[2]);
}

TEST_F(fork_site, child_exits_0_reaped_by_the_targets_parent)
{
	ASSERT_EQ(self->r->child.pid, self->r->child_reaped);
	EXPECT_TRUE(WIFEXITED(self->r->child_status));
	EXPECT_EQ(0, WEXITSTATUS(self->r->child_status));
}

TEST_F(fork_site, target_exits_0)
{
	ASSERT_EQ(self->r->target, self->r->target_reaped);
	EXPECT_EQ(0, self->r->target_status);
}

/* forky told 3 with insight.ko loaded max_probes=1: no room for a probe. */
struct fork_cap_record {
	int state;
	struct outcome o;
	pid_t target, target_reaped;
	int more_output;
	char extra[128];
	int probes_rc;
	unsigned int nprobes;
	uint64_t degraded;
	int path_rc;
	unsigned int npath;
	struct insight_decision d[4];
	int unload_rc;
};
SCENARIO(fork_cap_rec, struct fork_cap_record);

static void play_fork_cap(struct __test_metadata *_metadata, struct fork_cap_record *r)
{
	struct insight_probe_info pi[4];
	struct insight_nl *h;
	struct target t;
	uint64_t lost;
	char line[128];
	int status;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), "max_probes=1"));
	forky_session(_metadata, &t, &h);
	ASSERT_EQ(0, target_send(&t, 3));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, parse_outcome(line, &r->o));
	r->target = t.pid;
	r->target_reaped = waitpid(t.pid, &status, 0);
	t.pid = 0;
	r->more_output = fgets(r->extra, sizeof(r->extra), t.out) != NULL;
	r->probes_rc = insight_probes_get(h, 0, pi, 4, &r->nprobes, &r->degraded);
	r->path_rc = insight_path_get(h, 0, 0, r->d, 4, &r->npath, &lost);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
	r->unload_rc = mod_unload("insight");
}

FIXTURE(fork_cap) {
	const struct fork_cap_record *r;
};

FIXTURE_SETUP(fork_cap)
{
	SCENARIO_PLAY(fork_cap_rec, play_fork_cap);
	self->r = fork_cap_rec;
}

FIXTURE_TEARDOWN(fork_cap)
{
}

TEST_F(fork_cap, the_answer_is_the_targets)
{
	EXPECT_EQ(self->r->target, self->r->o.pid);
}

TEST_F(fork_cap, target_goes_the_natural_direction)
{
	EXPECT_STREQ("lt", self->r->o.side);
}

TEST_F(fork_cap, target_exits_after_its_answer)
{
	ASSERT_EQ(self->r->target, self->r->target_reaped);
}

TEST_F(fork_cap, no_probe_answers)
{
	EXPECT_EQ(0, self->r->more_output) TH_LOG("%s", self->r->extra);
}

TEST_F(fork_cap, only_the_target_is_listed)
{
	ASSERT_EQ(0, self->r->probes_rc);
	EXPECT_EQ(1, self->r->nprobes);
}

TEST_F(fork_cap, the_refused_fork_counts_as_degraded)
{
	ASSERT_EQ(0, self->r->probes_rc);
	EXPECT_EQ(1, self->r->degraded);
}

TEST_F(fork_cap, the_decision_is_logged_taken_without_fork)
{
	ASSERT_EQ(0, self->r->path_rc);
	ASSERT_EQ(1, self->r->npath);
	EXPECT_EQ(INSIGHT_DECISION_TAKEN, self->r->d[0].flags);
}

TEST_F(fork_cap, module_unloads_afterwards)
{
	EXPECT_EQ(0, self->r->unload_rc);
}

/* The pid of probe @id if it is running, else 0. */
static pid_t probe_pid(struct insight_nl *h, uint32_t id)
{
	struct insight_probe_info pi;
	uint64_t degraded;
	unsigned int n;

	if (insight_probes_get(h, id, &pi, 1, &n, &degraded) || n != 1 ||
	    pi.id != id || pi.state != INSIGHT_PROBE_RUNNING)
		return 0;
	return pi.pid;
}

/* branchy told 3 under a FORK site, then its session ended. */
struct session_end_record {
	int state;
	pid_t probe, reaped;
	int status, text, answer;
};
SCENARIO(session_end_rec, struct session_end_record);

static void play_session_end(struct __test_metadata *_metadata,
			     struct session_end_record *r)
{
	uint32_t pol = INSIGHT_POLICY_FORK;
	struct insight_nl *h;
	struct target t;
	char line[64];
	int err;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, target_send(&t, 3));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	r->probe = probe_pid(h, 1);
	ASSERT_LT(0, r->probe);
	insight_nl_close(h);
	/* the probe (blocked reading stdin) was killed; we reap it */
	r->reaped = waitpid(r->probe, &r->status, 0);
	/* the target runs on, untouched */
	r->text = text_byte(t.pid, t.site[0]);
	r->answer = target_ask(&t, 3);
	target_stop(&t);
}

FIXTURE(session_end) {
	const struct session_end_record *r;
};

FIXTURE_SETUP(session_end)
{
	SCENARIO_PLAY(session_end_rec, play_session_end);
	self->r = session_end_rec;
}

FIXTURE_TEARDOWN(session_end)
{
}

TEST_F(session_end, kills_the_probe_with_sigkill)
{
	ASSERT_EQ(self->r->probe, self->r->reaped);
	EXPECT_TRUE(WIFSIGNALED(self->r->status));
	EXPECT_EQ(SIGKILL, WTERMSIG(self->r->status));
}

TEST_F(session_end, restores_the_targets_text)
{
	EXPECT_EQ(0x7d, self->r->text);
}

TEST_F(session_end, leaves_the_target_computing_right)
{
	EXPECT_EQ(1, self->r->answer);
}

/* User processes, zombies included (kernel threads come and go). */
/* Wait (up to 10 s) until probe @id is in @state; its info into @pi. */
static int wait_state(struct insight_nl *h, uint32_t id, int state,
		      struct insight_probe_info *pi)
{
	uint64_t degraded;
	unsigned int n;
	int i;

	for (i = 0; i < 1000; i++) {
		if (!insight_probes_get(h, id, pi, 1, &n, &degraded) && n == 1 &&
		    pi->id == id && pi->state == state)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Wait (up to 10 s) until @count probes are held snapshots. */
static int wait_held(struct insight_nl *h, unsigned int count)
{
	struct insight_probe_info pi[8];
	unsigned int n, k, held;
	uint64_t degraded;
	int i;

	for (i = 0; i < 1000; i++) {
		held = 0;
		if (!insight_probes_get(h, 0, pi, 8, &n, &degraded))
			for (k = 0; k < n; k++)
				held += pi[k].state == INSIGHT_PROBE_HELD;
		if (held == count)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* forky with its site under @policy; its first number sent is 3 */
static void forky_with(struct __test_metadata *_metadata, struct target *t,
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

/*
 * forky told 3 under a SNAPSHOT site: the snapshot (probe 1) is held,
 * resumed not taken keeping a copy (probe 2), and the copy resumed taken.
 */
struct snapshot_record {
	int state;
	struct outcome want, first, resumed, rolled_back;
	pid_t target;
	struct insight_probe_info held, copy;
	int path_rc[2];
	unsigned int npath[2];
	struct insight_decision d[2][4];
	int resume_target_rc, resume_resumed_rc, resume_unknown_rc;
	int nreaped, reaped_status[8];
};
SCENARIO(snapshot_rec, struct snapshot_record);

static void play_snapshot(struct __test_metadata *_metadata, struct snapshot_record *r)
{
	struct insight_probe_info pi;
	struct insight_decision d[4];
	struct insight_nl *h;
	struct target t;
	char line[128];
	uint64_t lost;
	unsigned int n;
	int status, i;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, natural_outcome(3, &r->want));
	forky_with(_metadata, &t, &h, INSIGHT_POLICY_SNAPSHOT);
	r->target = t.pid;
	/* the target goes on; the snapshot waits at the branch, silent */
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, parse_outcome(line, &r->first));
	ASSERT_EQ(0, wait_state(h, 1, INSIGHT_PROBE_HELD, &r->held));

	/* resume it the other way, keeping a snapshot at the same branch */
	ASSERT_EQ(0, insight_probe_resume(h, 1, INSIGHT_POLICY_NOT_TAKEN, 1));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, parse_outcome(line, &r->resumed));
	ASSERT_EQ(0, wait_state(h, 2, INSIGHT_PROBE_HELD, &r->copy));

	/* roll back to it and take the jump this time */
	ASSERT_EQ(0, insight_probe_resume(h, 2, INSIGHT_POLICY_TAKEN, 0));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, parse_outcome(line, &r->rolled_back));

	for (i = 0; i < 2; i++) {
		r->path_rc[i] = insight_path_get(h, i + 1, 0, d, 4, &n, &lost);
		r->npath[i] = n;
		memcpy(r->d[i], d, sizeof(d));
	}
	/* a probe that is not held cannot be resumed */
	r->resume_target_rc = insight_probe_resume(h, 0, INSIGHT_POLICY_TAKEN, 0);
	r->resume_resumed_rc = insight_probe_resume(h, 2, INSIGHT_POLICY_FORK, 0);
	r->resume_unknown_rc = insight_probe_resume(h, 9, INSIGHT_POLICY_TAKEN, 0);
	/*
	 * the probes exit by themselves once they answered: let them, or
	 * the session's end kills those not gone yet
	 */
	for (i = 1; i <= 2; i++)
		ASSERT_EQ(0, wait_state(h, i, INSIGHT_PROBE_EXITED, &pi));
	insight_nl_close(h);
	while (waitpid(-1, &status, 0) > 0)
		if (r->nreaped < 8)
			r->reaped_status[r->nreaped++] = status;
	fclose(t.in);
	fclose(t.out);
}

FIXTURE(snapshot) {
	const struct snapshot_record *r;
};

FIXTURE_SETUP(snapshot)
{
	SCENARIO_PLAY(snapshot_rec, play_snapshot);
	self->r = snapshot_rec;
}

FIXTURE_TEARDOWN(snapshot)
{
}

TEST_F(snapshot, held_stays_silent_while_the_target_answers)
{
	EXPECT_EQ(self->r->target, self->r->first.pid);
}

TEST_F(snapshot, target_goes_the_natural_direction)
{
	EXPECT_STREQ("lt", self->r->first.side);
}

TEST_F(snapshot, held_is_a_child_of_the_target)
{
	EXPECT_EQ(0, self->r->held.parent);
}

TEST_F(snapshot, resumed_answers_from_the_snapshot)
{
	EXPECT_EQ(self->r->held.pid, self->r->resumed.pid);
}

TEST_F(snapshot, resumed_not_taken_goes_the_other_direction)
{
	EXPECT_STREQ("ge", self->r->resumed.side);
}

TEST_F(snapshot, resumed_has_every_register_of_the_target)
{
	EXPECT_STREQ("regs-ok", self->r->resumed.regs);
}

TEST_F(snapshot, resumed_has_the_flags_of_the_target)
{
	EXPECT_EQ(self->r->want.flags, self->r->resumed.flags);
}

TEST_F(snapshot, copy_kept_on_resume_is_a_child_of_the_resumed)
{
	EXPECT_EQ(1, self->r->copy.parent);
}

TEST_F(snapshot, copy_kept_on_resume_is_at_its_decision_0)
{
	EXPECT_EQ(0, self->r->copy.fork_seq);
}

TEST_F(snapshot, rolled_back_copy_answers)
{
	EXPECT_EQ(self->r->copy.pid, self->r->rolled_back.pid);
}

TEST_F(snapshot, rolled_back_copy_resumed_taken_takes_the_jump)
{
	EXPECT_STREQ("lt", self->r->rolled_back.side);
}

TEST_F(snapshot, rolled_back_copy_has_every_register_of_the_target)
{
	EXPECT_STREQ("regs-ok", self->r->rolled_back.regs);
}

TEST_F(snapshot, rolled_back_copy_has_the_flags_of_the_target)
{
	EXPECT_EQ(self->r->want.flags, self->r->rolled_back.flags);
}

/* Probe @id's path log (@id 1 or 2) holds exactly one decision. */
static void one_decision_of(struct __test_metadata *_metadata,
			    const struct snapshot_record *r, int id)
{
	ASSERT_EQ(0, r->path_rc[id - 1]);
	ASSERT_EQ(1, r->npath[id - 1]);
}

TEST_F(snapshot, resumed_logs_its_decision_forced_and_deviated)
{
	one_decision_of(_metadata, self->r, 1);
	EXPECT_EQ(INSIGHT_DECISION_FORK | INSIGHT_DECISION_FORCED |
		  INSIGHT_DECISION_DEVIATED, self->r->d[0][0].flags);
}

TEST_F(snapshot, rolled_back_copy_logs_its_decision_forced_and_taken)
{
	one_decision_of(_metadata, self->r, 2);
	EXPECT_EQ(INSIGHT_DECISION_FORK | INSIGHT_DECISION_FORCED |
		  INSIGHT_DECISION_TAKEN, self->r->d[1][0].flags);
}

TEST_F(snapshot, resuming_the_running_target_is_einval)
{
	EXPECT_EQ(-EINVAL, self->r->resume_target_rc);
}

/* probe 2 is no longer held, and FORK is not a direction: either gives EINVAL */
TEST_F(snapshot, resuming_a_resumed_probe_is_einval)
{
	EXPECT_EQ(-EINVAL, self->r->resume_resumed_rc);
}

TEST_F(snapshot, resuming_an_unknown_probe_is_enoent)
{
	EXPECT_EQ(-ENOENT, self->r->resume_unknown_rc);
}

TEST_F(snapshot, target_and_probes_exit_0)
{
	int i;

	for (i = 0; i < self->r->nreaped; i++)
		EXPECT_EQ(0, self->r->reaped_status[i]) TH_LOG("process %d", i);
}

TEST(snapshot_is_discarded_by_kill)
{
	struct insight_probe_info pi;
	struct insight_nl *h;
	struct target t;
	char line[128];
	int status;

	ASSERT_EQ(0, insight_ensure_loaded());
	forky_with(_metadata, &t, &h, INSIGHT_POLICY_SNAPSHOT);
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, wait_state(h, 1, INSIGHT_PROBE_HELD, &pi));
	EXPECT_EQ(-EINVAL, insight_probe_kill(h, 0));	/* never the target */
	EXPECT_EQ(-ENOENT, insight_probe_kill(h, 7));
	ASSERT_EQ(0, insight_probe_kill(h, 1));
	ASSERT_EQ((pid_t)pi.pid, waitpid(pi.pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	EXPECT_EQ(0, wait_state(h, 1, INSIGHT_PROBE_EXITED, &pi));
	EXPECT_EQ(-EINVAL, insight_probe_kill(h, 1));
	insight_nl_close(h);
	target_stop(&t);
}

/* branchy under a SNAPSHOT site, insight.ko loaded max_snapshots=1. */
struct snapshot_cap_record {
	int state;
	int first_answer, answer_at_cap, answer_after;
	int probes_rc;
	unsigned int nprobes;
	uint64_t degraded;
	pid_t held, reaped;
	int held_status;
	int unload_rc;
};
SCENARIO(snapshot_cap_rec, struct snapshot_cap_record);

static void play_snapshot_cap(struct __test_metadata *_metadata,
			      struct snapshot_cap_record *r)
{
	uint32_t pol = INSIGHT_POLICY_SNAPSHOT;
	struct insight_probe_info pi[4];
	struct insight_nl *h;
	struct target t;
	int err;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), "max_snapshots=1"));
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	r->first_answer = target_ask(&t, 3);
	ASSERT_EQ(0, wait_state(h, 1, INSIGHT_PROBE_HELD, pi));
	r->held = pi[0].pid;
	r->answer_at_cap = target_ask(&t, 3);	/* at the cap: natural, counted */
	r->probes_rc = insight_probes_get(h, 0, pi, 4, &r->nprobes, &r->degraded);
	insight_nl_close(h);
	r->reaped = waitpid(r->held, &r->held_status, 0);
	r->answer_after = target_ask(&t, 3);
	target_stop(&t);
	r->unload_rc = mod_unload("insight");
}

FIXTURE(snapshot_cap) {
	const struct snapshot_cap_record *r;
};

FIXTURE_SETUP(snapshot_cap)
{
	SCENARIO_PLAY(snapshot_cap_rec, play_snapshot_cap);
	self->r = snapshot_cap_rec;
}

FIXTURE_TEARDOWN(snapshot_cap)
{
}

TEST_F(snapshot_cap, target_computes_right_with_its_snapshot_held)
{
	EXPECT_EQ(1, self->r->first_answer);
}

TEST_F(snapshot_cap, branch_at_the_cap_runs_naturally)
{
	EXPECT_EQ(1, self->r->answer_at_cap);
}

TEST_F(snapshot_cap, no_snapshot_is_taken_at_the_cap)
{
	ASSERT_EQ(0, self->r->probes_rc);
	EXPECT_EQ(2, self->r->nprobes);
}

TEST_F(snapshot_cap, refused_snapshot_counts_as_degraded)
{
	ASSERT_EQ(0, self->r->probes_rc);
	EXPECT_EQ(1, self->r->degraded);
}

TEST_F(snapshot_cap, session_end_kills_the_held_snapshot)
{
	ASSERT_EQ(self->r->held, self->r->reaped);
	EXPECT_TRUE(WIFSIGNALED(self->r->held_status));
}

TEST_F(snapshot_cap, target_computes_right_after_the_session)
{
	EXPECT_EQ(1, self->r->answer_after);
}

TEST_F(snapshot_cap, module_unloads_afterwards)
{
	EXPECT_EQ(0, self->r->unload_rc);
}

/* The owner dies (SIGKILL) with probes alive: none is left behind. */
TEST(owner_killed_with_live_probes_leaves_none)
{
	int ready[2], status, i, reaped;
	struct target t;
	pid_t owner, pid;
	char c;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, pipe(ready));
	owner = fork();
	ASSERT_LE(0, owner);
	if (!owner) {
		uint64_t addrs[] = { t.site[0], t.site[1] };
		uint32_t pol[] = { INSIGHT_POLICY_FORK, INSIGHT_POLICY_SNAPSHOT };
		struct insight_nl *h;
		int errs[2];

		if (insight_nl_open(&h) || insight_session_new(h) ||
		    insight_attach(h, t.pid) ||
		    insight_sites_add(h, addrs, pol, 2, errs) || errs[0] || errs[1])
			_exit(1);
		/* x=3: a probe forked at LT, then two snapshots held at EVEN
		 * (ids in the order the children registered: any order) */
		if (target_send(&t, 3) || wait_held(h, 2))
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(owner, &status, 0);
		ASSERT_TRUE(0) TH_LOG("the owner failed: status %#x", status);
	}
	kill(owner, SIGKILL);
	ASSERT_EQ(owner, waitpid(owner, &status, 0));
	/* all three probes (our children, by CLONE_PARENT) were killed */
	for (i = 0, reaped = 0; reaped < 3 && i < 500; i++) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0) {
			usleep(10000);
			continue;
		}
		reaped++;
		EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("probe %d status %#x", pid, status);
	}
	EXPECT_EQ(3, reaped);
	/* the target lives on, its text restored */
	EXPECT_EQ(0x7d, text_byte(t.pid, t.site[0]));
	EXPECT_EQ(0x0f, text_byte(t.pid, t.site[1]));
	target_stop(&t);
}

static int count_tasks(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	char path[300], buf[512], *p;
	int n = 0, ppid;
	FILE *f;

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9' || !strcmp(d->d_name, "2"))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		/* ") S PPID ...": children of kthreadd are kernel threads */
		if (p && sscanf(p, ") %*c %d", &ppid) == 1 && ppid != 2)
			n++;
	}
	if (dir)
		closedir(dir);
	return n;
}

#define CYCLES 1000

/*
 * CYCLES times: branchy told 3 under a FORK site, its new probe killed;
 * then back to natural, and insight.ko unloaded.
 */
struct cycles_record {
	int state;
	int tasks_before, tasks_after;
	long long orphans_before, orphans_after;
	int answer;
};
SCENARIO(cycles_rec, struct cycles_record);

static void play_cycles(struct __test_metadata *_metadata, struct cycles_record *r)
{
	uint32_t pol = INSIGHT_POLICY_FORK;
	struct insight_nl *h;
	struct target t;
	char line[64];
	pid_t probe;
	int i, err;

	ASSERT_EQ(0, insight_ensure_unloaded());
	r->orphans_before = orphan_slab_objects();
	ASSERT_LE(0, r->orphans_before) TH_LOG("boot the guest with slub_debug=U");
	r->tasks_before = count_tasks();
	ASSERT_EQ(0, mod_load(insight_ko(), NULL));
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	for (i = 0; i < CYCLES; i++) {
		/* the target and its new probe each answer, then the probe dies */
		ASSERT_EQ(0, target_send(&t, 3));
		ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
		ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
		probe = probe_pid(h, i + 1);
		ASSERT_LT(0, probe) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, kill(probe, SIGKILL));
		ASSERT_EQ(probe, waitpid(probe, NULL, 0));
	}
	/* back to natural, the target still computes right */
	ASSERT_EQ(0, insight_site_policy(h, t.site[0], INSIGHT_POLICY_NATURAL));
	r->answer = target_ask(&t, 12);
	insight_nl_close(h);
	target_stop(&t);
	ASSERT_EQ(0, mod_unload("insight"));
	r->tasks_after = count_tasks();
	r->orphans_after = orphan_slab_objects();
}

/* 6.1's harness has a per-test timeout only for fixture tests */
FIXTURE(fork_kill_cycles) {
	const struct cycles_record *r;
};

FIXTURE_SETUP(fork_kill_cycles)
{
	SCENARIO_PLAY(cycles_rec, play_cycles);
	self->r = cycles_rec;
}

FIXTURE_TEARDOWN(fork_kill_cycles)
{
}

/* the first of these tests plays the 1000 cycles: 900 s each */
TEST_F_TIMEOUT(fork_kill_cycles, leave_the_target_computing_right, 900)
{
	EXPECT_EQ(2, self->r->answer);
}

TEST_F_TIMEOUT(fork_kill_cycles, leave_no_task_behind, 900)
{
	EXPECT_EQ(self->r->tasks_before, self->r->tasks_after);
}

TEST_F_TIMEOUT(fork_kill_cycles, leave_no_slab_object_behind, 900)
{
	EXPECT_EQ(self->r->orphans_before, self->r->orphans_after);
}

TEST_HARNESS_MAIN
