// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow's network policies (user/shadow/peers.c) and the gateway's
 * log of what the shadow sends (user/shadow/netlog.c), frames hostile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "shadow/netlog.h"
#include "shadow/peers.h"

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

TEST(peer_specs_parse_or_say_why)
{
	static const char *const bad[] = { "10.0.2.2:80", "10.0.2.2=drop", "10.0.2.2:0=drop",
					   "10.0.2.2:65536=drop", "host:80=drop", "10.0.2.2:80=block",
					   "10.0.2.2:8x=drop", ":80=drop", NULL };
	struct peers ps = { 0 };
	char why[256];
	int i;

	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.2:53=forward", why, sizeof(why)));
	ASSERT_EQ(0, peers_parse(&ps, "192.168.1.7:6379=drop", why, sizeof(why)));
	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.2:53=replay", why, sizeof(why)));
	EXPECT_EQ(2, ps.n);	/* the last word on a peer counts */
	EXPECT_EQ(POLICY_REPLAY, peers_find(&ps, ip("10.0.2.2"), 53)->policy);
	EXPECT_EQ(POLICY_DROP, peers_find(&ps, ip("192.168.1.7"), 6379)->policy);
	EXPECT_EQ(NULL, peers_find(&ps, ip("192.168.1.7"), 6380));
	for (i = 0; bad[i]; i++) {
		why[0] = '\0';
		EXPECT_EQ(-1, peers_parse(&ps, bad[i], why, sizeof(why))) TH_LOG("%s", bad[i]);
		EXPECT_NE(NULL, strstr(why, "--peer")) TH_LOG("%s: %s", bad[i], why);
	}
	EXPECT_EQ(2, ps.n);
}

static struct insight_record_item item(int nr, int fd, long long ret, const char *peer, int v)
{
	struct insight_record_item it = { .nr = nr, .fd = fd, .ret = ret };
	static int vals[16];
	static int n;

	snprintf(it.peer, sizeof(it.peer), "%s", peer);
	if (nr == 55) {
		vals[n % 16] = v;
		it.data = (uint8_t *)&vals[n++ % 16];
		it.len = sizeof(int);
	}
	return it;
}

/* Replay answers as the record says each peer did. */
TEST(replay_peers_answer_as_the_record_says)
{
	struct insight_record_item env[] = {
		item(42, 5, 0, "10.0.2.2:8080", 0),		/* connected */
		item(42, 6, -ECONNREFUSED, "10.0.2.2:8081", 0),	/* refused */
		item(42, 7, -EINPROGRESS, "10.0.2.2:8082", 0),	/* refused, later */
		item(55, 7, 0, "10.0.2.2:8082", ECONNREFUSED),
		item(42, 8, -EINPROGRESS, "10.0.2.2:8083", 0),	/* connected, later */
		item(55, 8, 0, "10.0.2.2:8083", 0),
		item(42, 9, -ECONNREFUSED, "10.0.2.9:53", 0),	/* declared forward */
		item(42, 11, -EINPROGRESS, "10.0.2.2:8084", 0),	/* haproxy: asks again */
		item(42, 11, -ECONNREFUSED, "10.0.2.2:8084", 0),
		item(42, 12, -EINPROGRESS, "10.0.2.2:8085", 0),
		item(42, 12, -EISCONN, "10.0.2.2:8085", 0),
		item(257, 10, -EACCES, "", 0),
	};
	struct insight_record r = { .env = env, .nenv = sizeof(env) / sizeof(env[0]) };
	struct peers ps = { 0 };
	char why[64];

	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.9:53=forward", why, sizeof(why)));
	peers_from_record(&ps, &r);
	EXPECT_EQ(7, ps.n);
	EXPECT_TRUE(peers_accept(&ps, ip("10.0.2.2"), 8080));
	EXPECT_FALSE(peers_accept(&ps, ip("10.0.2.2"), 8081));
	EXPECT_FALSE(peers_accept(&ps, ip("10.0.2.2"), 8082));
	EXPECT_TRUE(peers_accept(&ps, ip("10.0.2.2"), 8083));
	EXPECT_FALSE(peers_accept(&ps, ip("10.0.2.2"), 8084));
	EXPECT_TRUE(peers_accept(&ps, ip("10.0.2.2"), 8085));
	EXPECT_EQ(POLICY_FORWARD, peers_find(&ps, ip("10.0.2.9"), 53)->policy);
	EXPECT_TRUE(peers_accept(&ps, ip("10.0.2.9"), 53));
	/* a peer the record never saw is refused */
	EXPECT_FALSE(peers_accept(&ps, ip("10.0.2.2"), 9999));
}

/* A port is listened on when any of its peers is accepted, once. */
TEST(the_gateway_listens_once_on_each_port_a_peer_is_accepted_on)
{
	struct peers ps = { 0 };
	int ports[8], n;
	char why[64];

	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.2:80=replay", why, sizeof(why)));	/* refused */
	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.9:80=forward", why, sizeof(why)));
	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.8:80=drop", why, sizeof(why)));
	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.2:81=replay", why, sizeof(why)));	/* refused */
	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.2:53=drop", why, sizeof(why)));
	n = peers_ports(&ps, ports, 8);
	ASSERT_EQ(2, n);
	EXPECT_EQ(80, ports[0]);
	EXPECT_EQ(53, ports[1]);
	EXPECT_EQ(1, peers_ports(&ps, ports, 1));
}

