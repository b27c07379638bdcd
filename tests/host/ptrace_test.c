// SPDX-License-Identifier: GPL-2.0
/*
 * The explorer's ptrace backend (user/ptrace/) on the host, on
 * targets this test starts: insight.ko's semantics as the guest's
 * fork_test and sandbox_test check them, without the module.  Natural
 * decisions and their flags, the root snapshot, resuming with and
 * without a kept copy, writes captured and never delivered, the input
 * replayed at each probe's offset, DONE, kill, the caps, close leaving
 * the target running its own code, and bad input.  The contract's
 * splits (user/backend.h): CREATED carries the seq of the parent's FORK
 * decision, every split that made no copy gives one QUOTA with its
 * fork_seq (0 for a resume with keep), and lost() counts them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "backend.h"
#include "target.h"
#include "util.h"

#define OPS (&xb_ptrace_ops)
#define CODE 32			/* code bytes compared from the site on */

static struct xb_output outs[8];
static char logpath[64];

struct evlog {
	struct xb_event e[256];
	int n;
};

static const char *target_bin(const char *name)
{
	static char bin[256];

	snprintf(bin, sizeof(bin), "%s/%s", getenv("INSIGHT_TARGET_DIR") ?: TARGET_DIR, name);
	return bin;
}

/* Start ptarget (mode "plain" or "epoll") with a fresh log file. */
static int ptarget_start(struct target *t, const char *mode)
{
	char *argv[] = { (char *)target_bin("ptarget"), logpath, (char *)mode, NULL };

	snprintf(logpath, sizeof(logpath), "/tmp/insight-ptrace-%d.log", getpid());
	unlink(logpath);
	return target_startv(t, argv, 0);
}

static int session(struct xb **b, struct target *t, const char *input,
		   unsigned int max_held)
{
	struct xb_config cfg = {
		.pid = t->pid, .sites = t->site, .nsites = 1, .in_fd = 0,
		.input = input, .input_len = strlen(input), .max_held = max_held,
	};
	char why[128] = "";
	int refused = -1, err;

	err = OPS->open(b, &cfg, &refused, why, sizeof(why));
	if (err)
		fprintf(stderr, "# open: %s\n", why);
	return err ?: refused;
}

/* The index of the first event (@kind, @probe), waiting up to 10 s for it. */
static int wait_ev(struct xb *b, struct evlog *l, int kind, uint32_t probe)
{
	int i = 0, k, tries;

	for (tries = 0; tries < 100; tries++) {
		for (; i < l->n; i++)
			if (l->e[i].kind == kind && l->e[i].probe == probe)
				return i;
		k = OPS->events(b, l->e + l->n, 256 - l->n, 100);
		if (k < 0)
			return k;
		l->n += k;
	}
	return -1;
}

static int count_ev(struct evlog *l, int kind, uint32_t probe)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->e[i].kind == kind && l->e[i].probe == probe;
	return n;
}

static unsigned int outputs(struct xb *b, uint32_t probe, uint64_t start)
{
	unsigned int n = 0;

	if (OPS->outputs(b, probe, start, outs, 8, &n))
		return 99;
	return n;
}

static int out_is(const struct xb_output *o, const char *s)
{
	return o->len == strlen(s) && o->captured == o->len && !memcmp(o->data, s, o->len);
}

static struct xb_decision path[16];

/* Probe @probe's log into path[]: how many decisions, or -1. */
static int path_of(struct xb *b, uint32_t probe)
{
	struct xb_decision *d;
	size_t n;

	if (OPS->path(b, probe, &d, &n) || n > 16)
		return -1;
	memcpy(path, d, n * sizeof(*d));
	free(d);
	return n;
}

static struct xb_probe probe_info(struct xb *b, uint32_t id)
{
	struct xb_probe p[80], none = { .id = ~0U };
	unsigned int n;

	if (OPS->probes(b, p, 80, &n) || id >= n)
		return none;
	return p[id];
}

/* What the session lost so far; all ones if lost() fails. */
static struct xb_lost lost_of(struct xb *b)
{
	struct xb_lost l;

	if (OPS->lost(b, &l))
		memset(&l, 0xff, sizeof(l));
	return l;
}

