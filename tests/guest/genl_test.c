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
#include "target.h"
#include "util.h"

#define BRANCHY TARGET_DIR "branchy"

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

static int session_ok(struct insight_nl *h)
{
	return insight_session_new(h);
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

TEST_F(genl, old_client_is_eprotonosupport)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_VERSION);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_MIN - 1));
	EXPECT_EQ(-EPROTONOSUPPORT, insight_transact(self->h, msg, NULL, NULL));
}

/* Each command has its own policy: another command's attribute is refused. */
TEST_F(genl, probe_kill_rejects_a_64k_sandbox_input)
{
	static char input[INSIGHT_INPUT_MAX];
	struct nl_msg *msg;

	nlmsg_set_default_size(sizeof(input) + 4096);
	msg = insight_msg_new(self->h, INSIGHT_CMD_PROBE_KILL);
	nlmsg_set_default_size(4096);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_PROBE, 1));
	ASSERT_EQ(0, nla_put(msg, INSIGHT_ATTR_INPUT, sizeof(input), input));
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, probe_kill_rejects_an_attribute_below_its_maxattr)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_PROBE_KILL);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_PROBE, 1));
	ASSERT_EQ(0, nla_put_u64(msg, INSIGHT_ATTR_START, 0));	/* PATH_GET's */
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, version_rejects_a_probe_attribute)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_VERSION);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION));
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_PROBE, 0));
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, status_rejects_a_session_attribute)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_STATUS);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_SESSION, 1));
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

/* A SITES_ADD request whose one site carries attribute @type too. */
static int site_with(struct insight_nl *h, int type)
{
	struct nl_msg *msg = insight_msg_new(h, INSIGHT_CMD_SITES_ADD);
	struct nlattr *list, *site;

	if (!msg)
		return -ENOMEM;
	list = nla_nest_start(msg, INSIGHT_ATTR_SITES);
	site = nla_nest_start(msg, INSIGHT_ATTR_SITE);
	if (!list || !site || nla_put_u64(msg, INSIGHT_SITE_ADDR, 0x401000) ||
	    nla_put_u32(msg, type, 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, site);
	nla_nest_end(msg, list);
	return insight_transact(h, msg, NULL, NULL);
}

TEST_F(genl, site_with_a_reply_only_attribute_is_einval)
{
	EXPECT_EQ(-EINVAL, site_with(self->h, INSIGHT_SITE_ERRNO));
}

TEST_F(genl, site_with_an_unknown_attribute_is_einval)
{
	EXPECT_EQ(-EINVAL, site_with(self->h, INSIGHT_SITE_MAX + 1));
}

TEST_F(genl, get_without_dump_flag_is_eopnotsupp)
{
	struct nl_msg *msg = insight_msg_new(self->h, INSIGHT_CMD_PATH_GET);

	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EOPNOTSUPP, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, dump_with_another_commands_attribute_is_einval)
{
	struct nl_msg *msg = insight_dump_new(self->h, INSIGHT_CMD_PROBES_GET);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, session_ok(self->h));
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_PROBE, 0));	/* PATH_GET's */
	EXPECT_EQ(-EINVAL, insight_transact(self->h, msg, NULL, NULL));
}

TEST_F(genl, dump_without_a_session_is_enoent)
{
	struct insight_probe_info pi[2];
	unsigned int n = 7;
	uint64_t degraded;

	EXPECT_EQ(-ENOENT, insight_probes_get(self->h, 0, pi, 2, &n, &degraded));
	EXPECT_EQ(0, n);
}

TEST_F(genl, dump_of_an_unknown_probe_is_enoent)
{
	struct insight_decision d[2];
	unsigned int n;
	uint64_t lost;

	ASSERT_EQ(0, session_ok(self->h));
	EXPECT_EQ(-ENOENT, insight_path_get(self->h, 5, 0, d, 2, &n, &lost));
}

TEST_F(genl, dump_of_outputs_of_an_unknown_probe_is_enoent)
{
	static struct insight_output_info o[2];
	unsigned int n;
	uint64_t lost;

	ASSERT_EQ(0, session_ok(self->h));
	EXPECT_EQ(-ENOENT, insight_outputs_get(self->h, 5, 0, o, 2, &n, &lost));
}

/* Another socket's dump reads its own (empty) session, never this one's. */
TEST(dump_reads_only_the_sockets_own_session)
{
	struct insight_probe_info pi[4];
	struct insight_nl *a, *b;
	uint64_t degraded;
	struct target t;
	unsigned int n;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&a));
	ASSERT_EQ(0, insight_session_new(a));
	ASSERT_EQ(0, insight_attach(a, t.pid));
	ASSERT_EQ(0, insight_nl_open(&b));
	ASSERT_EQ(0, insight_session_new(b));
	ASSERT_EQ(0, insight_probes_get(b, 0, pi, 4, &n, &degraded));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, insight_probes_get(a, 0, pi, 4, &n, &degraded));
	EXPECT_EQ(1, n);
	insight_nl_close(b);
	insight_nl_close(a);
	target_stop(&t);
}

struct dump_count {
	unsigned int msgs, items;
	uint64_t expect;	/* the next sequence number or id */
	int order_ok;
};

static int count_path(struct nlattr **tb, void *arg)
{
	struct dump_count *c = arg;
	struct insight_decision *d;
	unsigned int i, n;

	if (!tb[INSIGHT_ATTR_DECISIONS])
		return -EBADMSG;
	d = nla_data(tb[INSIGHT_ATTR_DECISIONS]);
	n = nla_len(tb[INSIGHT_ATTR_DECISIONS]) / sizeof(*d);
	for (i = 0; i < n; i++, c->items++)
		if (d[i].seq != c->expect++)
			c->order_ok = 0;
	c->msgs++;
	return 0;
}

