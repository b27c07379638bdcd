// SPDX-License-Identifier: GPL-2.0
/*
 * The default-deny sandbox against a hostile probe (tests/targets/hostile):
 * one probe per sandbox class tries its side effect on the world outside
 * (files, a peer socket, the client socket, a shared epoll set, pipe,
 * file offset, timer, listener, other processes) while this test, the
 * observer, holds the same descriptions and checks that nothing changed
 * and that each refused call is a denied output of the probe.  Named
 * after the guarantees of Documentation/kmod.rst, "What a probe cannot
 * do".
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "target.h"
#include "util.h"

#define HOSTILE TARGET_DIR "hostile"
#define PAUSE32 TARGET_DIR "pause32"
#define FILE1 "/tmp/insight-deny-file"
#define FILE2 "/tmp/insight-deny-other"
#define CONTENT "precious content\n"
/* the fds the probe gets, inherited from the test: descriptions shared */
#define FD_A 10
#define FD_B 11

/* What the probe did: its outputs (it is probe 1) and the exit statuses. */
struct hostile_run {
	int target_status, probe_status;
	unsigned int n;
	struct insight_output_info outs[8];
};

/*
 * Run "hostile ARGS..." under a sandbox with its site a FORK: the target
 * exits at once, the probe forked at the site attacks.
 */
static void hostile(struct __test_metadata *_metadata, struct hostile_run *r,
		    const char *a0, const char *a1, const char *a2)
{
	char *argv[] = { HOSTILE, (char *)a0, (char *)a1, (char *)a2, NULL };
	uint32_t policy = INSIGHT_POLICY_FORK;
	struct insight_nl *h;
	struct target t;
	uint64_t lost;
	int st, err = -1;

	memset(r, 0, sizeof(*r));
	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_startv(&t, argv, 0));
	ASSERT_EQ(t.pid, waitpid(t.pid, &st, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(st));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &policy, 1, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, insight_sandbox(h, 256, -1, NULL, 0));
	kill(t.pid, SIGCONT);
	ASSERT_EQ(t.pid, waitpid(t.pid, &r->target_status, 0));
	r->probe_status = -1;
	while (waitpid(-1, &st, 0) > 0)	/* the probe: a sibling, our child */
		r->probe_status = st;
	ASSERT_EQ(0, insight_outputs_get(h, 1, 0, r->outs, 8, &r->n, &lost));
	EXPECT_EQ(0, lost);
	insight_nl_close(h);
	fclose(t.in);
	fclose(t.out);
	EXPECT_EQ(0, r->target_status);
	EXPECT_EQ(0, r->probe_status);
}

static bool is_denied(const struct insight_output_info *o)
{
	return o->flags & INSIGHT_OUTPUT_F_DENIED;
}

/* Output @k of the probe is the captured write of its result, @want. */
static void expect_result(struct __test_metadata *_metadata,
			  const struct hostile_run *r, unsigned int k, const char *want)
{
	ASSERT_LT(k, r->n);
	EXPECT_FALSE(is_denied(&r->outs[k]));
	EXPECT_EQ(SYS_write, r->outs[k].nr);
	/* EXPECT, not ASSERT: the observer's checks after this still run */
	EXPECT_TRUE(r->outs[k].captured == strlen(want) &&
		    !memcmp(want, r->outs[k].data, strlen(want)))
		TH_LOG("%.*s", (int)r->outs[k].captured, r->outs[k].data);
}

/* The probe was refused @nr (a 64-bit number): a denied output, then EPERM. */
static void expect_denied(struct __test_metadata *_metadata,
			  const struct hostile_run *r, long nr)
{
	ASSERT_EQ(2, r->n);
	EXPECT_TRUE(is_denied(&r->outs[0]));
	EXPECT_FALSE(r->outs[0].flags & INSIGHT_OUTPUT_F_IA32);
	EXPECT_EQ(nr, r->outs[0].nr);
	EXPECT_EQ(0, r->outs[0].len);
	EXPECT_EQ(0, r->outs[0].captured);
	expect_result(_metadata, r, 1, "ret=-1 errno=1\n");
}

