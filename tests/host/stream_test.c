// SPDX-License-Identifier: GPL-2.0
/*
 * bpf/stream.bpf.c on the build host (its kernel has BPF and BTF): a
 * child's syscalls arrive in order with their numbers, arguments and
 * results; its own child is covered from its first syscall; nothing is
 * dropped.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
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

TEST_HARNESS_MAIN
