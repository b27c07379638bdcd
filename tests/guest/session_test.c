// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions and branch sites: the target tests/targets/branchy has two
 * known conditional jumps; these tests trap them, force directions,
 * read the exact path log, and check that breakpoints are private to the
 * target and gone when the session ends, however it ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "sites.h"
#include "scenario.h"
#include "target.h"
#include "util.h"

#define BRANCHY TARGET_DIR "branchy"
/* branchy's sites, in the order it prints them */
#define LT	site[0]
#define EVEN	site[1]
#define NOTJCC	site[2]
#define DATA	site[3]

/*
 * A full log keeps its prefix and counts what it drops.
 *
 * Defined before the site fixture on purpose: the harness runs fixtures in
 * the order they are defined, and this scenario ends with insight.ko
 * unloaded, while the guest's failure suite, run after this program, needs
 * it loaded (the site and single_step fixtures load it).
 */
struct full_log_record {
	int state;
	int answer[5];
	int path_rc;
	unsigned int n;
	uint64_t lost;
	struct insight_decision d[8];
	int unload_rc;
};
SCENARIO(full_log_rec, struct full_log_record);

/* insight.ko loaded max_log=3; branchy, both sites natural, told 3 five times */
static void play_full_log(struct __test_metadata *_metadata, struct full_log_record *r)
{
	struct insight_nl *h;
	struct target t;
	int errs[2], i;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), "max_log=3"));
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, t.site, NULL, 2, errs));
	for (i = 0; i < 5; i++)		/* 10 decisions */
		r->answer[i] = target_ask(&t, 3);
	r->path_rc = insight_path_get(h, 0, 0, r->d, 8, &r->n, &r->lost);
	insight_nl_close(h);
	target_stop(&t);
	r->unload_rc = mod_unload("insight");
}

FIXTURE(full_log) {
	const struct full_log_record *r;
};

FIXTURE_SETUP(full_log)
{
	SCENARIO_PLAY(full_log_rec, play_full_log);
	self->r = full_log_rec;
}

FIXTURE_TEARDOWN(full_log)
{
}

TEST_F(full_log, target_computes_right_with_the_log_full)
{
	int i;

	for (i = 0; i < 5; i++)
		EXPECT_EQ(1, self->r->answer[i]) TH_LOG("request %d", i);
}

TEST_F(full_log, holds_max_log_decisions)
{
	ASSERT_EQ(0, self->r->path_rc);
	EXPECT_EQ(3, self->r->n);
}

TEST_F(full_log, counts_the_dropped_decisions_as_lost)
{
	ASSERT_EQ(0, self->r->path_rc);
	EXPECT_EQ(7, self->r->lost);
}

TEST_F(full_log, keeps_the_first_decisions)
{
	ASSERT_EQ(0, self->r->path_rc);
	EXPECT_EQ(0, self->r->d[0].site);
	EXPECT_EQ(1, self->r->d[1].site);
	EXPECT_EQ(0, self->r->d[2].site);
}

TEST_F(full_log, module_unloads_afterwards)
{
	EXPECT_EQ(0, self->r->unload_rc);
}

FIXTURE(site) {
	struct target t;
	struct insight_nl *h;
};

/* branchy, attached by a new session */
static void branchy_session(struct __test_metadata *_metadata, struct target *t,
			    struct insight_nl **h)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(h));
	ASSERT_EQ(0, insight_session_new(*h));
	ASSERT_EQ(0, insight_attach(*h, t->pid));
}

FIXTURE_SETUP(site)
{
	branchy_session(_metadata, &self->t, &self->h);
}

FIXTURE_TEARDOWN(site)
{
	insight_nl_close(self->h);
	target_stop(&self->t);
}

static void add_two(struct __test_metadata *_metadata, FIXTURE_DATA(site) *self,
		    uint32_t p_lt, uint32_t p_even)
{
	uint64_t addrs[] = { self->t.LT, self->t.EVEN };
	uint32_t pol[] = { p_lt, p_even };
	int errs[2] = { -1, -1 };

	ASSERT_EQ(0, insight_sites_add(self->h, addrs, pol, 2, errs));
	ASSERT_EQ(0, errs[0]);
	ASSERT_EQ(0, errs[1]);
}