/* "hostile ACTION" (no arguments) is refused @nr. */
static void expect_action_denied(struct __test_metadata *_metadata, const char *action,
				 long nr)
{
	struct hostile_run r;

	hostile(_metadata, &r, action, NULL, NULL);
	expect_denied(_metadata, &r, nr);
}

/* A call on a shared description suppressed: it "succeeded", no output. */
static void expect_suppressed(struct __test_metadata *_metadata,
			      const struct hostile_run *r)
{
	ASSERT_EQ(1, r->n);
	expect_result(_metadata, r, 0, "ret=0 errno=0\n");
}

static void make_file(struct __test_metadata *_metadata, const char *path)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	ASSERT_LE(0, fd);
	ASSERT_EQ(strlen(CONTENT), write(fd, CONTENT, strlen(CONTENT)));
	close(fd);
}

/* @path is as make_file() left it. */
static void expect_file_intact(struct __test_metadata *_metadata, const char *path)
{
	char buf[64] = "";
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s is gone", path);
	EXPECT_EQ(0644, st.st_mode & 0777);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(strlen(CONTENT), read(fd, buf, sizeof(buf)));
	close(fd);
	EXPECT_STREQ(CONTENT, buf);
}

/* FILE1 made anew and opened with @flags at FD_A (for the probe, shared). */
static void file_at_a(struct __test_metadata *_metadata, int flags)
{
	int fd;

	make_file(_metadata, FILE1);
	fd = open(FILE1, flags);
	ASSERT_LE(0, fd);
	ASSERT_EQ(FD_A, dup2(fd, FD_A));
	close(fd);
}

/* Put @fd at number @at (inherited by the target), closing @fd. */
static void share_at(struct __test_metadata *_metadata, int fd, int at)
{
	ASSERT_EQ(at, dup2(fd, at));
	close(fd);
}

/* A socket pair: one end at FD_A for the probe, the other (the peer) ours. */
static int peer_pair(struct __test_metadata *_metadata)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		return -1;
	share_at(_metadata, sv[0], FD_A);
	return sv[1];
}

