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

TEST(fork_runs_both_directions_with_exact_registers)
{
	struct outcome want, o[2], *parent, *child;
	struct insight_probe_info pi[4];
	struct insight_decision d[4];
	struct insight_nl *h;
	unsigned int n;
	uint64_t lost, degraded;
	struct target t;
	char line[128];
	int status, i;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, natural_outcome(3, &want));
	ASSERT_STREQ("lt", want.side);
	forky_session(_metadata, &t, &h);
	ASSERT_EQ(0, target_send(&t, 3));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
		ASSERT_EQ(0, parse_outcome(line, &o[i])) TH_LOG("%s", line);
	}
	parent = o[0].pid == t.pid ? &o[0] : &o[1];
	child = parent == &o[0] ? &o[1] : &o[0];
	ASSERT_EQ(t.pid, parent->pid);
	ASSERT_NE(t.pid, child->pid);
	/* the target went the natural way, the probe the other */
	EXPECT_STREQ("lt", parent->side);
	EXPECT_STREQ("ge", child->side);
	/* and both have every register and the flags as the program set them */
	EXPECT_STREQ("regs-ok", parent->regs);
	EXPECT_STREQ("regs-ok", child->regs);
	EXPECT_EQ(want.flags, parent->flags);
	EXPECT_EQ(want.flags, child->flags);

	/* lineage: probe 1 is the child, forked by probe 0 at its decision 0 */
	ASSERT_EQ(0, insight_probes_get(h, 0, pi, 4, &n, &degraded));
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, pi[0].id);
	EXPECT_EQ(t.pid, pi[0].pid);
	EXPECT_EQ(1, pi[1].id);
	EXPECT_EQ(0, pi[1].parent);
	EXPECT_EQ(0, pi[1].fork_seq);
	EXPECT_EQ(child->pid, pi[1].pid);
	EXPECT_EQ(0, degraded);
	ASSERT_EQ(0, insight_path_get(h, 0, 0, d, 4, &n, &lost));
	ASSERT_EQ(1, n);
	EXPECT_EQ(INSIGHT_DECISION_TAKEN | INSIGHT_DECISION_FORK, d[0].flags);
	ASSERT_EQ(0, insight_path_get(h, 1, 0, d, 4, &n, &lost));
	ASSERT_EQ(1, n);
	EXPECT_EQ(INSIGHT_DECISION_FORK | INSIGHT_DECISION_DEVIATED, d[0].flags);
	EXPECT_EQ(-ENOENT, insight_path_get(h, 2, 0, d, 4, &n, &lost));

	/* the probe is a sibling of the target: its parent (us) reaps it */
	ASSERT_EQ(child->pid, waitpid(child->pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(t.pid, waitpid(t.pid, &status, 0));
	EXPECT_EQ(0, status);
	t.pid = 0;
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
}

TEST(fork_at_the_probe_cap_runs_naturally_and_is_counted)
{
	struct insight_probe_info pi[4];
	struct insight_decision d[4];
	struct insight_nl *h;
	uint64_t lost, degraded;
	struct outcome o;
	unsigned int n;
	struct target t;
	char line[128];
	int status;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), "max_probes=1"));
	forky_session(_metadata, &t, &h);
	ASSERT_EQ(0, target_send(&t, 3));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, parse_outcome(line, &o));
	EXPECT_EQ(t.pid, o.pid);
	EXPECT_STREQ("lt", o.side);
	ASSERT_EQ(t.pid, waitpid(t.pid, &status, 0));
	t.pid = 0;
	EXPECT_EQ(NULL, fgets(line, sizeof(line), t.out));	/* nobody else */
	ASSERT_EQ(0, insight_probes_get(h, 0, pi, 4, &n, &degraded));
	EXPECT_EQ(1, n);
	EXPECT_EQ(1, degraded);
	ASSERT_EQ(0, insight_path_get(h, 0, 0, d, 4, &n, &lost));
	ASSERT_EQ(1, n);
	EXPECT_EQ(INSIGHT_DECISION_TAKEN, d[0].flags);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
	EXPECT_EQ(0, mod_unload("insight"));
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