TEST_F(site, natural_path_is_logged_exactly)
{
	struct insight_decision d[8];
	unsigned int n;
	uint64_t lost;

	add_two(_metadata, self, INSIGHT_POLICY_NATURAL, INSIGHT_POLICY_NATURAL);
	EXPECT_EQ(1, target_ask(&self->t, 3));	/* < 10, odd */
	EXPECT_EQ(2, target_ask(&self->t, 12));	/* >= 10, even */
	ASSERT_EQ(0, insight_path_get(self->h, 0, 0, d, 8, &n, &lost));
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, lost);
	/* x=3: jge not taken, jnz taken; x=12: jge taken, jnz not taken */
	EXPECT_EQ(0, d[0].site);
	EXPECT_EQ(0, d[0].flags);
	EXPECT_EQ(1, d[1].site);
	EXPECT_EQ(INSIGHT_DECISION_TAKEN, d[1].flags);
	EXPECT_EQ(0, d[2].site);
	EXPECT_EQ(INSIGHT_DECISION_TAKEN, d[2].flags);
	EXPECT_EQ(1, d[3].site);
	EXPECT_EQ(0, d[3].flags);
	EXPECT_EQ(3, d[3].seq);
}

TEST_F(site, forced_directions_change_the_result_only)
{
	struct insight_decision d[8];
	unsigned int n;
	uint64_t lost;

	/* jge forced taken: bit 0 never set; jnz forced not taken: bit 1 always */
	add_two(_metadata, self, INSIGHT_POLICY_TAKEN, INSIGHT_POLICY_NOT_TAKEN);
	EXPECT_EQ(2, target_ask(&self->t, 3));
	EXPECT_EQ(2, target_ask(&self->t, 12));
	ASSERT_EQ(0, insight_path_get(self->h, 0, 0, d, 8, &n, &lost));
	ASSERT_EQ(4, n);
	EXPECT_EQ(INSIGHT_DECISION_TAKEN | INSIGHT_DECISION_FORCED |
		  INSIGHT_DECISION_DEVIATED, d[0].flags);
	EXPECT_EQ(INSIGHT_DECISION_FORCED | INSIGHT_DECISION_DEVIATED, d[1].flags);
	EXPECT_EQ(INSIGHT_DECISION_TAKEN | INSIGHT_DECISION_FORCED, d[2].flags);
	EXPECT_EQ(INSIGHT_DECISION_FORCED, d[3].flags);
	/* back to natural: the program computes as before */
	ASSERT_EQ(0, insight_site_policy(self->h, self->t.LT, INSIGHT_POLICY_NATURAL));
	ASSERT_EQ(0, insight_site_policy(self->h, self->t.EVEN, INSIGHT_POLICY_NATURAL));
	EXPECT_EQ(1, target_ask(&self->t, 3));
	EXPECT_EQ(3, target_ask(&self->t, 4));
	EXPECT_EQ(-ENOENT, insight_site_policy(self->h, self->t.NOTJCC,
					       INSIGHT_POLICY_TAKEN));
}

TEST_F(site, bad_sites_get_their_own_errno)
{
	uint64_t addrs[] = {
		0xffffffff81000000ULL,	/* kernel address */
		0x1000,			/* unmapped */
		self->t.DATA,		/* not executable */
		self->t.NOTJCC,		/* not a conditional jump */
		self->t.LT,		/* fine */
		self->t.LT,		/* duplicate */
	};
	int want[] = { EINVAL, EFAULT, EACCES, EILSEQ, 0, EEXIST };
	int errs[6], i;

	ASSERT_EQ(0, insight_sites_add(self->h, addrs, NULL, 6, errs));
	for (i = 0; i < 6; i++)
		EXPECT_EQ(want[i], errs[i]) TH_LOG("site %d", i);
	/* the refused ones left nothing behind: the program is intact */
	EXPECT_EQ(0x83, text_byte(self->t.pid, self->t.NOTJCC));
	EXPECT_EQ(1, target_ask(&self->t, 3));
}