/* Nothing is waiting on @fd: no bytes, no end of stream. */
static void expect_nothing_received(struct __test_metadata *_metadata, int fd)
{
	char buf[16];

	EXPECT_EQ(-1, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * Run "hostile ACTION 10 [A2]" with FD_A one end of a socket pair; the
 * other end (the peer, ours) is returned, to check, then close_peer().
 */
static int at_peer(struct __test_metadata *_metadata, struct hostile_run *r,
		   const char *action, const char *a2)
{
	int peer = peer_pair(_metadata);

	if (peer >= 0)
		hostile(_metadata, r, action, "10", a2);
	return peer;
}

static void close_peer(int peer)
{
	close(FD_A);
	close(peer);
}

/* ---- files ------------------------------------------------------------ */

static void file_attack(struct __test_metadata *_metadata, const char *action,
			const char *arg2, long nr)
{
	struct hostile_run r;

	make_file(_metadata, FILE1);
	unlink(FILE2);
	rmdir(FILE2);
	hostile(_metadata, &r, action, FILE1, arg2);
	expect_denied(_metadata, &r, nr);
	expect_file_intact(_metadata, FILE1);
	EXPECT_NE(0, access(FILE2, F_OK)) TH_LOG("%s was created", FILE2);
	unlink(FILE1);
}

TEST(files_are_not_unlinked)
{
	file_attack(_metadata, "unlink", NULL, SYS_unlink);
}

TEST(files_are_not_renamed)
{
	file_attack(_metadata, "rename", FILE2, SYS_rename);
}

/* The probe's fake open "worked": its result is an fd (ret=N, N >= 0). */
static void expect_an_fd(struct __test_metadata *_metadata, const struct hostile_run *r)
{
	ASSERT_EQ(1, r->n);	/* no denied output */
	EXPECT_FALSE(is_denied(&r->outs[0]));
	EXPECT_TRUE(!memcmp("ret=", r->outs[0].data, 4) && r->outs[0].data[4] != '-')
		TH_LOG("%.*s", (int)r->outs[0].captured, r->outs[0].data);
}

TEST(files_are_not_truncated)
{
	struct hostile_run r;

	make_file(_metadata, FILE1);
	hostile(_metadata, &r, "trunc", FILE1, NULL);
	expect_an_fd(_metadata, &r);	/* a private empty file instead */
	expect_file_intact(_metadata, FILE1);
	unlink(FILE1);
}

TEST(files_are_not_chmodded)
{
	file_attack(_metadata, "chmod", NULL, SYS_chmod);
}

TEST(files_are_not_created)
{
	struct hostile_run r;

	unlink(FILE2);
	hostile(_metadata, &r, "creat", FILE2, NULL);
	expect_an_fd(_metadata, &r);	/* a private new file instead */
	EXPECT_NE(0, access(FILE2, F_OK));
	hostile(_metadata, &r, "mkdir", FILE2, NULL);
	expect_denied(_metadata, &r, SYS_mkdir);
	EXPECT_NE(0, access(FILE2, F_OK));
}

TEST(files_are_not_truncated_through_a_shared_fd)
{
	struct hostile_run r;

	file_at_a(_metadata, O_RDWR);
	hostile(_metadata, &r, "ftruncate", "10", NULL);
	expect_denied(_metadata, &r, SYS_ftruncate);
	/* a forked probe's MAP_SHARED is made private (kmod/shared_maps.c) */
	hostile(_metadata, &r, "mmap_shared", "10", NULL);
	ASSERT_EQ(1, r.n);
	expect_result(_metadata, &r, 0, "ret=0 errno=0\n");
	close(FD_A);
	expect_file_intact(_metadata, FILE1);
	unlink(FILE1);
}

TEST(an_existing_file_opened_with_o_creat_is_opened_not_changed)
{
	struct hostile_run r;

	make_file(_metadata, FILE1);
	hostile(_metadata, &r, "creat", FILE1, NULL);
	expect_an_fd(_metadata, &r);
	expect_file_intact(_metadata, FILE1);
	unlink(FILE1);
}

/* ---- peers and the client socket --------------------------------------- */

TEST(a_peer_receives_nothing_written)
{
	struct hostile_run r;
	int peer;

	peer = at_peer(_metadata, &r, "write", NULL);
	ASSERT_LE(0, peer);
	ASSERT_EQ(2, r.n);
	EXPECT_FALSE(is_denied(&r.outs[0]));
	EXPECT_EQ(FD_A, r.outs[0].fd);
	EXPECT_EQ(0, memcmp("leak", r.outs[0].data, 4));
	expect_result(_metadata, &r, 1, "ret=4 errno=0\n");
	expect_nothing_received(_metadata, peer);
	close_peer(peer);
}

/*
 * An eventfd shared with another process (the test: the listener of a
 * server handing work to another process) gets nothing: the write is
 * captured.  One of the probe's own (a thread of its own waking another,
 * as memcached's listener wakes its worker) counts the write: it runs.
 */
TEST(a_shared_eventfd_counts_nothing_written)
{
	struct hostile_run r;
	uint64_t n;
	int efd = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	share_at(_metadata, efd, FD_A);
	hostile(_metadata, &r, "eventfd_write", "10", NULL);
	ASSERT_EQ(2, r.n);
	EXPECT_FALSE(is_denied(&r.outs[0]));
	EXPECT_EQ(FD_A, r.outs[0].fd);
	expect_result(_metadata, &r, 1, "ret=8 errno=0\n");
	EXPECT_EQ(-1, read(FD_A, &n, sizeof(n)));
	EXPECT_EQ(EAGAIN, errno);
	close(FD_A);
}

TEST(an_eventfd_of_the_probes_own_counts_its_write)
{
	struct hostile_run r;

	hostile(_metadata, &r, "eventfd_own", NULL, NULL);
	ASSERT_EQ(1, r.n);	/* the write to the eventfd is no output */
	expect_result(_metadata, &r, 0, "ret=1 errno=0\n");
}

TEST(a_peer_receives_nothing_sent_with_sendmmsg)
{
	struct hostile_run r;
	int peer;

	peer = at_peer(_metadata, &r, "sendmmsg", NULL);
	ASSERT_LE(0, peer);
	ASSERT_EQ(3, r.n);	/* one output per message */
	EXPECT_EQ(SYS_sendmmsg, r.outs[0].nr);
	EXPECT_EQ(0, memcmp("mm1", r.outs[0].data, 3));
	EXPECT_EQ(0, memcmp("mm2", r.outs[1].data, 3));
	expect_result(_metadata, &r, 2, "ret=2 errno=0\n");
	expect_nothing_received(_metadata, peer);
	close_peer(peer);
}

TEST(a_peer_receives_nothing_sent_from_a_file)
{
	struct hostile_run r;
	int peer, fd;

	make_file(_metadata, FILE1);
	fd = open(FILE1, O_RDONLY);
	ASSERT_LE(0, fd);
	share_at(_metadata, fd, FD_B);
	peer = at_peer(_metadata, &r, "sendfile", "11");
	ASSERT_LE(0, peer);
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(SYS_sendfile, r.outs[0].nr);
	EXPECT_EQ(5, r.outs[0].len);
	EXPECT_EQ(0, memcmp(CONTENT + 2, r.outs[0].data, 5));	/* read at the offset */
	expect_result(_metadata, &r, 1, "ret=5 errno=0\n");
	expect_nothing_received(_metadata, peer);
	EXPECT_EQ(0, lseek(FD_B, 0, SEEK_CUR));
	/* splice cannot be captured: denied */
	hostile(_metadata, &r, "splice", "10", "11");
	expect_denied(_metadata, &r, SYS_splice);
	expect_nothing_received(_metadata, peer);
	close(FD_A);
	close(FD_B);
	close(peer);
	unlink(FILE1);
}

TEST(the_client_sees_no_shutdown)
{
	struct hostile_run r;
	int peer;

	peer = at_peer(_metadata, &r, "shutdown", NULL);
	ASSERT_LE(0, peer);
	expect_suppressed(_metadata, &r);
	expect_nothing_received(_metadata, peer);	/* no end of stream */
	ASSERT_EQ(3, send(peer, "abc", 3, 0));	/* and it still takes bytes */
	close_peer(peer);
}

TEST(an_ia32_syscall_is_denied)
{
	struct hostile_run r;
	int peer;

	peer = at_peer(_metadata, &r, "int80_write", NULL);
	ASSERT_LE(0, peer);
	ASSERT_EQ(2, r.n);
	EXPECT_TRUE(is_denied(&r.outs[0]));
	EXPECT_TRUE(r.outs[0].flags & INSIGHT_OUTPUT_F_IA32);
	EXPECT_EQ(4, r.outs[0].nr);	/* ia32 write */
	EXPECT_EQ(FD_A, r.outs[0].fd);
	expect_result(_metadata, &r, 1, "ret=-1 errno=0\n");	/* -EPERM in eax */
	expect_nothing_received(_metadata, peer);
	close_peer(peer);
}

/* ---- shared descriptions ------------------------------------------------ */

TEST(shared_description_flags_do_not_change)
{
	struct hostile_run r;
	int peer = peer_pair(_metadata), before;

	ASSERT_LE(0, peer);
	ASSERT_EQ(0, fcntl(FD_A, F_SETFL, 0));
	before = fcntl(FD_A, F_GETFL);
	hostile(_metadata, &r, "setfl", "10", NULL);
	expect_suppressed(_metadata, &r);
	EXPECT_EQ(before, fcntl(FD_A, F_GETFL));
	close_peer(peer);
}

/* The registered fds of epoll fd @ep, from its fdinfo ("tfd:" lines). */
static int epoll_entries(int ep)
{
	char path[64], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, "tfd:", 4);
	fclose(f);
	return n;
}

TEST(the_shared_epoll_set_is_unchanged)
{
	struct epoll_event ev;
	struct hostile_run r;
	int ep = epoll_create1(0), p[2];

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, pipe(p));
	share_at(_metadata, ep, FD_A);
	share_at(_metadata, p[0], FD_B);
	hostile(_metadata, &r, "epoll_ctl", "10", "11");
	expect_suppressed(_metadata, &r);
	EXPECT_EQ(0, epoll_entries(FD_A));
	ASSERT_EQ(1, write(p[1], "x", 1));
	EXPECT_EQ(0, epoll_wait(FD_A, &ev, 1, 0));
	close(FD_A);
	close(FD_B);
	close(p[1]);
}

