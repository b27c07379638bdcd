// SPDX-License-Identifier: GPL-2.0
/*
 * bpf/stream.bpf.c on the build host (its kernel has BPF and BTF): a
 * child's syscalls arrive in order with their numbers, arguments and
 * results; its own child is covered from its first syscall; nothing is
 * dropped; the vectored calls (writev, readv, sendmsg, recvmsg) carry the
 * bytes they moved, as the plain ones do; getsockopt(SO_ERROR) carries
 * the error it gave.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "stream.h"

#define CALLS 50
#define MAGIC 0x1d5a

struct seen {
	pid_t child, grandchild;
	int enters, exits, grandchild_calls;
	uint64_t last_seq;
	int seq_ok;
};

static int on_event(const struct insight_sys_event *e, const void *payload,
		    void *arg)
{
	struct seen *s = arg;

	(void)payload;
	if (s->enters + s->exits && e->seq <= s->last_seq)
		s->seq_ok = 0;
	s->last_seq = e->seq;
	if (e->nr != SYS_getppid && e->nr != SYS_getpgid)
		return 0;
	if (e->nr == SYS_getpgid && e->kind == INSIGHT_EV_SYS_ENTER &&
	    e->args[0] == MAGIC && (pid_t)e->pid != s->child) {
		s->grandchild = e->pid;
		s->grandchild_calls++;
	}
	if ((pid_t)e->pid != s->child || e->nr != SYS_getppid)
		return 0;
	if (e->kind == INSIGHT_EV_SYS_ENTER)
		s->enters++;
	else if (e->kind == INSIGHT_EV_SYS_EXIT && e->ret == getpid())
		s->exits++;
	return 0;
}

TEST(child_syscalls_and_forks_are_streamed)
{
	struct insight_stream *st;
	struct seen s = { .seq_ok = 1 };
	int go[2], status, i;
	char c;

	ASSERT_EQ(0, pipe(go));
	s.child = fork();
	ASSERT_LE(0, s.child);
	if (!s.child) {
		pid_t g;

		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < CALLS; i++)
			syscall(SYS_getppid);
		g = fork();
		if (!g) {
			syscall(SYS_getpgid, MAGIC);	/* its first syscall of note */
			_exit(0);
		}
		waitpid(g, NULL, 0);
		_exit(0);
	}
	struct insight_stream_opts opts = { .ring_bytes = 1 << 20 };

	ASSERT_EQ(0, insight_stream_open(&st, &opts, on_event, &s));
	ASSERT_EQ(0, insight_stream_add_pid(st, s.child));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(s.child, waitpid(s.child, &status, 0));
	ASSERT_EQ(0, status);
	while (insight_stream_poll(st, 100) > 0)
		;
	EXPECT_EQ(CALLS, s.enters);
	EXPECT_EQ(CALLS, s.exits);
	EXPECT_EQ(1, s.grandchild_calls);
	EXPECT_TRUE(s.seq_ok);
	EXPECT_EQ((uint64_t)0, insight_stream_drops(st));
	insight_stream_close(st);
}

/* the exit payloads of one child's vectored calls, by syscall */
struct vec_seen {
	pid_t child;
	char writev[1024], readv[1024], sendmsg[1024], recvmsg[1024], many[1024], big[1024];
	unsigned int big_len;
};

static int on_vec(const struct insight_sys_event *e, const void *payload, void *arg)
{
	struct vec_seen *s = arg;
	char *to = NULL;

	if ((pid_t)e->pid != s->child || e->kind != INSIGHT_EV_SYS_EXIT || e->ret <= 0)
		return 0;
	switch (e->nr) {
	case SYS_writev:
		/* the child's writevs: 3 pieces, then 10, then one of 600 bytes */
		to = !s->writev[0] ? s->writev : !s->many[0] ? s->many : s->big;
		if (to == s->big)
			s->big_len = e->payload_len;
		break;
	case SYS_readv: to = s->readv; break;
	case SYS_sendmsg: to = s->sendmsg; break;
	case SYS_recvmsg: to = s->recvmsg; break;
	default: return 0;
	}
	memcpy(to, payload, e->payload_len < 1023 ? e->payload_len : 1023);
	return 0;
}

#define IOV(s) { .iov_base = (void *)(s), .iov_len = sizeof(s) - 1 }

static void vec_child(int go, int p[2], int sp[2])
{
	struct iovec w[] = { IOV("HTTP/1.1 "), IOV("503 Service"), IOV(" Unavailable\r\n") };
	struct iovec m[] = { IOV("SERVER_ERROR "), IOV("object too large\r\n") };
	struct iovec many[10];
	static char a[12], b[64], c[8], d[64], big[600];
	struct iovec r[] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct iovec rm[] = { { c, sizeof(c) }, { d, sizeof(d) } };
	struct iovec bigv[] = { { big, sizeof(big) } };
	struct msghdr mh = { .msg_iov = m, .msg_iovlen = 2 };
	struct msghdr rh = { .msg_iov = rm, .msg_iovlen = 2 };
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a failed assertion kills the test */
	if (read(go, a, 1) != 1)
		_exit(1);
	if (writev(p[1], w, 3) < 0 || readv(p[0], r, 2) < 0)
		_exit(2);
	if (sendmsg(sp[0], &mh, 0) < 0 || recvmsg(sp[1], &rh, 0) < 0)
		_exit(3);
	for (i = 0; i < 10; i++)
		many[i] = (struct iovec){ .iov_base = "0123456789" + i, .iov_len = 1 };
	memset(big, 'x', sizeof(big));
	if (writev(p[1], many, 10) < 0 || writev(p[1], bigv, 1) < 0)
		_exit(4);
	_exit(0);
}