TEST(ending_the_session_kills_the_probes)
{
	uint32_t pol = INSIGHT_POLICY_FORK;
	struct insight_nl *h;
	struct target t;
	char line[64];
	int err, status;
	pid_t probe;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, target_send(&t, 3));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	probe = probe_pid(h, 1);
	ASSERT_LT(0, probe);
	insight_nl_close(h);
	/* the probe (blocked reading stdin) was killed; we reap it */
	ASSERT_EQ(probe, waitpid(probe, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	/* the target runs on, untouched */
	EXPECT_EQ(0x7d, text_byte(t.pid, t.site[0]));
	EXPECT_EQ(1, target_ask(&t, 3));
	target_stop(&t);
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

TEST(snapshot_is_held_then_resumed_either_way)
{
	struct insight_probe_info pi;
	struct insight_decision d[4];
	struct outcome want, o;
	struct insight_nl *h;
	struct target t;
	char line[128];
	uint64_t lost;
	unsigned int n;
	int status;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, natural_outcome(3, &want));
	forky_with(_metadata, &t, &h, INSIGHT_POLICY_SNAPSHOT);
	/* the target goes on; the snapshot waits at the branch, silent */
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, parse_outcome(line, &o));
	EXPECT_EQ(t.pid, o.pid);
	EXPECT_STREQ("lt", o.side);
	ASSERT_EQ(0, wait_state(h, 1, INSIGHT_PROBE_HELD, &pi));
	EXPECT_EQ(0, pi.parent);

	/* resume it the other way, keeping a snapshot at the same branch */
	ASSERT_EQ(0, insight_probe_resume(h, 1, INSIGHT_POLICY_NOT_TAKEN, 1));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, parse_outcome(line, &o));
	EXPECT_EQ(pi.pid, o.pid);
	EXPECT_STREQ("ge", o.side);
	EXPECT_STREQ("regs-ok", o.regs);
	EXPECT_EQ(want.flags, o.flags);
	ASSERT_EQ(0, wait_state(h, 2, INSIGHT_PROBE_HELD, &pi));
	EXPECT_EQ(1, pi.parent);
	EXPECT_EQ(0, pi.fork_seq);

	/* roll back to it and take the jump this time */
	ASSERT_EQ(0, insight_probe_resume(h, 2, INSIGHT_POLICY_TAKEN, 0));
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	ASSERT_EQ(0, parse_outcome(line, &o));
	EXPECT_EQ(pi.pid, o.pid);
	EXPECT_STREQ("lt", o.side);
	EXPECT_STREQ("regs-ok", o.regs);
	EXPECT_EQ(want.flags, o.flags);

	ASSERT_EQ(0, insight_path_get(h, 1, 0, d, 4, &n, &lost));
	ASSERT_EQ(1, n);
	EXPECT_EQ(INSIGHT_DECISION_FORK | INSIGHT_DECISION_FORCED |
		  INSIGHT_DECISION_DEVIATED, d[0].flags);
	ASSERT_EQ(0, insight_path_get(h, 2, 0, d, 4, &n, &lost));
	ASSERT_EQ(1, n);
	EXPECT_EQ(INSIGHT_DECISION_FORK | INSIGHT_DECISION_FORCED |
		  INSIGHT_DECISION_TAKEN, d[0].flags);
	/* a probe that is not held cannot be resumed */
	EXPECT_EQ(-EINVAL, insight_probe_resume(h, 0, INSIGHT_POLICY_TAKEN, 0));
	EXPECT_EQ(-EINVAL, insight_probe_resume(h, 2, INSIGHT_POLICY_FORK, 0));
	EXPECT_EQ(-ENOENT, insight_probe_resume(h, 9, INSIGHT_POLICY_TAKEN, 0));
	insight_nl_close(h);
	while (waitpid(-1, &status, 0) > 0)
		EXPECT_EQ(0, status);
	fclose(t.in);
	fclose(t.out);
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

TEST(snapshot_cap_degrades_and_session_end_kills_held)
{
	uint32_t pol = INSIGHT_POLICY_SNAPSHOT;
	struct insight_probe_info pi[4];
	struct insight_nl *h;
	uint64_t degraded;
	struct target t;
	unsigned int n;
	int err, status;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), "max_snapshots=1"));
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	EXPECT_EQ(1, target_ask(&t, 3));
	ASSERT_EQ(0, wait_state(h, 1, INSIGHT_PROBE_HELD, pi));
	EXPECT_EQ(1, target_ask(&t, 3));	/* at the cap: natural, counted */
	ASSERT_EQ(0, insight_probes_get(h, 0, pi, 4, &n, &degraded));
	EXPECT_EQ(2, n);
	EXPECT_EQ(1, degraded);
	insight_nl_close(h);
	ASSERT_EQ((pid_t)pi[1].pid, waitpid(pi[1].pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(1, target_ask(&t, 3));
	target_stop(&t);
	EXPECT_EQ(0, mod_unload("insight"));
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

/* 6.1's harness has a per-test timeout only for fixture tests */
FIXTURE(cycles) {
	int unused;
};

FIXTURE_SETUP(cycles)
{
}

FIXTURE_TEARDOWN(cycles)
{
}

TEST_F_TIMEOUT(cycles, fork_kill_cycles_leave_nothing, 900)
{
	uint32_t pol = INSIGHT_POLICY_FORK;
	long long orphans_before;
	struct insight_nl *h;
	int tasks_before, i, err;
	struct target t;
	char line[64];
	pid_t probe;

	ASSERT_EQ(0, insight_ensure_unloaded());
	orphans_before = orphan_slab_objects();
	ASSERT_LE(0, orphans_before) TH_LOG("boot the guest with slub_debug=U");
	tasks_before = count_tasks();
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
	EXPECT_EQ(2, target_ask(&t, 12));
	insight_nl_close(h);
	target_stop(&t);
	ASSERT_EQ(0, mod_unload("insight"));
	EXPECT_EQ(tasks_before, count_tasks());
	EXPECT_EQ(orphans_before, orphan_slab_objects());
}

TEST_HARNESS_MAIN