TEST(path_dump_over_several_messages_has_each_decision_once)
{
	uint32_t pol = INSIGHT_POLICY_NATURAL;
	struct dump_count c = { .order_ok = 1 };
	struct insight_nl *h;
	struct nl_msg *msg;
	struct target t;
	int i, err;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, err);
	for (i = 0; i < 3 * INSIGHT_PATH_BATCH / 2; i++)
		ASSERT_LE(0, target_ask(&t, i));
	msg = insight_dump_new(h, INSIGHT_CMD_PATH_GET);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, insight_transact(h, msg, count_path, &c));
	EXPECT_LE(2, c.msgs);
	EXPECT_EQ(3 * INSIGHT_PATH_BATCH / 2, c.items);
	EXPECT_TRUE(c.order_ok);
	insight_nl_close(h);
	target_stop(&t);
}

/*
 * A dump of a nested list (@list: nests of attributes up to @max, @id the
 * one that numbers them, a u32 or a u64): count messages and items, and
 * check the numbers come in order from 0.
 */
struct nest_count {
	struct dump_count c;
	int list, max, id;
	bool wide;
};

static int count_nested(struct nlattr **tb, void *arg)
{
	struct nest_count *nc = arg;
	/* room for either kind of nest */
	struct nlattr *itb[(INSIGHT_OUTPUT_MAX > INSIGHT_PROBE_MAX ?
			    INSIGHT_OUTPUT_MAX : INSIGHT_PROBE_MAX) + 1], *nest;
	uint64_t id;
	int rem;

	if (!tb[nc->list])
		return -EBADMSG;
	nla_for_each_nested(nest, tb[nc->list], rem) {
		if (nla_parse_nested(itb, nc->max, nest, NULL) || !itb[nc->id])
			return -EBADMSG;
		id = nc->wide ? nla_get_u64(itb[nc->id]) : nla_get_u32(itb[nc->id]);
		if (id != nc->c.expect++)
			nc->c.order_ok = 0;
		nc->c.items++;
	}
	nc->c.msgs++;
	return 0;
}

FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

/* More probes than one message holds: snapshots taken and killed. */
TEST_F_TIMEOUT(slow, probes_dump_over_several_messages_has_each_probe_once, 300)
{
	uint32_t pol = INSIGHT_POLICY_SNAPSHOT, id;
	struct nest_count nc = { { .order_ok = 1 }, INSIGHT_ATTR_PROBES, INSIGHT_PROBE_MAX,
				 INSIGHT_PROBE_ID, false };
	struct dump_count *c = &nc.c;
	const unsigned int want = INSIGHT_PROBES_BATCH + 8;
	struct insight_probe_info pi;
	struct insight_nl *h;
	uint64_t degraded;
	struct nl_msg *msg;
	struct target t;
	unsigned int n;
	int err, tries;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, err);
	for (id = 1; id < want; id++) {
		ASSERT_LT(0, target_ask(&t, 3));
		/* held, then killed: it stays in the list, exited */
		for (tries = 0; tries < 500; tries++) {
			if (!insight_probes_get(h, id, &pi, 1, &n, &degraded) &&
			    n == 1 && pi.state == INSIGHT_PROBE_HELD)
				break;
			usleep(10000);
		}
		ASSERT_EQ(1, n);
		ASSERT_EQ(0, insight_probe_kill(h, id));
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	msg = insight_dump_new(h, INSIGHT_CMD_PROBES_GET);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, insight_transact(h, msg, count_nested, &nc));
	EXPECT_LE(2, c->msgs);
	EXPECT_EQ(want, c->items);
	EXPECT_TRUE(c->order_ok);
	insight_nl_close(h);
	target_stop(&t);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

TEST(outputs_dump_over_several_messages_has_each_output_once)
{
	static struct insight_output_info o[INSIGHT_OUTPUTS_BATCH * 2];
	const unsigned int want = INSIGHT_OUTPUTS_BATCH + 8;
	uint32_t pol = INSIGHT_POLICY_NATURAL;
	struct nest_count nc = { { .order_ok = 1 }, INSIGHT_ATTR_OUTPUTS, INSIGHT_OUTPUT_MAX,
				 INSIGHT_OUTPUT_SEQ, true };
	struct dump_count *c = &nc.c;
	struct insight_nl *h;
	struct nl_msg *msg;
	struct target t;
	unsigned int i, n = 0;
	uint64_t lost;
	int err;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, insight_sandbox(h, 16, -1, NULL, 0));
	/* each answer is a write the sandbox captures and suppresses */
	for (i = 0; i < want; i++)
		ASSERT_EQ(0, target_send(&t, i));
	for (i = 0; i < 500 && n < want; i++) {
		ASSERT_EQ(0, insight_outputs_get(h, 0, 0, o, want, &n, &lost));
		usleep(10000);
	}
	ASSERT_EQ(want, n);
	msg = insight_dump_new(h, INSIGHT_CMD_OUTPUTS_GET);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, insight_transact(h, msg, count_nested, &nc));
	EXPECT_LE(2, c->msgs);
	EXPECT_EQ(want, c->items);
	EXPECT_TRUE(c->order_ok);
	insight_nl_close(h);
	target_stop(&t);
}

TEST(unprivileged_dump_is_eperm)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, insight_ensure_loaded());
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct insight_probe_info pi;
		struct insight_nl *h;
		uint64_t degraded;
		unsigned int n;

		if (become_nobody())
			_exit(10);
		if (insight_nl_open(&h))
			_exit(11);
		if (insight_probes_get(h, 0, &pi, 1, &n, &degraded) != -EPERM)
			_exit(12);
		insight_nl_close(h);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
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