/* An Ethernet + IPv4 + TCP frame from 10.0.2.15:40000 to DST:PORT. */
static size_t tcp_frame(unsigned char *f, const char *dst, int port, int flags, const char *data)
{
	size_t n = strlen(data), tot = 20 + 20 + n;

	memset(f, 0, 54);
	f[12] = 0x08;			/* IPv4 */
	f[14] = 0x45;
	f[16] = tot >> 8;
	f[17] = tot & 0xff;
	f[23] = 6;			/* TCP */
	inet_pton(AF_INET, "10.0.2.15", f + 26);
	inet_pton(AF_INET, dst, f + 30);
	f[34] = 40000 >> 8;
	f[35] = 40000 & 0xff;
	f[36] = port >> 8;
	f[37] = port & 0xff;
	f[41] = 7;			/* seq */
	f[46] = 5 << 4;			/* data offset */
	f[47] = flags;
	memcpy(f + 54, data, n);
	return 54 + n;
}

static char *logged(const struct peers *ps, const unsigned char *f, size_t len)
{
	static char buf[4096];
	FILE *log;

	buf[0] = '\0';
	log = fmemopen(buf, sizeof(buf), "w");

	netlog_frame(log, ps, f, len, 1.5);
	fclose(log);
	return buf;
}

TEST(every_byte_sent_is_logged_with_its_peers_policy)
{
	unsigned char f[256];
	struct peers ps = { 0 };
	char why[64];
	size_t n;

	ASSERT_EQ(0, peers_parse(&ps, "10.0.2.2:6379=drop", why, sizeof(why)));
	n = tcp_frame(f, "10.0.2.2", 6379, 0x18, "SET k v");
	EXPECT_STREQ("1.500 tcp 10.0.2.15:40000 > 10.0.2.2:6379 drop seq=7 7 534554206b2076\n",
		     logged(&ps, f, n));
	n = tcp_frame(f, "10.0.2.2", 80, 0x02, "");
	EXPECT_STREQ("1.500 tcp 10.0.2.15:40000 > 10.0.2.2:80 replay syn seq=7 0 \n",
		     logged(&ps, f, n));
	/* a bare ACK says nothing to a peer */
	n = tcp_frame(f, "10.0.2.2", 80, 0x10, "");
	EXPECT_STREQ("", logged(&ps, f, n));
}

/* Hostile frames: lengths that lie are never followed past the frame. */
TEST(frames_whose_lengths_lie_are_not_read_past_their_end)
{
	unsigned char f[256];
	struct peers ps = { 0 };
	size_t n = tcp_frame(f, "10.0.2.2", 80, 0x18, "abcd");

	EXPECT_STREQ("", logged(&ps, f, 10));		/* no Ethernet header */
	EXPECT_STREQ("", logged(&ps, f, n - 1));	/* IP length past the end */
	f[14] = 0x4f;					/* IP header of 60 bytes */
	EXPECT_STREQ("", logged(&ps, f, n));
	f[14] = 0x45;
	f[46] = 15 << 4;				/* TCP header past the end */
	EXPECT_STREQ("", logged(&ps, f, n));
	f[46] = 5 << 4;
	f[14] = 0x44;					/* IP header below 20 bytes */
	EXPECT_STREQ("", logged(&ps, f, n));
	f[14] = 0x45;
	f[12] = 0x86;					/* not IPv4: its bytes, raw */
	f[13] = 0xdd;
	EXPECT_NE(NULL, strstr(logged(&ps, f, 20), "other type=0x86dd 6 ")) TH_LOG("%s",
										logged(&ps, f, 20));
}

/* The summary sums what the log says, per peer and protocol. */
TEST(the_log_sums_to_bytes_and_attempts_per_peer)
{
	char path[] = "/tmp/insight-netlog-test.XXXXXX";
	struct netlog_sum sum[4];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	ASSERT_NE(NULL, f);
	fputs("1.069 other type=0x8035 46 0001080006\n"
	      "1.376 tcp 10.0.2.15:47388 > 10.0.2.2:8099 replay syn seq=26 0 \n"
	      "1.398 tcp 10.0.2.15:40930 > 10.0.2.2:8098 drop syn seq=35 0 \n"
	      "1.405 tcp 10.0.2.15:40930 > 10.0.2.2:8098 drop seq=36 8 64726f707065640a\n"
	      "1.406 tcp 10.0.2.15:40930 > 10.0.2.2:8098 drop fin seq=44 3 616263\n"
	      "1.500 udp 10.0.2.15:5000 > 10.0.2.3:53 forward 4 01020304\n"
	      "garbage\n", f);
	fclose(f);
	ASSERT_EQ(3, netlog_summary(path, sum, 4));
	unlink(path);
	EXPECT_STREQ("10.0.2.2:8099", sum[0].peer);
	EXPECT_STREQ("replay", sum[0].policy);
	EXPECT_EQ(1, sum[0].syns);
	EXPECT_EQ(0, sum[0].bytes);
	EXPECT_STREQ("10.0.2.2:8098", sum[1].peer);
	EXPECT_EQ(3, sum[1].packets);
	EXPECT_EQ(1, sum[1].syns);
	EXPECT_EQ(11, sum[1].bytes);
	EXPECT_STREQ("udp", sum[2].proto);
	EXPECT_STREQ("forward", sum[2].policy);
	EXPECT_EQ(4, sum[2].bytes);
	EXPECT_EQ(-1, netlog_summary("/nonexistent/log", sum, 4));
}

TEST_HARNESS_MAIN