/* Probe outputs @k.. are @pieces (what it read, piece by piece), then @result. */
static void expect_pieces(struct __test_metadata *_metadata, const struct hostile_run *r,
			  const char *const *pieces, const char *result)
{
	unsigned int k = 0;

	for (; pieces[k]; k++)
		expect_result(_metadata, r, k, pieces[k]);
	EXPECT_EQ(k + 1, r->n);
	expect_result(_metadata, r, k, result);
}

/* What is waiting on @fd, read to its end (at most @len - 1 bytes), as a string. */
static void drain_into(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len - 1 && (n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT)) > 0)
		got += n;
	buf[got] = '\0';
}

TEST(a_shared_connection_is_not_drained)
{
	static const char *const how[] = { "read", "readv", "recvfrom", "recvmsg" };
	static const char *const pieces[] = { "hello", " worl", "d", NULL };
	struct hostile_run r;
	char buf[32];
	unsigned int i;
	int peer;

	/* each probe reads the peer's bytes at a position of its own */
	peer = peer_pair(_metadata);
	ASSERT_LE(0, peer);
	ASSERT_EQ(11, write(peer, "hello world", 11));
	for (i = 0; i < 4; i++) {
		hostile(_metadata, &r, "echo", "10", how[i]);
		TH_LOG("%s", how[i]);
		expect_pieces(_metadata, &r, pieces, "ret=-1 errno=11\n");	/* non-blocking */
	}
	drain_into(FD_A, buf, sizeof(buf));
	EXPECT_STREQ("hello world", buf);	/* all of it, once */
	close_peer(peer);
}