TEST(vectored_calls_carry_the_bytes_they_moved)
{
	struct insight_stream_opts opts = { .ring_bytes = 1 << 20, .payload_max = 512 };
	struct vec_seen s = { 0 };
	struct insight_stream *st;
	int go[2], p[2], sp[2], status;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, fcntl(p[1], F_SETPIPE_SZ, 4096) < 0);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	s.child = fork();
	ASSERT_LE(0, s.child);
	if (!s.child)
		vec_child(go[0], p, sp);
	ASSERT_EQ(0, insight_stream_open(&st, &opts, on_vec, &s));
	ASSERT_EQ(0, insight_stream_add_pid(st, s.child));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(s.child, waitpid(s.child, &status, 0));
	ASSERT_EQ(0, status);
	while (insight_stream_poll(st, 100) > 0)
		;
	EXPECT_STREQ("HTTP/1.1 503 Service Unavailable\r\n", s.writev);
	EXPECT_STREQ("HTTP/1.1 503 Service Unavailable\r\n", s.readv);
	EXPECT_STREQ("SERVER_ERROR object too large\r\n", s.sendmsg);
	EXPECT_STREQ("SERVER_ERROR object too large\r\n", s.recvmsg);
	/* the first 8 pieces (IOV_TAKE), and at most payload_max bytes */
	EXPECT_STREQ("01234567", s.many);
	EXPECT_EQ(512, s.big_len);
	EXPECT_EQ((uint64_t)0, insight_stream_drops(st));
	insight_stream_close(st);
}

/* a child's plain write and read of BIG_IO bytes: their exit payloads */
#define BIG_IO 3000

struct big_seen {
	pid_t child;
	unsigned int write_len, read_len;
	bool write_same, read_same;
};

static bool is_pattern(const unsigned char *p, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 7))
			return false;
	return true;
}

static int on_big(const struct insight_sys_event *e, const void *payload, void *arg)
{
	struct big_seen *s = arg;

	if ((pid_t)e->pid != s->child || e->kind != INSIGHT_EV_SYS_EXIT || e->ret != BIG_IO)
		return 0;
	if (e->nr == SYS_write) {
		s->write_len = e->payload_len;
		s->write_same = is_pattern(payload, e->payload_len);
	} else if (e->nr == SYS_read) {
		s->read_len = e->payload_len;
		s->read_same = is_pattern(payload, e->payload_len);
	}
	return 0;
}

static void big_child(int go, int p[2])
{
	static unsigned char out[BIG_IO], in[BIG_IO];
	unsigned int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(go, in, 1) != 1)
		_exit(1);
	for (i = 0; i < BIG_IO; i++)
		out[i] = i * 7;
	if (write(p[1], out, BIG_IO) != BIG_IO || read(p[0], in, BIG_IO) != BIG_IO)
		_exit(2);
	_exit(0);
}

/* a request of a few KiB (a memcached set of 1100 bytes) is kept whole */
TEST(a_read_and_a_write_of_3000_bytes_are_carried_whole)
{
	struct insight_stream_opts opts = { .ring_bytes = 1 << 20,
					    .payload_max = INSIGHT_PAYLOAD_MAX };
	struct big_seen s = { 0 };
	struct insight_stream *st;
	int go[2], p[2], status;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, fcntl(p[1], F_SETPIPE_SZ, 8192) < 0);
	s.child = fork();
	ASSERT_LE(0, s.child);
	if (!s.child)
		big_child(go[0], p);
	ASSERT_EQ(0, insight_stream_open(&st, &opts, on_big, &s));
	ASSERT_EQ(0, insight_stream_add_pid(st, s.child));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(s.child, waitpid(s.child, &status, 0));
	ASSERT_EQ(0, status);
	while (insight_stream_poll(st, 100) > 0)
		;
	EXPECT_EQ(BIG_IO, s.write_len);
	EXPECT_TRUE(s.write_same);
	EXPECT_EQ(BIG_IO, s.read_len);
	EXPECT_TRUE(s.read_same);
	EXPECT_EQ((uint64_t)0, insight_stream_drops(st));
	insight_stream_close(st);
}

static int on_so_error(const struct insight_sys_event *e, const void *payload, void *arg)
{
	int *seen = arg;

	if (e->kind == INSIGHT_EV_SYS_EXIT && e->nr == SYS_getsockopt && e->payload_len == 4 &&
	    e->args[2] == SO_ERROR)
		memcpy(seen, payload, sizeof(*seen));
	return 0;
}

/* a UDP send to a closed port: the ICMP error comes back as SO_ERROR */
TEST(getsockopt_so_error_carries_the_error)
{
	struct insight_stream_opts opts = { .ring_bytes = 1 << 20, .record_mode = 1 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct insight_stream *st;
	socklen_t len = sizeof(a);
	int s, v = 0, seen = -1;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, bind(s, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, getsockname(s, (void *)&a, &len));
	close(s);	/* a port nobody has now */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_EQ(0, connect(s, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, insight_stream_open(&st, &opts, on_so_error, &seen));
	ASSERT_EQ(0, insight_stream_add_pid(st, getpid()));
	ASSERT_EQ(1, send(s, "x", 1, 0));
	usleep(20 * 1000);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len));
	ASSERT_EQ(ECONNREFUSED, v);
	while (insight_stream_poll(st, 100) > 0)
		;
	EXPECT_EQ(ECONNREFUSED, seen);
	insight_stream_close(st);
	close(s);
}

TEST_HARNESS_MAIN
