// SPDX-License-Identifier: GPL-2.0
/*
 * SITES_ADD is all or nothing: a request that fails (a malformed site
 * after good ones, a reply that cannot be delivered) leaves no site of
 * its batch, no breakpoint in the target's text, and the target
 * computing naturally.  Requests go over raw netlink sockets
 * (tests/lib/nlraw.h): libnl cannot build a site without an address,
 * nor leave replies unread.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/insight.h>

#include "kselftest_harness.h"
#include "nlraw.h"
#include "target.h"
#include "util.h"

#define BRANCHY TARGET_DIR "branchy"
#define LT	site[0]
#define EVEN	site[1]

FIXTURE(batch) {
	struct target t;
	int fd, fam;
	uint8_t lt[2], even[2];	/* the original text at both sites */
};

FIXTURE_SETUP(batch)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&self->t, BRANCHY, 0));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.LT, self->lt, 2));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.EVEN, self->even, 2));
	self->fd = nlraw_open();
	ASSERT_LE(0, self->fd);
	self->fam = nlraw_family(self->fd, INSIGHT_GENL_NAME);
	ASSERT_LT(0, self->fam);
	ASSERT_EQ(0, nlraw_session(self->fd, self->fam, self->t.pid));
}

FIXTURE_TEARDOWN(batch)
{
	close(self->fd);
	target_stop(&self->t);
}

/* One site nest: an address unless @addr is 0, a policy. */
static void put_site(struct nlb *b, uint64_t addr, uint32_t policy)
{
	size_t site = nlb_nest(b, INSIGHT_ATTR_SITE);

	if (addr)
		nlb_u64(b, INSIGHT_SITE_ADDR, addr);
	nlb_u32(b, INSIGHT_SITE_POLICY, policy);
	nlb_nest_end(b, site);
}

/* A SITES_ADD (or SITE_POLICY) request of @n sites into @b. */
static void sites_msg(struct nlb *b, int fam, uint8_t cmd, const uint64_t *addrs,
		      const uint32_t *pol, int n)
{
	size_t msg = nlb_msg(b, fam, NLM_F_REQUEST | NLM_F_ACK, 7, cmd);
	size_t list = nlb_nest(b, INSIGHT_ATTR_SITES);
	int i;

	for (i = 0; i < n; i++)
		put_site(b, addrs[i], pol[i]);
	nlb_nest_end(b, list);
	nlb_end(b, msg);
}

static int sites_req(FIXTURE_DATA(batch) *self, uint8_t cmd, const uint64_t *addrs,
		     const uint32_t *pol, int n)
{
	uint8_t req[512];
	struct nlb b;

	nlb_init(&b, req, sizeof(req));
	sites_msg(&b, self->fam, cmd, addrs, pol, n);
	return nlraw_transact(self->fd, req, b.len, NULL, NULL);
}

/*
 * Nothing of the batch is left: no site (SITE_POLICY on its first address
 * is ENOENT), the text is the original, the target computes naturally.
 */
static void nothing_left(struct __test_metadata *_metadata, FIXTURE_DATA(batch) *self)
{
	uint32_t natural = INSIGHT_POLICY_NATURAL;
	uint8_t now[2];

	EXPECT_EQ(-ENOENT, sites_req(self, INSIGHT_CMD_SITE_POLICY, &self->t.LT,
				     &natural, 1));
	EXPECT_EQ(-ENOENT, sites_req(self, INSIGHT_CMD_SITE_POLICY, &self->t.EVEN,
				     &natural, 1));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.LT, now, 2));
	EXPECT_EQ(0, memcmp(now, self->lt, 2));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.EVEN, now, 2));
	EXPECT_EQ(0, memcmp(now, self->even, 2));
	/* LT forced taken would clear bit 0, EVEN forced not taken set bit 1 */
	EXPECT_EQ(1, target_ask(&self->t, 3));
	EXPECT_EQ(2, target_ask(&self->t, 12));
}

/* The batch added afterwards works (the check above can fail). */
static void batch_works(struct __test_metadata *_metadata, FIXTURE_DATA(batch) *self)
{
	uint64_t addrs[] = { self->t.LT, self->t.EVEN };
	uint32_t pol[] = { INSIGHT_POLICY_TAKEN, INSIGHT_POLICY_NOT_TAKEN };

	ASSERT_EQ(0, sites_req(self, INSIGHT_CMD_SITES_ADD, addrs, pol, 2));
	EXPECT_EQ(2, target_ask(&self->t, 3));
	EXPECT_EQ(0xcc, text_byte(self->t.pid, self->t.LT));
}

TEST_F(batch, failing_in_the_middle_adds_nothing)
{
	/* a good site, one without an address, another good one */
	uint64_t addrs[] = { self->t.LT, 0, self->t.EVEN };
	uint32_t pol[] = { INSIGHT_POLICY_TAKEN, INSIGHT_POLICY_TAKEN,
			   INSIGHT_POLICY_NOT_TAKEN };

	EXPECT_EQ(-EINVAL, sites_req(self, INSIGHT_CMD_SITES_ADD, addrs, pol, 3));
	nothing_left(_metadata, self);
	batch_works(_metadata, self);
}

/* Read and drop every datagram waiting (and the overrun's ENOBUFS). */
static void drain(int fd)
{
	static uint8_t buf[65536];
	int n;

	do
		n = nlraw_recv(fd, buf, sizeof(buf), 200);
	while (n >= 0 || n == -ENOBUFS);
}

/*
 * The reply cannot be queued (the receive buffer is full of unread
 * VERSION replies): the request fails, so its sites go.
 */
TEST_F(batch, whose_reply_is_lost_adds_nothing)
{
	uint64_t addrs[] = { self->t.LT, self->t.EVEN };
	uint32_t pol[] = { INSIGHT_POLICY_TAKEN, INSIGHT_POLICY_NOT_TAKEN };
	uint8_t req[512];
	struct nlb b;
	size_t off;
	int i;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVBUF, &(int){ 1 },
				sizeof(int)));
	for (i = 0; i < 64; i++) {
		nlb_init(&b, req, sizeof(req));
		off = nlb_msg(&b, self->fam, NLM_F_REQUEST, 100 + i, INSIGHT_CMD_VERSION);
		nlb_u32(&b, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION);
		nlb_end(&b, off);
		ASSERT_EQ(0, nlraw_send(self->fd, req, b.len));
	}
	nlb_init(&b, req, sizeof(req));
	sites_msg(&b, self->fam, INSIGHT_CMD_SITES_ADD, addrs, pol, 2);
	ASSERT_EQ(0, nlraw_send(self->fd, req, b.len));
	drain(self->fd);
	nothing_left(_metadata, self);
	batch_works(_metadata, self);
}

TEST_HARNESS_MAIN