TEST_F(site, unknown_policy_is_erange)
{
	uint64_t addr = self->t.LT;
	uint32_t pol = __INSIGHT_POLICY_MAX;
	int err;

	EXPECT_EQ(-ERANGE, insight_sites_add(self->h, &addr, &pol, 1, &err));
}

/*
 * The kernel takes at most 1024 sites a request (E2BIG beyond):
 * libinsight sends more in batches, each site answered in order.
 */
TEST_F(site, more_than_1024_sites_go_in_batches)
{
	static uint64_t addrs[1025];
	static int errs[1025];
	int i;

	for (i = 0; i < 1025; i++)
		addrs[i] = self->t.LT;
	EXPECT_EQ(0, insight_sites_add(self->h, addrs, NULL, 1025, errs));
	EXPECT_EQ(0, errs[0]);
	EXPECT_EQ(EEXIST, errs[1]);
	EXPECT_EQ(EEXIST, errs[1024]);
}

TEST_F(site, breakpoints_are_private_to_the_target)
{
	struct target other;

	ASSERT_EQ(0, target_start(&other, BRANCHY, 0));
	add_two(_metadata, self, INSIGHT_POLICY_TAKEN, INSIGHT_POLICY_NATURAL);
	EXPECT_EQ(0xcc, text_byte(self->t.pid, self->t.LT));
	EXPECT_EQ(0x7d, text_byte(other.pid, other.LT));
	EXPECT_EQ(0x0f, text_byte(other.pid, other.EVEN));
	EXPECT_EQ(1, target_ask(&other, 3));	/* unaffected */
	EXPECT_EQ(0, target_ask(&self->t, 3));	/* forced */
	target_stop(&other);
}

TEST_F(site, closing_the_socket_removes_every_breakpoint)
{
	add_two(_metadata, self, INSIGHT_POLICY_TAKEN, INSIGHT_POLICY_TAKEN);
	EXPECT_EQ(0, target_ask(&self->t, 3));
	insight_nl_close(self->h);
	self->h = NULL;
	EXPECT_EQ(0x7d, text_byte(self->t.pid, self->t.LT));
	EXPECT_EQ(0x0f, text_byte(self->t.pid, self->t.EVEN));
	EXPECT_EQ(1, target_ask(&self->t, 3));
	EXPECT_EQ(3, target_ask(&self->t, 4));
}

TEST_F(site, attach_twice_is_ebusy)
{
	struct insight_nl *h2;

	EXPECT_EQ(-EBUSY, insight_attach(self->h, self->t.pid));
	/* another session may not explore the same target either */
	ASSERT_EQ(0, insight_nl_open(&h2));
	ASSERT_EQ(0, insight_session_new(h2));
	EXPECT_EQ(-EBUSY, insight_attach(h2, self->t.pid));
	insight_nl_close(h2);
}

/*
 * branchy with a natural site at LT, single-stepped while told 3, then
 * stepping turned off and told 4.
 */
#define STEPPED_MAX 70000
struct step_record {
	int state;
	int step_unknown_rc, answer, answer_off;
	uint64_t lt, even;
	int path_rc;
	unsigned int n, n_off_before, n_off;
	struct insight_decision last;
	struct insight_decision d[STEPPED_MAX];
};
SCENARIO(step_rec, struct step_record);