/* Whether nothing was lost and every split made its copy. */
static int lost_nothing(struct xb *b)
{
	struct xb_lost l = lost_of(b);

	return !l.decisions && !l.outputs && !l.events && !l.degraded;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* Wait (up to 5 s) until @path is @size bytes long (the target answers first). */
static int wait_size(const char *path, off_t size)
{
	int i;

	for (i = 0; i < 500 && file_size(path) != size; i++)
		usleep(10000);
	return file_size(path) == size ? 0 : -1;
}

/* Whether anything came out of the target's stdout pipe. */
static int pipe_has_data(struct target *t)
{
	int fd = fileno(t->out), fl = fcntl(fd, F_GETFL);
	char c;
	ssize_t n;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, &c, 1);
	fcntl(fd, F_SETFL, fl);
	return n > 0;	/* -1 (EAGAIN), or 0 once every writer is gone */
}

static int read_code(pid_t pid, uint64_t addr, unsigned char *buf)
{
	return read_mem(pid, addr, buf, CODE);
}

/* Send a real request, return the real answer line in @line. */
static int ask(struct target *t, const char *req, char *line, size_t len)
{
	if (fputs(req, t->in) < 0 || fflush(t->in))
		return -1;
	return target_line(t, line, len);
}

/* Wait (up to 2 s) until @pid sleeps (in a syscall). */
static int wait_sleeping(pid_t pid)
{
	char path[64], buf[256], *p;
	int i, sleeping = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 200 && !sleeping; i++) {
		f = fopen(path, "r");
		if (!f)
			return -1;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		sleeping = p && p[1] == ' ' && p[2] == 'S';
		if (!sleeping)
			usleep(10000);
	}
	return sleeping ? 0 : -1;
}

/* The start of @pid's stack mapping, or 0. */
static uint64_t stack_of(pid_t pid)
{
	char path[64], line[256];
	uint64_t lo = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-", &lo) == 1)
			break;
	if (f)
		fclose(f);
	return lo;
}

