// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract against each backend: a peer's connection shared
 * by the target and its probes (made before the split, fd 10 of ptarget
 * in peer mode, held by this test too).  Each probe reads it at a
 * position of its own, nothing is taken from the queue, a read with
 * nothing new waits for the peer, and one still waiting when the backend
 * closes is made again, for real.  One body per behaviour; the fixture is
 * tests/lib/backend_fixture.h.
 */
#include <sys/socket.h>

#include "backend_fixture.h"

#define PEER_FD 10

/*
 * A connection: one end at PEER_FD (this test's, inherited by ptarget),
 * the other returned (the peer), with @bytes sent already.
 */
static int peer_connection(const char *bytes)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	if (dup2(sv[0], PEER_FD) != PEER_FD) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	close(sv[0]);
	if (*bytes && write(sv[1], bytes, strlen(bytes)) != (ssize_t)strlen(bytes)) {
		close(sv[1]);
		close(PEER_FD);
		return -EIO;
	}
	return sv[1];
}

/* What waits on PEER_FD, without waiting, as a string. */
static void queued(char *buf, size_t len)
{
	ssize_t n = recv(PEER_FD, buf, len - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
}

/* ptarget in peer mode served "GET /a", probe 1 held at the split. */
static int start_peer(struct _test_data_backend *self)
{
	int err = start_target(self, START_PEER);

	return err ?: open_on(self, "GET /a\n", 0);
}

TEST_F(backend, each_probe_reads_a_shared_connection_from_where_it_split)
{
	int peer = peer_connection("peerdata");
	char buf[32];

	ASSERT_LE(0, peer);
	ASSERT_EQ(0, start_peer(self));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_LE(1, outputs_of(self, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a peerdata\n"));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_LE(1, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /a peerdata\n"));
	queued(buf, sizeof(buf));
	EXPECT_STREQ("peerdata", buf);	/* nothing taken from the queue */
	close(peer);
	close(PEER_FD);
}

TEST_F(backend, a_read_of_a_shared_connection_waits_for_the_peer)
{
	int peer = peer_connection("");
	char buf[32];

	ASSERT_LE(0, peer);
	ASSERT_EQ(0, start_peer(self));
	drain(self, 300);
	EXPECT_EQ(0, count_ev(self, XB_EV_DONE, 0));	/* waiting */
	ASSERT_EQ(4, write(peer, "late", 4));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_LE(1, outputs_of(self, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a late\n"));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_LE(1, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /a late\n"));
	queued(buf, sizeof(buf));
	EXPECT_STREQ("late", buf);
	close(peer);
	close(PEER_FD);
}

TEST_F(backend, a_read_still_waiting_at_close_is_made_for_real)
{
	int peer = peer_connection("");
	char line[64], buf[32];

	ASSERT_LE(0, peer);
	ASSERT_EQ(0, start_peer(self));
	drain(self, 300);
	close_now(self);
	ASSERT_EQ(4, write(peer, "real", 4));
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_STREQ("200 ET /a real\n", line);
	queued(buf, sizeof(buf));
	EXPECT_STREQ("", buf);	/* the target took it, for real */
	close(peer);
	close(PEER_FD);
}

TEST_HARNESS_MAIN
