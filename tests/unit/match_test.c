// SPDX-License-Identifier: GPL-2.0
/*
 * The output matcher's verdicts on crafted streams: match, mismatch at k,
 * a still-matching prefix, normalisation of timestamps, hex and numbers,
 * and outputs of kinds that do not count.
 */
#include <string.h>
#include <linux/insight.h>

#include "kselftest_harness.h"
#include "match.h"

#define OUT(kind, s) { kind, (const uint8_t *)(s), sizeof(s) - 1, false, false }

static const struct insight_output_rec failure[] = {
	OUT(INSIGHT_FD_FILE, "2026-11-21 09:14:03 error: cannot open /etc/app.conf\n"),
	OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 500 Internal Server Error\r\n\r\n"),
};

static enum insight_verdict feed_all(struct insight_matcher *m,
				     const struct insight_output_rec *outs, size_t n)
{
	enum insight_verdict v = insight_matcher_verdict(m);
	size_t i;

	for (i = 0; i < n; i++)
		v = insight_matcher_feed(m, &outs[i]);
	return v;
}

TEST(same_outputs_later_timestamp_match)
{
	static const struct insight_output_rec probe[] = {
		OUT(INSIGHT_FD_FILE, "2026-11-22 05:47:00 error: cannot open /etc/app.conf\n"),
		OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 500 Internal Server Error\r\n\r\n"),
	};
	struct insight_matcher *m = insight_matcher_new(failure, 2, NULL);

	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_PREFIX, insight_matcher_feed(m, &probe[0]));
	EXPECT_EQ(1, insight_matcher_pos(m));
	EXPECT_EQ(INSIGHT_MATCH, insight_matcher_feed(m, &probe[1]));
	EXPECT_EQ(2, insight_matcher_pos(m));
	insight_matcher_free(m);
}

TEST(different_response_is_a_mismatch_at_k_and_sticks)
{
	static const struct insight_output_rec probe[] = {
		OUT(INSIGHT_FD_FILE, "2026-11-22 05:47:00 error: cannot open /etc/app.conf\n"),
		OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 200 OK\r\n\r\n"),
		OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 500 Internal Server Error\r\n\r\n"),
	};
	struct insight_matcher *m = insight_matcher_new(failure, 2, NULL);

	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_MISMATCH, feed_all(m, probe, 3));
	EXPECT_EQ(1, insight_matcher_pos(m));
	insight_matcher_free(m);
}

TEST(first_output_differs_mismatch_at_0)
{
	static const struct insight_output_rec probe[] = {
		OUT(INSIGHT_FD_FILE, "2026-11-22 05:47:00 info: started\n"),
	};
	struct insight_matcher *m = insight_matcher_new(failure, 2, NULL);

	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_MISMATCH, feed_all(m, probe, 1));
	EXPECT_EQ(0, insight_matcher_pos(m));
	insight_matcher_free(m);
}

TEST(outputs_of_other_kinds_do_not_count)
{
	static const struct insight_output_rec probe[] = {
		OUT(INSIGHT_FD_OTHER, "\x01\0\0\0\0\0\0\0"),	/* an eventfd write */
		OUT(INSIGHT_FD_FILE, "2026-11-22 05:47:00 error: cannot open /etc/app.conf\n"),
	};
	struct insight_matcher *m = insight_matcher_new(failure, 2, NULL);

	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_PREFIX, feed_all(m, probe, 2));
	EXPECT_EQ(1, insight_matcher_pos(m));
	insight_matcher_free(m);
}

TEST(more_output_than_the_failure_is_a_mismatch)
{
	static const struct insight_output_rec probe[] = {
		OUT(INSIGHT_FD_FILE, "2026-11-22 05:47:00 error: cannot open /etc/app.conf\n"),
		OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 500 Internal Server Error\r\n\r\n"),
		OUT(INSIGHT_FD_SOCKET, "extra"),
	};
	struct insight_matcher *m = insight_matcher_new(failure, 2, NULL);

	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_MISMATCH, feed_all(m, probe, 3));
	EXPECT_EQ(2, insight_matcher_pos(m));
	insight_matcher_free(m);
}

TEST(normalisation)
{
	uint8_t out[128];
	size_t n;

#define NORM(in, how) (n = insight_normalize((const uint8_t *)(in), strlen(in), how, out), \
		       out[n] = 0, (char *)out)
	EXPECT_STREQ("T error", NORM("2026-11-22 05:47:00.123 error", INSIGHT_NORM_TIME));
	EXPECT_STREQ("at T,", NORM("at 05:47:00,", INSIGHT_NORM_TIME));
	EXPECT_STREQ("ptr 0x, 0x", NORM("ptr 0x7ffd1234, 0xA", INSIGHT_NORM_HEX));
	EXPECT_STREQ("pid # took #ms", NORM("pid 4242 took 17ms", INSIGHT_NORM_NUMBERS));
	/* not normalised unless asked */
	EXPECT_STREQ("pid 4242", NORM("pid 4242", INSIGHT_NORM_DEFAULT));
	EXPECT_STREQ("v1.2 HTTP/1.1", NORM("v1.2 HTTP/1.1", INSIGHT_NORM_DEFAULT));
	EXPECT_STREQ("abc0x12", NORM("abc0x12", INSIGHT_NORM_HEX));	/* not a word start */
}