static int gone(pid_t pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

TEST(natural_run_root_snapshot_captured_outputs_done_and_close)
{
	unsigned char before[CODE], after[CODE];
	struct xb_probe p1;
	struct evlog l = { .n = 0 };
	struct target t;
	char line[64];
	struct xb *b;
	int c, pz, d;

	ASSERT_EQ(0, ptarget_start(&t, "plain"));
	ASSERT_EQ(0, read_code(t.pid, t.site[0], before));
	ASSERT_EQ(0x75, before[0]);	/* jne */
	/* blocked in read(0): restarted, and served from the input */
	ASSERT_EQ(0, wait_sleeping(t.pid));
	ASSERT_EQ(0, session(&b, &t, "GET /a\nPUT /b\n", 4));
	d = wait_ev(b, &l, XB_EV_DONE, 0);
	ASSERT_LE(0, d);
	/* the root snapshot, at the target's first trap */
	c = wait_ev(b, &l, XB_EV_CREATED, 1);
	pz = wait_ev(b, &l, XB_EV_HELD, 1);
	ASSERT_LE(0, c);
	ASSERT_LE(0, pz);
	EXPECT_LT(c, pz);
	EXPECT_LT(pz, d);
	EXPECT_EQ(0, l.e[c].parent);
	EXPECT_EQ(0, l.e[c].fork_seq);
	EXPECT_EQ(0, l.e[c].site);
	EXPECT_EQ(0, l.e[pz].site);
	EXPECT_EQ(0, count_ev(&l, XB_EV_QUOTA, 0));
	EXPECT_EQ(1, count_ev(&l, XB_EV_DONE, 0));
	p1 = probe_info(b, 1);
	EXPECT_EQ(1, p1.id);
	EXPECT_EQ(0, p1.parent);
	EXPECT_EQ(0, p1.fork_seq);
	EXPECT_EQ(XB_PROBE_HELD, p1.state);
	EXPECT_NE(t.pid, p1.pid);
	EXPECT_EQ(t.pid, probe_info(b, 0).pid);
	EXPECT_EQ(XB_PROBE_RUNNING, probe_info(b, 0).state);
	EXPECT_EQ(~0U, probe_info(b, 2).id);

	/* 'G': jne not taken, the split logged; 'P': taken, natural */
	ASSERT_EQ(2, path_of(b, 0));
	EXPECT_EQ(0, path[0].seq);
	EXPECT_EQ(t.site[0], path[0].addr);
	EXPECT_EQ(0, path[0].site);
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(l.e[c].fork_seq, path[0].seq);	/* CREATED: the FORK's seq */
	EXPECT_EQ(1, path[1].seq);
	EXPECT_EQ(XB_TAKEN, path[1].flags);
	ASSERT_EQ(0, path_of(b, 1));	/* held: nothing yet */
	EXPECT_EQ(-ENOENT, OPS->path(b, 2, &(struct xb_decision *){ NULL },
				     &(size_t){ 0 }));

	/* the writes were captured, the reads replayed */
	ASSERT_EQ(4, outputs(b, 0, 0));
	EXPECT_EQ(0, outs[0].seq);
	EXPECT_EQ(SYS_write, outs[0].nr);
	EXPECT_EQ(1, outs[0].fd);
	EXPECT_EQ(1, outs[0].decisions);
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a\n"));
	EXPECT_EQ(1, outs[1].seq);
	EXPECT_NE(1, outs[1].fd);
	EXPECT_TRUE(out_is(&outs[1], "served ET /a\n"));
	EXPECT_EQ(2, outs[2].decisions);
	EXPECT_TRUE(out_is(&outs[2], "400 UT /b\n"));
	EXPECT_TRUE(out_is(&outs[3], "served UT /b\n"));
	ASSERT_EQ(2, outputs(b, 0, 2));
	EXPECT_EQ(2, outs[0].seq);
	EXPECT_EQ(0, outputs(b, 1, 0));
	EXPECT_EQ(99, outputs(b, 5, 0));
	/* nothing reached the pipe or the file (opened for real: empty) */
	EXPECT_FALSE(pipe_has_data(&t));
	EXPECT_EQ(0, file_size(logpath));
	EXPECT_TRUE(lost_nothing(b));

	/* close: the held probe is killed (and reaped), the target runs on */
	OPS->close(b);
	EXPECT_TRUE(gone(p1.pid));
	ASSERT_EQ(0, read_code(t.pid, t.site[0], after));
	EXPECT_EQ(0, memcmp(before, after, CODE));
	ASSERT_EQ(0, ask(&t, "GET /x\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /x\n", line);
	ASSERT_EQ(0, ask(&t, "HEAD /y\n", line, sizeof(line)));
	EXPECT_STREQ("400 EAD /y\n", line);
	EXPECT_EQ(0, wait_size(logpath, strlen("served ET /x\nserved EAD /y\n")));
	target_stop(&t);
	unlink(logpath);
}

TEST(resume_keep_deviated_and_each_probe_at_its_offset)
{
	struct evlog l = { .n = 0 };
	struct xb_probe p2;
	struct target t;
	struct xb *b;
	int status, i;

	/* server stops itself: the session starts on a stopped process */
	snprintf(logpath, sizeof(logpath), "/tmp/insight-ptrace-%d.log", getpid());
	unlink(logpath);
	{
		char *argv[] = { (char *)target_bin("server"), logpath, NULL };

		ASSERT_EQ(0, target_startv(&t, argv, 0));
	}
	ASSERT_EQ(t.pid, waitpid(t.pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, session(&b, &t, "GET /index\n", 4));
	EXPECT_EQ(0, OPS->events(b, l.e, 256, 200));	/* stays stopped */
	ASSERT_EQ(0, kill(t.pid, SIGCONT));

	/* the target answers and exits; the root snapshot is held */
	i = wait_ev(b, &l, XB_EV_EXITED, 0);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, l.e[i].status);
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, 1));
	ASSERT_EQ(2, outputs(b, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /index\n"));
	EXPECT_TRUE(out_is(&outs[1], "served ET /index\n"));
	EXPECT_EQ(XB_PROBE_EXITED, probe_info(b, 0).state);

	/* resume it the other way, keeping a copy at the same branch */
	ASSERT_EQ(0, OPS->resume(b, 1, 1, 1));
	i = wait_ev(b, &l, XB_EV_EXITED, 1);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, l.e[i].status);
	i = wait_ev(b, &l, XB_EV_CREATED, 2);
	ASSERT_LE(0, i);
	EXPECT_EQ(1, l.e[i].parent);
	EXPECT_EQ(0, l.e[i].fork_seq);	/* the resumed probe's seq 0 */
	EXPECT_EQ(0, l.e[i].site);
	EXPECT_LT(i, wait_ev(b, &l, XB_EV_HELD, 2));
	EXPECT_EQ(0, count_ev(&l, XB_EV_QUOTA, 1));
	ASSERT_EQ(1, path_of(b, 1));
	EXPECT_EQ(0, path[0].seq);
	EXPECT_EQ(XB_FORK | XB_FORCED | XB_TAKEN |
		  XB_DEVIATED, path[0].flags);
	/* it read the rest of the request from its own offset */
	ASSERT_EQ(2, outputs(b, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /index\n"));
	EXPECT_EQ(1, outs[0].decisions);
	p2 = probe_info(b, 2);
	EXPECT_EQ(1, p2.parent);
	EXPECT_EQ(0, p2.fork_seq);
	EXPECT_EQ(XB_PROBE_HELD, p2.state);

	/* roll back to the copy and go the natural way this time */
	ASSERT_EQ(0, OPS->resume(b, 2, 0, 0));
	i = wait_ev(b, &l, XB_EV_EXITED, 2);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, l.e[i].status);
	ASSERT_EQ(1, path_of(b, 2));
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
	ASSERT_EQ(2, outputs(b, 2, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /index\n"));
	EXPECT_EQ(~0U, probe_info(b, 3).id);	/* no copy kept this time */

	EXPECT_EQ(-EINVAL, OPS->resume(b, 0, 1, 0));
	EXPECT_EQ(-EINVAL, OPS->resume(b, 2, 1, 0));
	EXPECT_EQ(-ENOENT, OPS->resume(b, 9, 1, 0));
	EXPECT_FALSE(pipe_has_data(&t));
	EXPECT_EQ(0, file_size(logpath));
	EXPECT_TRUE(lost_nothing(b));
	OPS->close(b);
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));	/* all reaped */
	EXPECT_EQ(ECHILD, errno);
	fclose(t.in);
	fclose(t.out);
	unlink(logpath);
}

TEST(snapshot_policy_probes_replay_at_their_offsets_and_die_by_kill)
{
	unsigned char before[CODE], after[CODE];
	struct evlog l = { .n = 0 };
	pid_t pid1, pid3;
	struct target t;
	char line[64];
	struct xb *b;
	int i;

	ASSERT_EQ(0, ptarget_start(&t, "plain"));
	ASSERT_EQ(0, read_code(t.pid, t.site[0], before));
	ASSERT_EQ(0, session(&b, &t, "GET /a\nPUT /b\n", 4));
	ASSERT_EQ(0, OPS->policy(b, 0, XB_SNAPSHOT));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 0));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, 1));	/* root, at 'G' */
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, 2));	/* at 'P' */
	ASSERT_EQ(2, path_of(b, 0));
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(XB_FORK | XB_TAKEN, path[1].flags);
	i = wait_ev(b, &l, XB_EV_CREATED, 2);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, l.e[i].parent);
	EXPECT_EQ(path[1].seq, l.e[i].fork_seq);	/* its parent's FORK */
	EXPECT_EQ(1, probe_info(b, 2).fork_seq);
	EXPECT_EQ(0, probe_info(b, 2).parent);

	/* probe 2 is at 'P', 7 bytes in: it reads "UT /b" */
	ASSERT_EQ(0, OPS->resume(b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 2));	/* read at the end */
	ASSERT_EQ(1, path_of(b, 2));
	EXPECT_EQ(XB_FORK | XB_FORCED | XB_DEVIATED,
		  path[0].flags);
	ASSERT_EQ(2, outputs(b, 2, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 UT /b\n"));
	EXPECT_EQ(1, outs[0].decisions);
	EXPECT_EQ(XB_PROBE_RUNNING, probe_info(b, 2).state);	/* stopped */

	/* probe 1 is at 'G', 1 byte in: both requests, and a split of its own */
	ASSERT_EQ(0, OPS->resume(b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 1));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, 3));
	EXPECT_EQ(1, probe_info(b, 3).parent);
	EXPECT_EQ(1, probe_info(b, 3).fork_seq);
	i = wait_ev(b, &l, XB_EV_CREATED, 3);
	ASSERT_LE(0, i);
	EXPECT_EQ(1, l.e[i].parent);
	ASSERT_EQ(2, path_of(b, 1));
	EXPECT_EQ(XB_FORK | XB_TAKEN, path[1].flags);
	EXPECT_EQ(path[1].seq, l.e[i].fork_seq);
	ASSERT_EQ(4, outputs(b, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /a\n"));
	EXPECT_TRUE(out_is(&outs[2], "400 UT /b\n"));
	EXPECT_EQ(2, outs[2].decisions);

	/* kill */
	EXPECT_EQ(-EINVAL, OPS->kill(b, 0));
	EXPECT_EQ(-ENOENT, OPS->kill(b, 7));
	ASSERT_EQ(0, OPS->kill(b, 2));
	i = wait_ev(b, &l, XB_EV_KILLED, 2);
	ASSERT_LE(0, i);
	EXPECT_TRUE(WIFSIGNALED(l.e[i].status));
	EXPECT_EQ(SIGKILL, WTERMSIG(l.e[i].status));
	EXPECT_EQ(XB_PROBE_EXITED, probe_info(b, 2).state);
	EXPECT_EQ(-EINVAL, OPS->kill(b, 2));
	EXPECT_EQ(0, count_ev(&l, XB_EV_EXITED, 2));
	EXPECT_EQ(-EINVAL, OPS->resume(b, 2, 0, 0));

	EXPECT_FALSE(pipe_has_data(&t));
	EXPECT_EQ(0, file_size(logpath));
	pid1 = probe_info(b, 1).pid;
	pid3 = probe_info(b, 3).pid;
	OPS->close(b);
	EXPECT_TRUE(gone(pid1));
	EXPECT_TRUE(gone(pid3));
	ASSERT_EQ(0, read_code(t.pid, t.site[0], after));
	EXPECT_EQ(0, memcmp(before, after, CODE));
	ASSERT_EQ(0, ask(&t, "GET /x\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /x\n", line);
	target_stop(&t);
	unlink(logpath);
}

/* Pump events for @ms; whether the target wrote a line meanwhile. */
static bool line_within(struct xb *b, struct evlog *l, struct target *t, int ms)
{
	struct pollfd pfd = { .fd = fileno(t->out), .events = POLLIN };
	int i, k;

	for (i = 0; i < ms / 50; i++) {
		k = OPS->events(b, l->e + l->n, 256 - l->n, 50);
		if (k > 0)
			l->n += k;
		if (poll(&pfd, 1, 0) == 1)
			return true;
	}
	return false;
}

TEST(done_at_epoll_wait_then_the_target_waits_for_the_end)
{
	unsigned char before[CODE], after[CODE];
	struct evlog l = { .n = 0 };
	struct target t;
	char line[64];
	struct xb *b;

	ASSERT_EQ(0, ptarget_start(&t, "epoll"));
	ASSERT_EQ(0, read_code(t.pid, t.site[0], before));
	ASSERT_EQ(0, session(&b, &t, "GET /a\n", 4));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 0));
	ASSERT_EQ(2, outputs(b, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a\n"));

	/* done: the target waits, its epoll_wait not made, while the session lasts */
	ASSERT_EQ(0, fputs("PUT /r\n", t.in) < 0 || fflush(t.in));
	EXPECT_FALSE(line_within(b, &l, &t, 500));
	EXPECT_EQ(2, outputs(b, 0, 0));

	/* the root snapshot, resumed, serves "ET /a" and is done in epoll_wait */
	ASSERT_EQ(0, OPS->resume(b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 1));
	ASSERT_EQ(2, outputs(b, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /a\n"));
	EXPECT_EQ(1, count_ev(&l, XB_EV_DONE, 0));
	ASSERT_EQ(0, OPS->kill(b, 1));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_KILLED, 1));
	EXPECT_EQ(0, file_size(logpath));

	/* the session ends: the target makes its epoll_wait and serves PUT /r */
	OPS->close(b);
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	EXPECT_STREQ("400 UT /r\n", line);
	EXPECT_EQ(0, wait_size(logpath, strlen("served UT /r\n")));
	ASSERT_EQ(0, read_code(t.pid, t.site[0], after));
	EXPECT_EQ(0, memcmp(before, after, CODE));
	ASSERT_EQ(0, ask(&t, "GET /z\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /z\n", line);

	/* a new session on it, blocked in epoll_wait(): no EINTR comes out */
	ASSERT_EQ(0, wait_sleeping(t.pid));
	l.n = 0;
	ASSERT_EQ(0, session(&b, &t, "HEAD /2\n", 4));
	EXPECT_EQ(0, OPS->events(b, l.e, 256, 300));
	/* woken by real data: reads the input; the real data after the session */
	ASSERT_EQ(0, fputs("GET /w\n", t.in) < 0 || fflush(t.in));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 0));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, 1));
	EXPECT_EQ(0, count_ev(&l, XB_EV_EXITED, 0));
	ASSERT_EQ(2, outputs(b, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 EAD /2\n"));
	EXPECT_FALSE(line_within(b, &l, &t, 300));
	OPS->close(b);
	ASSERT_EQ(0, target_line(&t, line, sizeof(line)));
	EXPECT_STREQ("200 ET /w\n", line);
	ASSERT_EQ(0, ask(&t, "GET /v\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /v\n", line);
	target_stop(&t);
	unlink(logpath);
}

TEST(over_the_held_cap_the_split_runs_naturally)
{
	struct evlog l = { .n = 0 };
	struct target t;
	struct xb *b;
	int i;

	ASSERT_EQ(0, ptarget_start(&t, "plain"));
	ASSERT_EQ(0, session(&b, &t, "GET /a\n", 0));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 0));
	i = wait_ev(b, &l, XB_EV_QUOTA, 0);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, l.e[i].site);
	EXPECT_EQ(0, l.e[i].fork_seq);
	EXPECT_EQ(1, count_ev(&l, XB_EV_QUOTA, 0));
	EXPECT_EQ(0, count_ev(&l, XB_EV_CREATED, 1));
	ASSERT_EQ(1, path_of(b, 0));
	EXPECT_EQ(0, path[0].flags);	/* natural, not a fork */
	EXPECT_EQ(1, lost_of(b).degraded);
	EXPECT_EQ(~0U, probe_info(b, 1).id);
	EXPECT_EQ(-ENOENT, OPS->resume(b, 1, 0, 0));
	OPS->close(b);
	target_stop(&t);

	/* one held at most: the root is, the next split is not */
	l.n = 0;
	ASSERT_EQ(0, ptarget_start(&t, "plain"));
	ASSERT_EQ(0, session(&b, &t, "GET /a\nPUT /b\n", 1));
	ASSERT_EQ(0, OPS->policy(b, 0, XB_SNAPSHOT));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 0));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, 1));
	i = wait_ev(b, &l, XB_EV_QUOTA, 0);
	ASSERT_LE(0, i);
	EXPECT_EQ(1, l.e[i].fork_seq);	/* at 'P', its decision 1 */
	ASSERT_EQ(2, path_of(b, 0));
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(XB_TAKEN, path[1].flags);
	/* resumed, it is not held any more: the copy it keeps fits */
	ASSERT_EQ(0, OPS->resume(b, 1, 0, 1));
	i = wait_ev(b, &l, XB_EV_CREATED, 2);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, l.e[i].fork_seq);
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, 2));
	i = wait_ev(b, &l, XB_EV_QUOTA, 1);	/* at 'P' */
	ASSERT_LE(0, i);
	EXPECT_EQ(1, l.e[i].fork_seq);
	EXPECT_EQ(1, count_ev(&l, XB_EV_QUOTA, 1));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, 1));
	ASSERT_EQ(2, path_of(b, 1));
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
	EXPECT_EQ(XB_TAKEN, path[1].flags);
	EXPECT_EQ(~0U, probe_info(b, 3).id);
	EXPECT_EQ(2, lost_of(b).degraded);
	EXPECT_EQ(0, lost_of(b).decisions + lost_of(b).outputs + lost_of(b).events);
	OPS->close(b);
	target_stop(&t);
	unlink(logpath);
}

