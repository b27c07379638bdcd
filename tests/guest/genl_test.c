// SPDX-License-Identifier: GPL-2.0
/*
 * The insight generic netlink family: the VERSION handshake, STATUS, and
 * the exact errno of every kind of malformed or unauthorised request.
 * Runs in the guest with insight.ko loaded (the fixture loads it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "util.h"

/* INSIGHT_TEST_FAIL=1 makes one assertion expect a wrong value, to show
 * that a failing guest test fails `make check` (see tests/README.md). */
static unsigned int expected_abi(void)
{
	return INSIGHT_ABI_VERSION + (getenv("INSIGHT_TEST_FAIL") ? 1 : 0);
}

static unsigned int read_param(const char *name)
{
	char path[128];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/insight/parameters/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

FIXTURE(genl) {
	struct insight_nl *h;
};

FIXTURE_SETUP(genl)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, insight_nl_open(&self->h));
}

FIXTURE_TEARDOWN(genl)
{
	insight_nl_close(self->h);
}

TEST_F(genl, version_is_the_headers_abi)
{
	struct insight_version v;

	ASSERT_EQ(0, insight_version(self->h, &v));
	EXPECT_EQ(expected_abi(), v.abi);
	EXPECT_EQ(INSIGHT_ABI_MIN, v.abi_min);
}

TEST_F(genl, status_reports_module_parameters)
{
	struct insight_status st;

	ASSERT_EQ(0, insight_status(self->h, &st));
	EXPECT_EQ(read_param("max_sessions"), st.max_sessions);
	EXPECT_EQ(read_param("max_sites"), st.max_sites);
	EXPECT_EQ(read_param("max_probes"), st.max_probes);
	EXPECT_NE(0, st.max_probes);
}

TEST_F(genl, unknown_command_is_eopnotsupp)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_MAX + 1);

	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EOPNOTSUPP, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, unspec_command_is_eopnotsupp)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_UNSPEC);

	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EOPNOTSUPP, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, missing_attribute_is_einval)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_VERSION);

	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
	EXPECT_STRNE("", insight_nl_errmsg(self->h));
}

TEST_F(genl, wrong_attribute_type_is_einval)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_VERSION);

	ASSERT_NE(NULL, msg);
	/* a u64 where the policy says u32 */
	ASSERT_EQ(0, nla_put_u64(msg, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION));
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, attribute_out_of_range_is_erange)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_VERSION);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_ABI_VERSION, 0));
	EXPECT_EQ(-ERANGE, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, unknown_attribute_is_einval)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_VERSION);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION));
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_MAX + 1, 7));
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, attribute_on_a_command_without_policy_is_einval)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_STATUS);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION));
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, reserved_header_field_is_einval)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_VERSION);
	struct genlmsghdr *gh;

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION));
	gh = nlmsg_data(nlmsg_hdr(msg));
	gh->reserved = 1;
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

/* STATUS needs CAP_SYS_ADMIN; VERSION is open to everyone. */
TEST(unprivileged_status_is_eperm_version_allowed)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, insight_ensure_loaded());
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct insight_version v;
		struct insight_status st;
		struct insight_nl *h;

		if (become_nobody())
			_exit(10);
		if (insight_nl_open(&h))
			_exit(11);
		if (insight_status(h, &st) != -EPERM)
			_exit(12);
		if (insight_version(h, &v) || v.abi != INSIGHT_ABI_VERSION)
			_exit(13);
		insight_nl_close(h);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