static void play_step(struct __test_metadata *_metadata, struct step_record *r)
{
	static struct insight_decision d[STEPPED_MAX];
	uint32_t pol = INSIGHT_POLICY_NATURAL;
	struct insight_nl *h;
	struct target t;
	uint64_t lost;
	int err;

	branchy_session(_metadata, &t, &h);
	r->lt = t.LT;
	r->even = t.EVEN;
	ASSERT_EQ(0, insight_sites_add(h, &r->lt, &pol, 1, &err));
	ASSERT_EQ(0, err);
	r->step_unknown_rc = insight_probe_step(h, 3, 1);
	ASSERT_EQ(0, insight_probe_step(h, 0, 1));
	/* stepping starts at LT; EVEN, no site, is the next jump it meets */
	r->answer = target_ask(&t, 3);
	r->path_rc = insight_path_get(h, 0, 0, r->d, STEPPED_MAX, &r->n, &lost);

	/* off: it stops at its next step; the next request logs LT only */
	ASSERT_EQ(0, insight_probe_step(h, 0, 0));
	ASSERT_EQ(0, insight_path_get(h, 0, 0, d, STEPPED_MAX, &r->n_off_before, &lost));
	r->answer_off = target_ask(&t, 4);
	ASSERT_EQ(0, insight_path_get(h, 0, 0, d, STEPPED_MAX, &r->n_off, &lost));
	if (r->n_off)
		r->last = d[r->n_off - 1];
	insight_nl_close(h);
	target_stop(&t);
}

FIXTURE(single_step) {
	const struct step_record *r;
};

FIXTURE_SETUP(single_step)
{
	SCENARIO_PLAY(step_rec, play_step);
	self->r = step_rec;
}

FIXTURE_TEARDOWN(single_step)
{
}

TEST_F(single_step, stepping_an_unknown_probe_is_enoent)
{
	EXPECT_EQ(-ENOENT, self->r->step_unknown_rc);
}

TEST_F(single_step, stepped_target_computes_right)
{
	EXPECT_EQ(1, self->r->answer);
}

/* The stepped request's log holds the site and more. */
static void stepped_log(struct __test_metadata *_metadata, const struct step_record *r)
{
	ASSERT_EQ(0, r->path_rc);
	ASSERT_LT(2, r->n);
}

TEST_F(single_step, log_starts_at_the_site)
{
	stepped_log(_metadata, self->r);
	EXPECT_EQ(0, self->r->d[0].site);
	EXPECT_EQ(self->r->lt, self->r->d[0].addr);
}

TEST_F(single_step, site_is_logged_not_stepped_and_not_taken)
{
	stepped_log(_metadata, self->r);
	EXPECT_EQ(0, self->r->d[0].flags);
}

TEST_F(single_step, jump_without_a_site_is_logged_at_its_address)
{
	stepped_log(_metadata, self->r);
	EXPECT_EQ(INSIGHT_SITE_NONE, self->r->d[1].site);
	EXPECT_EQ(self->r->even, self->r->d[1].addr);
}

TEST_F(single_step, jump_without_a_site_is_logged_stepped_with_its_direction)
{
	stepped_log(_metadata, self->r);
	EXPECT_EQ(INSIGHT_DECISION_STEPPED | INSIGHT_DECISION_TAKEN, self->r->d[1].flags);
}

TEST_F(single_step, every_jump_after_the_site_is_logged_stepped)
{
	unsigned int i;

	stepped_log(_metadata, self->r);
	for (i = 1; i < self->r->n; i++)
		EXPECT_TRUE(self->r->d[i].flags & INSIGHT_DECISION_STEPPED) TH_LOG("%u", i);
	TH_LOG("%u conditional jumps stepped through for one request", self->r->n - 1);
}

TEST_F(single_step, jump_met_once_is_logged_once)
{
	unsigned int i, even = 0;

	stepped_log(_metadata, self->r);
	for (i = 1; i < self->r->n; i++)
		even += self->r->d[i].addr == self->r->even;
	EXPECT_EQ(1, even);
}

TEST_F(single_step, target_computes_right_after_stepping_off)
{
	EXPECT_EQ(3, self->r->answer_off);
}

TEST_F(single_step, stepping_off_logs_only_the_site_next_time)
{
	ASSERT_EQ(self->r->n_off_before + 1, self->r->n_off);
	EXPECT_EQ(0, self->r->last.site);
}