struct late_peer {
	int fd;
	const char *bytes;
};

/* 300 ms from now, send the rest of the stream, then end it. */
static void *send_late(void *arg)
{
	const struct late_peer *lp = arg;

	usleep(300 * 1000);
	if (write(lp->fd, lp->bytes, strlen(lp->bytes)) < 0)
		return NULL;
	usleep(100 * 1000);
	shutdown(lp->fd, SHUT_WR);
	return NULL;
}

/* A TCP connection over loopback: one end at FD_A (blocking), the other returned. */
static int tcp_pair(struct __test_metadata *_metadata)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l, c, peer;

	l = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len) ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	peer = accept(l, NULL, NULL);
	close(l);
	share_at(_metadata, c, FD_A);
	return peer;
}

TEST(a_probe_reading_a_shared_connection_waits_for_the_peer)
{
	static const char *const pieces[] = { "hel", "lo wo", "rld", NULL };
	struct late_peer lp = { .bytes = "lo world" };
	struct hostile_run r;
	pthread_t th;
	char buf[32];

	lp.fd = tcp_pair(_metadata);
	ASSERT_LE(0, lp.fd);
	ASSERT_EQ(3, write(lp.fd, "hel", 3));
	ASSERT_EQ(0, pthread_create(&th, NULL, send_late, &lp));
	/* blocking: it waits for the rest, then the end of the stream gives 0 */
	hostile(_metadata, &r, "echo", "10", "read");
	pthread_join(th, NULL);
	expect_pieces(_metadata, &r, pieces, "ret=11 errno=0\n");
	drain_into(FD_A, buf, sizeof(buf));
	EXPECT_STREQ("hello world", buf);
	close_peer(lp.fd);
}

