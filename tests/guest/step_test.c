// SPDX-License-Identifier: GPL-2.0
/*
 * The trap flag of single-step mode stays where the module put it
 * (Documentation/kmod.rst, "Single-step mode"): on one thread of a
 * probe, never inherited by what that thread creates, and cleared after
 * the session ends, so no process of the target's gets a SIGTRAP it did
 * not ask for.  The target tests/targets/stepper has one site and forks
 * or runs threads through it on command.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "target.h"
#include "util.h"

#define STEPPER TARGET_DIR "stepper"

FIXTURE(stepped) {
	struct target t;
	struct insight_nl *h;
};

/* stepper, attached, its site natural, probe 0 stepped from its first pass */
FIXTURE_SETUP(stepped)
{
	int err;

	signal(SIGPIPE, SIG_IGN);	/* a target killed by SIGTRAP: a failed check */
	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&self->t, STEPPER, 0));
	ASSERT_EQ(0, insight_nl_open(&self->h));
	ASSERT_EQ(0, insight_session_new(self->h));
	ASSERT_EQ(0, insight_attach(self->h, self->t.pid));
	ASSERT_EQ(0, insight_sites_add(self->h, self->t.site, NULL, 1, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, insight_probe_step(self->h, 0, 1));
	ASSERT_EQ(1, target_ask(&self->t, 3));	/* stepped from the site on */
}

FIXTURE_TEARDOWN(stepped)
{
	if (self->h)
		insight_nl_close(self->h);
	target_stop(&self->t);
	insight_ensure_loaded();
}

/* The target has not died (a SIGTRAP would have killed it). */
static bool alive(pid_t pid)
{
	int status;

	return waitpid(pid, &status, WNOHANG) == 0;
}

/* Wait (up to 10 s) until @pid sits in read(): /proc/PID/syscall says "0 ...". */
static int blocked_in_read(pid_t pid)
{
	char path[64], buf[64];
	int i, fd, n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (i = 0; i < 1000; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 2 && !strncmp(buf, "0 ", 2))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Send @cmd, expect @want as the answer line. */
static int command(struct target *t, const char *cmd, const char *want)
{
	char line[64];

	if (fprintf(t->in, "%s\n", cmd) < 0 || fflush(t->in) ||
	    target_line(t, line, sizeof(line)))
		return -EIO;
	line[strcspn(line, "\n")] = 0;
	return strcmp(line, want) ? -EBADMSG : 0;
}

/*
 * The target, its session over and the module pinned by its flag, runs
 * (its next step clears the flag, no SIGTRAP), then the module unloads
 * and the target goes on.
 */
static void runs_on_then_unloads(struct __test_metadata *_metadata,
				 FIXTURE_DATA(stepped) *self)
{
	EXPECT_EQ(1, target_ask(&self->t, 3));
	EXPECT_EQ(0, target_ask(&self->t, 12));
	EXPECT_TRUE(alive(self->t.pid));
	EXPECT_EQ(0, mod_unload("insight"));
	EXPECT_EQ(1, target_ask(&self->t, 4));
	EXPECT_TRUE(alive(self->t.pid));
}

/*
 * The session ends while the target, stepped, waits in read(): the flag
 * is still in its registers.  The module stays loaded (in use) until the
 * target ran and its next step cleared it, then unloads.
 */
TEST_F(stepped, target_whose_session_ends_runs_on_without_sigtrap)
{
	ASSERT_EQ(0, blocked_in_read(self->t.pid));
	insight_nl_close(self->h);
	self->h = NULL;
	EXPECT_EQ(-EAGAIN, mod_unload("insight"));	/* the flag is not cleared yet */
	runs_on_then_unloads(_metadata, self);
}

/*
 * rmmod while the stepped target waits in read() and its session lives:
 * a session that steps holds the module, so it never ends within the
 * unload (where a thread blocked in the kernel could not be waited for
 * and got SIGTRAP at its next instruction); the end comes from the
 * socket, then the orphan holds the module until its thread ran.
 */
TEST_F(stepped, rmmod_while_a_stepping_session_lives_is_refused)
{
	ASSERT_EQ(0, blocked_in_read(self->t.pid));
	EXPECT_EQ(-EAGAIN, mod_unload("insight"));
	insight_nl_close(self->h);
	self->h = NULL;
	EXPECT_EQ(-EAGAIN, mod_unload("insight"));	/* the orphan's flag */
	runs_on_then_unloads(_metadata, self);
}

/*
 * The stepped target execs (which clears its flags) and then its session
 * ends: nothing is left to clear, nothing pins the module.
 */
TEST_F(stepped, target_that_execs_leaves_nothing_when_its_session_ends)
{
	char line[128];

	ASSERT_EQ(0, fprintf(self->t.in, "e\n") < 0 || fflush(self->t.in));
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line, "sites", 5)) TH_LOG("%s", line);
	insight_nl_close(self->h);
	self->h = NULL;
	EXPECT_EQ(0, mod_unload("insight"));
	EXPECT_EQ(1, target_ask(&self->t, 3));
	EXPECT_TRUE(alive(self->t.pid));
}