TEST_F(single_step, site_after_stepping_off_logs_its_own_direction)
{
	ASSERT_EQ(self->r->n_off_before + 1, self->r->n_off);
	EXPECT_EQ(0, self->r->last.flags);	/* 4 < 10: jge not taken */
}

/* Every jump the disassembler finds in main is one the kernel accepts. */
TEST_F(site, disassembled_jumps_are_accepted_sites)
{
	uint64_t addrs[64];
	int errs[64], i, n = 0;
	struct insight_jcc *j;
	char why[256];
	size_t nj, k;

	ASSERT_EQ(0, insight_find_jccs(self->t.pid, NULL, &j, &nj, why, sizeof(why)))
		TH_LOG("%s", why);
	for (k = 0; k < nj && n < 64; k++)
		if (!strcmp(j[k].func, "main"))
			addrs[n++] = j[k].addr;
	free(j);
	ASSERT_LE(2, n);
	ASSERT_EQ(0, insight_sites_add(self->h, addrs, NULL, n, errs));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, errs[i]) TH_LOG("%#lx", (unsigned long)addrs[i]);
	EXPECT_EQ(1, target_ask(&self->t, 3));	/* and it still computes */
}

TEST_F(site, target_exit_mid_session_is_harmless)
{
	struct insight_decision d[4];
	unsigned int n;
	uint64_t lost;

	add_two(_metadata, self, INSIGHT_POLICY_NATURAL, INSIGHT_POLICY_NATURAL);
	EXPECT_EQ(1, target_ask(&self->t, 3));
	target_stop(&self->t);
	ASSERT_EQ(0, insight_path_get(self->h, 0, 0, d, 4, &n, &lost));
	EXPECT_EQ(2, n);
}

TEST(owner_sigkilled_mid_session_leaves_nothing)
{
	struct target t;
	int ready[2], status;
	pid_t owner;
	char c;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, pipe(ready));
	owner = fork();
	ASSERT_LE(0, owner);
	if (!owner) {
		uint64_t addrs[] = { t.LT, t.EVEN };
		uint32_t pol[] = { INSIGHT_POLICY_TAKEN, INSIGHT_POLICY_TAKEN };
		struct insight_nl *h;
		int errs[2];

		if (insight_nl_open(&h) || insight_session_new(h) ||
		    insight_attach(h, t.pid) ||
		    insight_sites_add(h, addrs, pol, 2, errs) || errs[0] || errs[1])
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ(0xcc, text_byte(t.pid, t.LT));
	EXPECT_EQ(0, target_ask(&t, 3));	/* forced while the owner lives */
	kill(owner, SIGKILL);
	ASSERT_EQ(owner, waitpid(owner, &status, 0));
	EXPECT_EQ(0x7d, text_byte(t.pid, t.LT));
	EXPECT_EQ(0x0f, text_byte(t.pid, t.EVEN));
	EXPECT_EQ(1, target_ask(&t, 3));
	target_stop(&t);
}

TEST(attach_errors)
{
	struct insight_nl *h;
	pid_t gone;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, insight_nl_open(&h));
	EXPECT_EQ(-ENOENT, insight_attach(h, getpid()));	/* no session yet */
	ASSERT_EQ(0, insight_session_new(h));
	EXPECT_EQ(-EBUSY, insight_session_new(h));		/* one per socket */
	gone = fork();
	if (!gone)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	EXPECT_EQ(-ESRCH, insight_attach(h, gone));		/* bad pid */
	EXPECT_EQ(-EINVAL, insight_attach(h, 2));		/* kthreadd */
	insight_nl_close(h);
}