TEST(a_shared_datagram_socket_is_not_drained)
{
	struct hostile_run r;
	char buf[16] = "";
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv));
	share_at(_metadata, sv[0], FD_A);
	ASSERT_EQ(5, send(sv[1], "dgram", 5, 0));
	hostile(_metadata, &r, "read", "10", NULL);
	expect_denied(_metadata, &r, SYS_read);
	EXPECT_EQ(5, recv(FD_A, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_STREQ("dgram", buf);
	close_peer(sv[1]);
}

TEST(a_shared_directory_position_does_not_move)
{
	struct hostile_run r;
	int fd;

	fd = open("/", O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	share_at(_metadata, fd, FD_A);
	hostile(_metadata, &r, "getdents", "10", NULL);
	expect_denied(_metadata, &r, SYS_getdents64);
	EXPECT_EQ(0, lseek(FD_A, 0, SEEK_CUR));
	close(FD_A);
}

TEST(a_shared_pipe_is_not_drained)
{
	struct hostile_run r;
	char buf[8] = "";
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
	ASSERT_EQ(3, write(p[1], "abc", 3));
	share_at(_metadata, p[0], FD_A);
	hostile(_metadata, &r, "read", "10", NULL);
	expect_denied(_metadata, &r, SYS_read);
	EXPECT_EQ(3, read(FD_A, buf, sizeof(buf)));
	EXPECT_STREQ("abc", buf);
	close(FD_A);
	close(p[1]);
}

TEST(a_shared_file_offset_does_not_move)
{
	struct hostile_run r;

	/* a regular file: the probe reads and seeks at a position of its own */
	file_at_a(_metadata, O_RDONLY);
	hostile(_metadata, &r, "lseek", "10", NULL);
	ASSERT_EQ(1, r.n);
	expect_result(_metadata, &r, 0, "ret=10 errno=0\n");
	EXPECT_EQ(0, lseek(FD_A, 0, SEEK_CUR));
	hostile(_metadata, &r, "seek_read", "10", NULL);
	ASSERT_EQ(1, r.n);
	expect_result(_metadata, &r, 0, "ret=7 errno=0\n");	/* "ntent\n" */
	EXPECT_EQ(0, lseek(FD_A, 0, SEEK_CUR));
	hostile(_metadata, &r, "read", "10", NULL);
	ASSERT_EQ(1, r.n);
	expect_result(_metadata, &r, 0, "ret=16 errno=0\n");	/* from 0, not 10 */
	EXPECT_EQ(0, lseek(FD_A, 0, SEEK_CUR));
	close(FD_A);
	unlink(FILE1);
}

TEST(a_shared_timer_is_not_armed)
{
	struct itimerspec its;
	struct hostile_run r;
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);

	ASSERT_LE(0, fd);
	share_at(_metadata, fd, FD_A);
	hostile(_metadata, &r, "timerfd_settime", "10", NULL);
	expect_denied(_metadata, &r, SYS_timerfd_settime);
	ASSERT_EQ(0, timerfd_gettime(FD_A, &its));
	EXPECT_EQ(0, its.it_value.tv_sec);
	EXPECT_EQ(0, its.it_value.tv_nsec);
	close(FD_A);
}

TEST(the_shared_listener_keeps_its_connections)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	struct hostile_run r;
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s;

	ASSERT_LE(0, l);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&a, &len));
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&a, sizeof(a)));
	share_at(_metadata, l, FD_A);
	hostile(_metadata, &r, "accept", "10", NULL);
	expect_denied(_metadata, &r, SYS_accept);
	s = accept4(FD_A, NULL, NULL, SOCK_NONBLOCK);
	EXPECT_LE(0, s) TH_LOG("the connection was taken: %s", strerror(errno));
	close(s);
	close(c);
	close(FD_A);
}

/*
 * A listener of ours, and at FD_A an unconnected TCP socket (bound to
 * 127.0.0.1 with @bound); the listener's port in @port.
 */
