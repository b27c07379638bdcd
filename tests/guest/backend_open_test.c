// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract against each backend: opening: no such process, refused sites, a target explored already.  One body per
 * behaviour; the fixture is tests/lib/backend_fixture.h.
 */
#include "backend_fixture.h"

TEST_F(backend, opening_a_process_that_does_not_exist_is_esrch)
{
	struct xb_config cfg = { .pid = 999999, .in_fd = -1 };
	char why[128] = "";
	int refused = -1;

	if (!(kill(999999, 0) && errno == ESRCH))
		SKIP(return, "pid 999999 exists");
	EXPECT_EQ(-ESRCH, self->ops->open(&self->b, &cfg, &refused, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "999999"));
}

TEST_F(backend, ptrace_says_no_process_for_a_pid_that_does_not_exist)
{
	struct xb_config cfg = { .pid = 999999, .in_fd = -1 };
	char why[128] = "";
	int refused = -1;

	if (is_kmod(self))
		SKIP(return, "kmod: the reason is the module's errno, worded by backend_kmod.c");
	if (!(kill(999999, 0) && errno == ESRCH))
		SKIP(return, "pid 999999 exists");
	ASSERT_EQ(-ESRCH, self->ops->open(&self->b, &cfg, &refused, why, sizeof(why)));
	EXPECT_STREQ("no process 999999", why);
}

enum { S_GOOD, S_MID_INSN, S_UNMAPPED, S_TWICE, S_KERNEL, S_NOEXEC, NSITES };

/* Open on ptarget (no input) with a good site and five bad ones, in @refused. */
static int open_bad_sites(struct _test_data_backend *self, int *refused)
{
	uint64_t sites[NSITES];
	struct xb_config cfg = { .sites = sites, .nsites = NSITES, .in_fd = -1 };
	char why[128] = "";
	int err, i;

	err = start_target(self, 0);
	if (err)
		return err;
	sites[S_GOOD] = self->t.site[0];
	sites[S_MID_INSN] = self->t.site[0] + 1;	/* jne's rel8 byte: not an opcode */
	sites[S_UNMAPPED] = 8;
	sites[S_TWICE] = self->t.site[0];
	sites[S_KERNEL] = 0xffffffff81000000ULL;
	sites[S_NOEXEC] = stack_of(self->t.pid);
	if (!sites[S_NOEXEC])
		return -ENOENT;
	for (i = 0; i < NSITES; i++)
		refused[i] = -1;
	cfg.pid = self->t.pid;
	err = self->ops->open(&self->b, &cfg, refused, why, sizeof(why));
	if (err)
		fprintf(stderr, "# open: %s\n", why);
	return err;
}

TEST_F(backend, a_jcc_site_is_accepted_among_refused_ones)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(0, refused[S_GOOD]);
}

TEST_F(backend, a_site_inside_an_instruction_is_refused_eilseq)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EILSEQ, refused[S_MID_INSN]);
}

TEST_F(backend, an_unmapped_site_is_refused_efault)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EFAULT, refused[S_UNMAPPED]);
}

TEST_F(backend, a_site_given_twice_is_refused_eexist)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EEXIST, refused[S_TWICE]);
}

TEST_F(backend, a_kernel_address_as_a_site_is_refused_einval)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EINVAL, refused[S_KERNEL]);
}

TEST_F(backend, a_site_in_memory_not_executable_is_refused_eacces)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EACCES, refused[S_NOEXEC]);
}

TEST_F(backend, an_accepted_site_is_armed_with_int3)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(0xcc, text_byte(self->t.pid, self->t.site[0]));
}

TEST_F(backend, a_policy_for_a_refused_site_is_enoent)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-ENOENT, self->ops->policy(self->b, S_MID_INSN, XB_SNAPSHOT));
}

TEST_F(backend, a_policy_for_a_refused_kernel_site_is_enoent)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-ENOENT, self->ops->policy(self->b, S_KERNEL, XB_SNAPSHOT));
}

TEST_F(backend, an_unknown_policy_is_einval)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-EINVAL, self->ops->policy(self->b, S_GOOD, 99));
}

TEST_F(backend, killing_a_probe_before_any_split_is_enoent)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-ENOENT, self->ops->kill(self->b, 1));
}

TEST_F(backend, the_target_cannot_be_killed_before_it_reads)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-EINVAL, self->ops->kill(self->b, 0));
}

/*
 * The contract leaves the errno of opening a target that is explored
 * already to the backend: ptrace's PTRACE_SEIZE says EPERM (traced
 * already), insight.ko's attach says EBUSY (another session has it).
 */
TEST_F(backend, opening_a_target_explored_already_fails_with_a_reason)
{
	struct xb_config cfg = { .sites = self->t.site, .nsites = 1, .in_fd = -1 };
	int refused[NSITES], again = -1;
	char why[128] = "";
	struct xb *b2;

	ASSERT_EQ(0, open_bad_sites(self, refused));
	cfg.pid = self->t.pid;
	EXPECT_EQ(is_kmod(self) ? -EBUSY : -EPERM,
		  self->ops->open(&b2, &cfg, &again, why, sizeof(why)));
	EXPECT_NE(0, why[0]);
}

TEST_F(backend, after_close_refused_sites_leave_the_code_as_it_was)
{
	int refused[NSITES];
	char line[64];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	close_now(self);
	EXPECT_EQ(0x75, text_byte(self->t.pid, self->t.site[0]));
	ASSERT_EQ(0, ask(&self->t, "GET /q\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /q\n", line);
}

TEST_HARNESS_MAIN