TEST(numbers_normalised_when_asked)
{
	static const struct insight_output_rec want[] = {
		OUT(INSIGHT_FD_CHR, "worker 31 served 12 requests\n"),
	};
	static const struct insight_output_rec probe[] = {
		OUT(INSIGHT_FD_CHR, "worker 7 served 3 requests\n"),
	};
	struct insight_match_opts opts = { INSIGHT_NORM_DEFAULT | INSIGHT_NORM_NUMBERS,
					   INSIGHT_KINDS_DEFAULT, 0 };
	struct insight_matcher *m = insight_matcher_new(want, 1, &opts), *strict;

	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_MATCH, feed_all(m, probe, 1));
	strict = insight_matcher_new(want, 1, NULL);
	ASSERT_NE(NULL, strict);
	EXPECT_EQ(INSIGHT_MISMATCH, feed_all(strict, probe, 1));
	insight_matcher_free(m);
	insight_matcher_free(strict);
}

/*
 * A log line's numbers move on (a connection's serial); a reply's are
 * compared, and so are those of a file's line without a clock time (a
 * program's answer written to a file).
 */
TEST(numbers_normalised_in_log_lines_only_when_asked)
{
	static const struct insight_output_rec want[] = {
		OUT(INSIGHT_FD_FILE, "2026/12/02 16:27:39 [error] 110#110: *2 open() failed\n"),
		OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 403 Forbidden\r\n"),
		OUT(INSIGHT_FD_FILE, "price 1\n"),
	};
	static const struct insight_output_rec same[] = {
		OUT(INSIGHT_FD_FILE, "2026/12/02 16:29:01 [error] 110#110: *3 open() failed\n"),
		OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 403 Forbidden\r\n"),
		OUT(INSIGHT_FD_FILE, "price 1\n"),
	};
	static const struct insight_output_rec other_reply[] = {
		OUT(INSIGHT_FD_FILE, "2026/12/02 16:29:01 [error] 110#110: *3 open() failed\n"),
		OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 404 Forbidden\r\n"),
	};
	static const struct insight_output_rec other_price[] = {
		OUT(INSIGHT_FD_FILE, "2026/12/02 16:29:01 [error] 110#110: *3 open() failed\n"),
		OUT(INSIGHT_FD_SOCKET, "HTTP/1.1 403 Forbidden\r\n"),
		OUT(INSIGHT_FD_FILE, "price 2\n"),
	};
	struct insight_match_opts opts = { INSIGHT_NORM_DEFAULT, INSIGHT_KINDS_DEFAULT,
					   INSIGHT_NORM_NUMBERS };
	struct insight_matcher *m[3];
	int k;

	for (k = 0; k < 3; k++) {
		m[k] = insight_matcher_new(want, 3, &opts);
		ASSERT_NE(NULL, m[k]);
	}
	EXPECT_EQ(INSIGHT_MATCH, feed_all(m[0], same, 3));
	EXPECT_EQ(INSIGHT_MISMATCH, feed_all(m[1], other_reply, 2));
	EXPECT_EQ(1, insight_matcher_pos(m[1]));
	EXPECT_EQ(INSIGHT_MISMATCH, feed_all(m[2], other_price, 3));
	EXPECT_EQ(2, insight_matcher_pos(m[2]));
	for (k = 0; k < 3; k++)
		insight_matcher_free(m[k]);
}

TEST(a_failed_write_matches_any_output_in_its_place)
{
	static const struct insight_output_rec want[] = {
		{ INSIGHT_FD_FILE, NULL, 0, true, false },
		OUT(INSIGHT_FD_SOCKET, "ERR disk full\n"),
	};
	static const struct insight_output_rec stored[] = {
		OUT(INSIGHT_FD_FILE, "hello"),
		OUT(INSIGHT_FD_SOCKET, "ERR disk full\n"),
	};
	static const struct insight_output_rec skipped[] = {
		OUT(INSIGHT_FD_SOCKET, "ERR disk full\n"),
	};
	struct insight_matcher *m = insight_matcher_new(want, 2, NULL);

	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_MATCH, feed_all(m, stored, 2));
	insight_matcher_free(m);
	/* the attempt is not optional: its place must be taken */
	m = insight_matcher_new(want, 2, NULL);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_PREFIX, feed_all(m, skipped, 1));
	EXPECT_EQ(1, insight_matcher_pos(m));
	insight_matcher_free(m);
}

TEST(a_denied_call_matches_no_expected_output_and_sticks)
{
	static const struct insight_output_rec want[] = {
		{ INSIGHT_FD_FILE, NULL, 0, true, false },
		OUT(INSIGHT_FD_SOCKET, "200 OK\n"),
	};
	static const struct insight_output_rec denied = { 0, NULL, 0, false, true };
	static const struct insight_output_rec ok = OUT(INSIGHT_FD_SOCKET, "200 OK\n");
	struct insight_matcher *m = insight_matcher_new(want, 2, NULL);

	ASSERT_NE(NULL, m);
	/* not even in the place of a failed write, nor of an uncounted kind (0) */
	EXPECT_EQ(INSIGHT_MISMATCH, insight_matcher_feed(m, &denied));
	EXPECT_EQ(0, insight_matcher_pos(m));
	EXPECT_EQ(INSIGHT_MISMATCH, insight_matcher_feed(m, &ok));
	insight_matcher_free(m);
	/* after a full match too */
	m = insight_matcher_new(&want[1], 1, NULL);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(INSIGHT_MATCH, insight_matcher_feed(m, &ok));
	EXPECT_EQ(INSIGHT_MISMATCH, insight_matcher_feed(m, &denied));
	insight_matcher_free(m);
}

TEST_HARNESS_MAIN