static int listener_and_socket(struct __test_metadata *_metadata, bool bound,
			       char *port, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		return -1;
	snprintf(port, len, "%d", ntohs(a.sin_port));
	a.sin_port = 0;
	if (bound && bind(c, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	share_at(_metadata, c, FD_A);
	return l;
}

/* FD_A is still connected to nothing. */
static void expect_unconnected(struct __test_metadata *_metadata)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	EXPECT_EQ(-1, getpeername(FD_A, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST(a_shared_socket_is_connected_only_in_the_probes_copy)
{
	struct hostile_run r;
	char port[16];
	int l, s;

	l = listener_and_socket(_metadata, false, port, sizeof(port));
	ASSERT_LE(0, l);
	hostile(_metadata, &r, "connect", "10", port);
	ASSERT_EQ(1, r.n);
	expect_result(_metadata, &r, 0, "ret=0 errno=0\n");
	s = accept(l, NULL, NULL);	/* the probe's own connection came */
	EXPECT_LE(0, s);
	expect_unconnected(_metadata);	/* ours, shared with it, is not */
	close(s);
	close(l);
	close(FD_A);
}

TEST(a_bound_shared_socket_is_not_connected)
{
	struct hostile_run r;
	char port[16];
	int l;

	l = listener_and_socket(_metadata, true, port, sizeof(port));
	ASSERT_LE(0, l);
	hostile(_metadata, &r, "connect", "10", port);
	expect_denied(_metadata, &r, SYS_connect);
	EXPECT_EQ(-1, accept(l, NULL, NULL));	/* no connection came */
	EXPECT_EQ(EAGAIN, errno);
	expect_unconnected(_metadata);
	close(l);
	close(FD_A);
}

/* ---- other processes ---------------------------------------------------- */

static volatile sig_atomic_t usr1;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

TEST(other_processes_are_not_signalled)
{
	struct hostile_run r;

	usr1 = 0;
	ASSERT_NE(SIG_ERR, signal(SIGUSR1, on_usr1));
	expect_action_denied(_metadata, "kill", SYS_kill);
	expect_action_denied(_metadata, "tgkill", SYS_tgkill);
	EXPECT_EQ(0, usr1);
	/* signal 0 only checks that a process is there: it runs */
	hostile(_metadata, &r, "kill_self0", NULL, NULL);
	ASSERT_EQ(1, r.n);
	expect_result(_metadata, &r, 0, "ret=0 errno=0\n");
	signal(SIGUSR1, SIG_DFL);
}

TEST(other_processes_are_not_traced)
{
	expect_action_denied(_metadata, "ptrace", SYS_ptrace);
}

TEST(no_process_is_made)
{
	struct hostile_run r;

	expect_action_denied(_metadata, "fork", SYS_fork);
	expect_action_denied(_metadata, "execve", SYS_execve);
	/* clone3 is ENOSYS, not recorded: libc makes threads with clone then */
	hostile(_metadata, &r, "clone3", NULL, NULL);
	ASSERT_EQ(1, r.n);
	expect_result(_metadata, &r, 0, "ret=-1 errno=38\n");
}

TEST(io_uring_ipc_and_shared_futex_wakes_are_denied)
{
	expect_action_denied(_metadata, "io_uring_setup", SYS_io_uring_setup);
	expect_action_denied(_metadata, "shmget", SYS_shmget);
	expect_action_denied(_metadata, "futex_wake", SYS_futex);
}

/* ---- 32-bit targets ----------------------------------------------------- */

/* Whether @pid runs @exe by now (it has exec'ed): waits up to 10 s. */
static bool runs_exe(pid_t pid, const char *exe)
{
	char path[64], link[256];
	ssize_t n;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	for (i = 0; i < 1000; i++) {
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			if (!strcmp(link, exe))
				return true;
		}
		usleep(10000);
	}
	return false;
}

TEST(a_32bit_target_is_refused_at_attach)
{
	struct insight_nl *h;
	int st;
	pid_t pid;

	ASSERT_EQ(0, insight_ensure_loaded());
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execl(PAUSE32, PAUSE32, (char *)NULL);
		_exit(127);
	}
	ASSERT_TRUE(runs_exe(pid, PAUSE32)) TH_LOG("%s did not start", PAUSE32);
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	EXPECT_EQ(-EOPNOTSUPP, insight_attach(h, pid));
	insight_nl_close(h);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
}

TEST_HARNESS_MAIN