/* Drop CAP_SYS_PTRACE, keep the rest (CAP_SYS_ADMIN among them). */
static int drop_sys_ptrace(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_SYS_PTRACE / 32].effective &= ~(1U << (CAP_SYS_PTRACE % 32));
	data[CAP_SYS_PTRACE / 32].permitted &= ~(1U << (CAP_SYS_PTRACE % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

TEST(untraceable_target_is_eacces)
{
	struct target t;
	int status;
	pid_t pid;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 65534));	/* another user's process */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct insight_nl *h;

		if (drop_sys_ptrace() || insight_nl_open(&h) || insight_session_new(h))
			_exit(10);
		_exit(insight_attach(h, t.pid) == -EACCES ? 0 : 11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	target_stop(&t);
}

TEST(unprivileged_session_is_eperm)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, insight_ensure_loaded());
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct insight_nl *h;

		if (become_nobody() || insight_nl_open(&h))
			_exit(10);
		_exit(insight_session_new(h) == -EPERM ? 0 : 11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(session_limits)
{
	struct insight_nl *h[3];
	struct target t;
	uint64_t addrs[3];
	int errs[3], i;

	ASSERT_EQ(0, insight_ensure_unloaded());
	ASSERT_EQ(0, mod_load(insight_ko(), "max_sessions=2 max_sites=2"));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, insight_nl_open(&h[i]));
		EXPECT_EQ(i < 2 ? 0 : -EMFILE, insight_session_new(h[i]));
	}
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_attach(h[0], t.pid));
	addrs[0] = t.LT;
	addrs[1] = t.EVEN;
	addrs[2] = t.NOTJCC;
	EXPECT_EQ(-ENOSPC, insight_sites_add(h[0], addrs, NULL, 3, errs));
	EXPECT_EQ(0, insight_sites_add(h[0], addrs, NULL, 2, errs));
	EXPECT_EQ(-ENOSPC, insight_sites_add(h[0], addrs + 2, NULL, 1, errs));
	for (i = 0; i < 3; i++)
		insight_nl_close(h[i]);
	target_stop(&t);
	EXPECT_EQ(0, mod_unload("insight"));
}

/* rmmod with a live session: the module ends it, removing breakpoints. */
TEST(rmmod_with_an_active_session_cleans_up)
{
	struct insight_nl *h;
	struct target t;
	uint64_t addr;
	uint32_t pol = INSIGHT_POLICY_TAKEN;
	int err;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	addr = t.LT;
	ASSERT_EQ(0, insight_sites_add(h, &addr, &pol, 1, &err));
	EXPECT_EQ(0, target_ask(&t, 3));
	EXPECT_EQ(0, mod_unload("insight"));
	EXPECT_EQ(0x7d, text_byte(t.pid, t.LT));
	EXPECT_EQ(1, target_ask(&t, 3));
	insight_nl_close(h);
	target_stop(&t);
}

/*
 * 20 sessions that attach, trap both sites and end leave no slab object
 * behind once the module is gone (exact count, see tests/lib/util.h).
 */
TEST(session_cycles_leak_nothing)
{
	long long before, after;
	struct target t;
	int i;

	ASSERT_EQ(0, insight_ensure_unloaded());
	before = orphan_slab_objects();
	ASSERT_LE(0, before) TH_LOG("boot the guest with slub_debug=U");
	ASSERT_EQ(0, mod_load(insight_ko(), NULL));
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	for (i = 0; i < 20; i++) {
		uint64_t addrs[] = { t.LT, t.EVEN };
		uint32_t pol[] = { INSIGHT_POLICY_TAKEN, INSIGHT_POLICY_NATURAL };
		struct insight_nl *h;
		int errs[2];

		ASSERT_EQ(0, insight_nl_open(&h));
		ASSERT_EQ(0, insight_session_new(h));
		ASSERT_EQ(0, insight_attach(h, t.pid));
		ASSERT_EQ(0, insight_sites_add(h, addrs, pol, 2, errs));
		ASSERT_EQ(0, target_ask(&t, 3));
		insight_nl_close(h);
	}
	EXPECT_EQ(1, target_ask(&t, 3));
	target_stop(&t);
	ASSERT_EQ(0, mod_unload("insight"));
	after = orphan_slab_objects();
	EXPECT_EQ(before, after);
}

TEST_HARNESS_MAIN