/* A child the stepped target forks by itself is no probe: no flag. */
TEST_F(stepped, child_a_stepped_target_forks_by_itself_exits_0)
{
	EXPECT_EQ(0, command(&self->t, "f", "0"));	/* its wait status */
	EXPECT_TRUE(alive(self->t.pid));
	ASSERT_EQ(0, insight_probe_step(self->h, 0, 0));
	EXPECT_EQ(0, command(&self->t, "f", "0"));
	EXPECT_EQ(1, target_ask(&self->t, 3));
}

/*
 * Threads the stepped thread creates go through the site while stepping
 * is on, then off: none is stepped, none gets a SIGTRAP.
 */
TEST_F(stepped, other_threads_of_a_stepped_target_get_no_sigtrap)
{
	EXPECT_EQ(0, command(&self->t, "s", "started"));
	ASSERT_EQ(0, insight_probe_step(self->h, 0, 0));
	usleep(200000);
	EXPECT_EQ(0, command(&self->t, "j", "joined"));
	EXPECT_EQ(1, target_ask(&self->t, 3));
	EXPECT_TRUE(alive(self->t.pid));
}

/* The same with the session ending while the threads run. */
TEST_F(stepped, threads_running_when_the_session_ends_get_no_sigtrap)
{
	EXPECT_EQ(0, command(&self->t, "s", "started"));
	insight_nl_close(self->h);
	self->h = NULL;
	usleep(200000);
	EXPECT_EQ(0, command(&self->t, "j", "joined"));
	EXPECT_EQ(1, target_ask(&self->t, 3));
	EXPECT_TRUE(alive(self->t.pid));
}

/* Decisions of @probe's log logged by stepping (of its first 256). */
static int stepped_decisions(struct insight_nl *h, uint32_t probe)
{
	struct insight_decision d[256];
	unsigned int n, i;
	uint64_t lost;
	int stepped = 0;

	if (insight_path_get(h, probe, 0, d, 256, &n, &lost))
		return -1;
	for (i = 0; i < n; i++)
		stepped += !!(d[i].flags & INSIGHT_DECISION_STEPPED);
	return stepped;
}

/*
 * forky stepped, its site a FORK: the probe forked there starts from the
 * program's own flags: it is not stepped (its log has only the fork) and
 * exits 0, while the target goes on stepped.  The target's exit takes it
 * off the module's list: nothing pins the module afterwards.
 */
TEST(probe_forked_from_a_stepped_target_starts_without_the_flag)
{
	uint32_t pol = INSIGHT_POLICY_FORK;
	struct insight_nl *h;
	struct target t;
	char line[128];
	int i, err, status;
	pid_t pid;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, TARGET_DIR "forky", 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, insight_probe_step(h, 0, 1));
	ASSERT_EQ(0, target_send(&t, 3));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
		EXPECT_NE(NULL, strstr(line, "regs-ok")) TH_LOG("%s", line);
		ASSERT_EQ(1, sscanf(line, "%d", &pid));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));	/* both are our children */
		EXPECT_EQ(0, status) TH_LOG("%s", line);
	}
	EXPECT_LT(0, stepped_decisions(h, 0));	/* the target went on stepped */
	EXPECT_EQ(0, stepped_decisions(h, 1));	/* its probe did not */
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
	EXPECT_EQ(0, mod_unload("insight"));
	EXPECT_EQ(0, insight_ensure_loaded());
}

TEST_HARNESS_MAIN