/*
 * The held cap cannot stop a resume(keep=1): the resumed probe is held
 * no more and its copy takes its place.  The running cap can: the
 * target and 62 resumed probes run, the 63rd resumed probe makes 64.
 */
TEST(resume_keep_without_room_gives_quota_at_seq_0)
{
	struct evlog l = { .n = 0 };
	struct target t;
	struct xb *b;
	uint32_t id;
	int i;

	ASSERT_EQ(0, ptarget_start(&t, "plain"));
	ASSERT_EQ(0, session(&b, &t, "GET /a\n", 1));
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, 1));
	for (id = 1; id < OPS->max_probes(b) - 1; id++) {
		ASSERT_EQ(0, OPS->resume(b, id, 0, 1));
		l.n = 0;	/* room for the next ones */
		i = wait_ev(b, &l, XB_EV_CREATED, id + 1);
		ASSERT_LE(0, i);
		EXPECT_EQ(id, l.e[i].parent);
		EXPECT_EQ(0, l.e[i].fork_seq);
		ASSERT_LE(0, wait_ev(b, &l, XB_EV_HELD, id + 1));
	}
	EXPECT_EQ(63, id);
	EXPECT_TRUE(lost_nothing(b));
	ASSERT_EQ(0, OPS->resume(b, id, 0, 1));
	l.n = 0;
	i = wait_ev(b, &l, XB_EV_QUOTA, id);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, l.e[i].fork_seq);
	EXPECT_EQ(0, l.e[i].site);
	ASSERT_LE(0, wait_ev(b, &l, XB_EV_DONE, id));
	EXPECT_EQ(1, count_ev(&l, XB_EV_QUOTA, id));
	EXPECT_EQ(0, count_ev(&l, XB_EV_CREATED, id + 1));
	EXPECT_EQ(~0U, probe_info(b, id + 1).id);
	ASSERT_EQ(1, path_of(b, id));	/* resumed all the same */
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
	EXPECT_EQ(1, lost_of(b).degraded);
	OPS->close(b);
	target_stop(&t);
	unlink(logpath);
}

TEST(bad_input)
{
	uint64_t sites[6];
	struct xb_config cfg = { .pid = 999999, .in_fd = -1 };
	unsigned char code[CODE];
	int refused[6] = { -1, -1, -1, -1, -1, -1 };
	struct target t;
	char why[128] = "", line[64];
	struct xb *b, *b2;

	if (!gone(999999))
		SKIP(return, "pid 999999 exists");
	EXPECT_EQ(-ESRCH, OPS->open(&b, &cfg, refused, why, sizeof(why)));
	EXPECT_STREQ("no process 999999", why);
	EXPECT_EQ(64, OPS->max_probes(NULL));

	ASSERT_EQ(0, ptarget_start(&t, "plain"));
	sites[0] = t.site[0];
	sites[1] = t.site[0] + 1;	/* jne's rel8 byte: not an opcode */
	sites[2] = 8;			/* unmapped */
	sites[3] = t.site[0];		/* twice */
	sites[4] = 0xffffffff81000000ULL;	/* the kernel's */
	sites[5] = stack_of(t.pid);	/* not executable */
	ASSERT_NE(0, sites[5]);
	cfg = (struct xb_config){ .pid = t.pid, .sites = sites, .nsites = 6, .in_fd = -1 };
	ASSERT_EQ(0, OPS->open(&b, &cfg, refused, why, sizeof(why)));
	EXPECT_EQ(0, refused[0]);
	EXPECT_EQ(EILSEQ, refused[1]);
	EXPECT_EQ(EFAULT, refused[2]);
	EXPECT_EQ(EEXIST, refused[3]);
	EXPECT_EQ(EINVAL, refused[4]);
	EXPECT_EQ(EACCES, refused[5]);
	ASSERT_EQ(0, read_code(t.pid, t.site[0], code));
	EXPECT_EQ(0xcc, code[0]);	/* armed */
	EXPECT_EQ(-ENOENT, OPS->policy(b, 1, XB_SNAPSHOT));
	EXPECT_EQ(-ENOENT, OPS->policy(b, 4, XB_SNAPSHOT));
	EXPECT_EQ(-EINVAL, OPS->policy(b, 0, 99));
	EXPECT_EQ(-ENOENT, OPS->kill(b, 1));
	EXPECT_EQ(-EINVAL, OPS->kill(b, 0));
	/* traced already */
	why[0] = '\0';
	EXPECT_EQ(-EPERM, OPS->open(&b2, &cfg, refused, why, sizeof(why)));
	EXPECT_NE(0, why[0]);
	OPS->close(b);

	EXPECT_EQ(0x75, text_byte(t.pid, t.site[0]));
	ASSERT_EQ(0, ask(&t, "GET /q\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /q\n", line);
	target_stop(&t);
	unlink(logpath);
}

TEST_HARNESS_MAIN
