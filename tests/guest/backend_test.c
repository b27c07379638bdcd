// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract (user/backend.h), one body per behaviour, run
 * against each backend: kmod (insight.ko, in the guest) and ptrace (in
 * the guest, and on the host through tests/host/backend_test.c, which
 * builds this file with BACKEND_TEST_HOST).  The target is
 * tests/targets/ptarget: one jne at its site, deciding on the first byte
 * of each request read from fd 0.
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

#define EVMAX 512

struct evlog {
	struct xb_event e[EVMAX];
	int n;
};

static const char *target_bin(const char *name)
{
	static char bin[256];

	snprintf(bin, sizeof(bin), "%s/%s", getenv("INSIGHT_TARGET_DIR") ?: TARGET_DIR, name);
	return bin;
}

/* Wait (up to 5 s) until @pid is in state @st ('S': sleeps in a syscall; 'T': stopped). */
static int wait_state(pid_t pid, char st)
{
	char path[64], buf[256], *p;
	int i, in = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 500 && !in; i++) {
		f = fopen(path, "r");
		if (!f)
			return -1;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		in = p && p[1] == ' ' && p[2] == st;
		if (!in)
			usleep(10000);
	}
	return in ? 0 : -1;
}

static int wait_sleeping(pid_t pid)
{
	return wait_state(pid, 'S');
}

FIXTURE(backend) {
	struct target t;
	const struct xb_ops *ops;
	struct xb *b;
	struct evlog l;
	char logpath[64];
	unsigned int max_held;	/* the ptrace backend's held cap (cfg.max_held) */
	bool reloaded;		/* kmod: insight.ko loaded with other parameters */
};

FIXTURE_VARIANT(backend) {
	const struct xb_ops *ops;
};

#ifndef BACKEND_TEST_HOST
FIXTURE_VARIANT_ADD(backend, kmod) {
	.ops = &xb_kmod_ops,
};
#endif

FIXTURE_VARIANT_ADD(backend, ptrace) {
	.ops = &xb_ptrace_ops,
};

/* How start_ex() starts ptarget. */
#define START_EPOLL	(1 << 0)	/* it waits in epoll_wait() after each request */
#define START_SNAPSHOT	(1 << 1)	/* the site is SNAPSHOT before it runs on */

/* Open the backend on the running target with @input replayed on @in_fd. */
static int open_on(struct _test_data_backend *self, const char *input, int in_fd)
{
	struct xb_config cfg = { .pid = self->t.pid, .sites = self->t.site, .nsites = 1,
				 .in_fd = in_fd, .input = input,
				 .input_len = input ? strlen(input) : 0,
				 .max_held = self->max_held };
	char why[128] = "";
	int refused = -1, err;

	err = self->ops->open(&self->b, &cfg, &refused, why, sizeof(why));
	if (err)
		fprintf(stderr, "# open: %s\n", why);
	return err ?: refused;
}

static void set_logpath(struct _test_data_backend *self)
{
	snprintf(self->logpath, sizeof(self->logpath), "/tmp/insight-backend-%d.log", getpid());
	unlink(self->logpath);
}

/* Start ptarget (mode "plain" or "epoll"), blocked in its first read(0). */
static int start_target(struct _test_data_backend *self, int how)
{
	char *argv[] = { (char *)target_bin("ptarget"), self->logpath,
			 how & START_EPOLL ? "epoll" : "plain", NULL };
	int err;

	set_logpath(self);
	err = target_startv(&self->t, argv, 0);
	return err ?: wait_sleeping(self->t.pid) ? -ETIMEDOUT : 0;
}

/*
 * Start ptarget and open the backend on it with @input replayed on fd 0.
 * START_SNAPSHOT: the target is stopped while the backend opens and the
 * site is made SNAPSHOT, so that (insight.ko's probes run on their own)
 * no decision is made before; continued, it restarts its read.
 */
static int start_ex(struct _test_data_backend *self, const char *input, int how)
{
	int err = start_target(self, how);

	/* blocked in read(0): the backend makes it restart, served from the input */
	if (err)
		return err;
	if (how & START_SNAPSHOT) {
		if (kill(self->t.pid, SIGSTOP) || wait_state(self->t.pid, 'T'))
			return -ETIMEDOUT;
	}
	err = open_on(self, input, 0);
	if (err || !(how & START_SNAPSHOT))
		return err;
	err = self->ops->policy(self->b, 0, XB_SNAPSHOT);
	return err ?: kill(self->t.pid, SIGCONT) ? -errno : 0;
}

static int start(struct _test_data_backend *self, const char *input)
{
	return start_ex(self, input, 0);
}

static bool is_kmod(struct _test_data_backend *self)
{
	return self->ops == &xb_kmod_ops;
}

/*
 * The held cap, each backend's way: the ptrace backend's is cfg.max_held;
 * insight.ko's is its max_snapshots parameter (reloaded with it here,
 * unloaded at teardown: the next test loads it with the defaults).
 */
static int set_held_cap(struct _test_data_backend *self, unsigned int n)
{
	char param[32];
	int err;

	self->max_held = n;
	if (!is_kmod(self))
		return 0;
	snprintf(param, sizeof(param), "max_snapshots=%u", n);
	err = insight_ensure_unloaded();
	if (!err)
		err = mod_load(insight_ko(), param);
	self->reloaded = !err;
	return err;
}

FIXTURE_SETUP(backend)
{
	memset(self, 0, sizeof(*self));
	self->ops = variant->ops;
	self->t.pid = -1;
	self->max_held = 16;
	if (self->ops == &xb_ptrace_ops)
		return;
#ifndef BACKEND_TEST_HOST
	ASSERT_EQ(0, insight_ensure_loaded());
#endif
}

FIXTURE_TEARDOWN(backend)
{
	if (self->b)
		self->ops->close(self->b);
	if (self->t.pid > 0)
		target_stop(&self->t);
	unlink(self->logpath);
	if (self->reloaded) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;	/* insight.ko's probes: the target's siblings, our children */
		EXPECT_EQ(0, mod_unload("insight"));
	}
}

/* The index of the first event (@kind, @probe), waiting up to 20 s for it. */
static int wait_ev(struct _test_data_backend *self, enum xb_event_kind kind, uint32_t probe)
{
	struct evlog *l = &self->l;
	int i = 0, k, tries;

	for (tries = 0; tries < 200; tries++) {
		for (; i < l->n; i++)
			if (l->e[i].kind == kind && l->e[i].probe == probe)
				return i;
		k = self->ops->events(self->b, l->e + l->n, EVMAX - l->n, 100);
		if (k < 0)
			return k;
		l->n += k;
	}
	return -1;
}

/* Read events for about @ms more. */
static void drain(struct _test_data_backend *self, int ms)
{
	int k;

	for (; ms > 0; ms -= 50) {
		k = self->ops->events(self->b, self->l.e + self->l.n, EVMAX - self->l.n, 50);
		if (k > 0)
			self->l.n += k;
	}
}

static int count_ev(struct _test_data_backend *self, enum xb_event_kind kind, uint32_t probe)
{
	int i, n = 0;

	for (i = 0; i < self->l.n; i++)
		n += self->l.e[i].kind == kind && self->l.e[i].probe == probe;
	return n;
}

/* Probe @probe's own log (malloc'ed) and its length, or NULL. */
static struct xb_decision *path_of(struct _test_data_backend *self, uint32_t probe,
				   size_t *n)
{
	struct xb_decision *d;

	return self->ops->path(self->b, probe, &d, n) ? NULL : d;
}

/* Whether probe @probe's first output is exactly @s. */
static bool first_output_is(struct _test_data_backend *self, uint32_t probe, const char *s)
{
	static struct xb_output o;
	unsigned int n = 0;

	if (self->ops->outputs(self->b, probe, 0, &o, 1, &n) || n != 1)
		return false;
	return o.len == strlen(s) && o.captured == o.len && !memcmp(o.data, s, o.len);
}

/* Whether anything came out of the target's stdout pipe. */
static bool pipe_has_data(struct target *t)
{
	int fd = fileno(t->out), fl = fcntl(fd, F_GETFL);
	ssize_t n;
	char c;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, &c, 1);
	fcntl(fd, F_SETFL, fl);
	return n > 0;
}

TEST_F(backend, target_logs_its_natural_direction_at_the_site)
{
	struct xb_decision *d;
	size_t n = 0;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	d = path_of(self, 0, &n);
	ASSERT_NE(NULL, d);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, d[0].seq);
	EXPECT_EQ(self->t.site[0], d[0].addr);
	EXPECT_EQ(0, d[0].site);
	/* 'G': the jne falls through; the root split there */
	EXPECT_EQ(XB_FORK, d[0].flags);
	free(d);
}

TEST_F(backend, root_snapshot_is_created_at_the_fork_point_then_held)
{
	int c, h;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	c = wait_ev(self, XB_EV_CREATED, 1);
	h = wait_ev(self, XB_EV_HELD, 1);
	ASSERT_LE(0, c);
	ASSERT_LE(0, h);
	EXPECT_LT(c, h);
	EXPECT_EQ(0, self->l.e[c].parent);
	EXPECT_EQ(0, self->l.e[c].fork_seq);	/* the target's decision 0 */
	EXPECT_EQ(0, self->l.e[c].site);
	EXPECT_EQ(0, self->l.e[h].site);
}

TEST_F(backend, writes_are_captured_and_never_delivered)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_TRUE(first_output_is(self, 0, "200 ET /a\n"));
	EXPECT_FALSE(pipe_has_data(&self->t));
}

TEST_F(backend, the_request_ends_in_done_once)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	drain(self, 300);
	EXPECT_EQ(1, count_ev(self, XB_EV_DONE, 0));
}

TEST_F(backend, resumed_the_other_way_a_snapshot_logs_a_forced_deviated_fork)
{
	struct xb_decision *d;
	size_t n = 0;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	d = path_of(self, 1, &n);
	ASSERT_NE(NULL, d);
	ASSERT_LE(1, n);
	EXPECT_EQ(XB_FORK | XB_FORCED | XB_TAKEN | XB_DEVIATED, d[0].flags);
	free(d);
}

TEST_F(backend, a_resumed_probe_reads_the_input_from_its_parents_offset)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	/* it branched on 'G' and went on with the rest, the other way */
	EXPECT_TRUE(first_output_is(self, 1, "400 ET /a\n"));
}

TEST_F(backend, resume_with_keep_leaves_a_held_copy_at_fork_seq_0)
{
	int c;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 0, 1));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	EXPECT_EQ(0, self->l.e[c].fork_seq);
	EXPECT_LE(0, wait_ev(self, XB_EV_HELD, 2));
}

/*
 * @n requests of one byte each and a newline: with the site set to
 * SNAPSHOT once the backend is open, the target splits at each of the
 * requests it has not served yet.
 */
static void requests(char *input, int n)
{
	int i;

	for (*input = '\0', i = 0; i < n; i++)
		strcat(input, "G\n");
}

/* Events about probe @parent's split at @fork_seq: CREATED children and QUOTAs. */
static int split_events(struct _test_data_backend *self, uint32_t parent, uint64_t fork_seq)
{
	const struct xb_event *e;
	int i, n = 0;

	for (i = 0; i < self->l.n; i++) {
		e = &self->l.e[i];
		n += e->fork_seq == fork_seq &&
		     ((e->kind == XB_EV_CREATED && e->parent == parent) ||
		      (e->kind == XB_EV_QUOTA && e->probe == parent));
	}
	return n;
}

TEST_F(backend, every_fork_decision_ends_in_one_copy_or_one_quota)
{
	char input[60 * 2 + 1];
	struct xb_decision *d;
	size_t n = 0, k, forks = 0;
	int tries, ended = 0;

	requests(input, 60);
	ASSERT_EQ(0, start(self, input));
	ASSERT_EQ(0, self->ops->policy(self->b, 0, XB_SNAPSHOT));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	d = path_of(self, 0, &n);
	ASSERT_NE(NULL, d);
	for (tries = 0; tries < 100; tries++, drain(self, 100)) {
		for (k = 0, forks = 0, ended = 0; k < n; k++) {
			if (!(d[k].flags & XB_FORK))
				continue;
			forks++;
			ended += split_events(self, 0, k) == 1;
		}
		if (ended == (int)forks)
			break;
	}
	free(d);
	EXPECT_LE(1, forks);
	EXPECT_EQ(forks, ended);
}

TEST_F(backend, splits_beyond_the_held_cap_give_quotas)
{
	char input[60 * 2 + 1];
	int i, held = 0;

	requests(input, 60);
	ASSERT_EQ(0, start(self, input));
	ASSERT_EQ(0, self->ops->policy(self->b, 0, XB_SNAPSHOT));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	drain(self, 500);
	for (i = 0; i < self->l.n; i++)
		held += self->l.e[i].kind == XB_EV_HELD;
	EXPECT_LE(1, count_ev(self, XB_EV_QUOTA, 0));
	EXPECT_GE(16, held);
}

TEST_F(backend, a_quota_carries_the_fork_point_of_the_split_it_refused)
{
	char input[60 * 2 + 1];
	struct xb_decision *d;
	size_t n = 0;
	int q;

	requests(input, 60);
	ASSERT_EQ(0, start(self, input));
	ASSERT_EQ(0, self->ops->policy(self->b, 0, XB_SNAPSHOT));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	q = wait_ev(self, XB_EV_QUOTA, 0);
	ASSERT_LE(0, q);
	d = path_of(self, 0, &n);
	ASSERT_NE(NULL, d);
	/* a decision of the target's, at the site the QUOTA names, run naturally */
	ASSERT_LT(self->l.e[q].fork_seq, n);
	EXPECT_EQ(d[self->l.e[q].fork_seq].site, self->l.e[q].site);
	EXPECT_FALSE(d[self->l.e[q].fork_seq].flags & (XB_FORCED | XB_DEVIATED));
	free(d);
}

TEST_F(backend, killing_a_held_probe_reports_killed)
{
	struct xb_probe p[4];
	unsigned int n = 0;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	ASSERT_EQ(0, self->ops->kill(self->b, 1));
	ASSERT_LE(0, wait_ev(self, XB_EV_KILLED, 1));
	ASSERT_EQ(0, self->ops->probes(self->b, p, 4, &n));
	ASSERT_LE(2, n);
	EXPECT_EQ(XB_PROBE_EXITED, p[1].state);
}

TEST_F(backend, the_target_cannot_be_killed)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_EQ(-EINVAL, self->ops->kill(self->b, 0));
}

TEST_F(backend, resuming_an_unknown_probe_is_enoent)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_EQ(-ENOENT, self->ops->resume(self->b, 999, 0, 0));
}

TEST_F(backend, resuming_a_probe_that_is_not_held_is_einval)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_EQ(-EINVAL, self->ops->resume(self->b, 0, 0, 0));
}

TEST_F(backend, a_policy_for_a_site_out_of_range_is_enoent)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	EXPECT_EQ(-ENOENT, self->ops->policy(self->b, 1, XB_SNAPSHOT));
}

TEST_F(backend, nothing_is_lost_on_a_short_run)
{
	struct xb_lost l = { 1, 1, 1, 1 };

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_EQ(0, self->ops->lost(self->b, &l));
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
	EXPECT_EQ(0, l.degraded);
}

TEST_F(backend, after_close_the_code_is_restored_and_the_target_serves_for_real)
{
	char line[64];
	int op;

	ASSERT_EQ(0, start(self, "GET /a\n"));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	self->ops->close(self->b);
	self->b = NULL;
	op = text_byte(self->t.pid, self->t.site[0]);
	EXPECT_EQ(0x75, op);	/* jne, no int3 left */
	ASSERT_EQ(0, fputs("Gz\n", self->t.in) < 0 || fflush(self->t.in));
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_STREQ("200 z\n", line);
}

/* ---- the ptrace backend's old host checks (tests/host/ptrace_test.c), per behaviour ---- */

#define CODE 32			/* code bytes compared from the site on */
#define TWO "GET /a\nPUT /b\n"	/* 'G': the jne falls through; 'P': it jumps */

static struct xb_output outs[8];

/* Probe @probe's outputs from @start into outs[]: how many, or -errno. */
static int outputs_of(struct _test_data_backend *self, uint32_t probe, uint64_t start)
{
	unsigned int n = 0;
	int err = self->ops->outputs(self->b, probe, start, outs, 8, &n);

	return err ?: (int)n;
}

static bool out_is(const struct xb_output *o, const char *s)
{
	return o->len == strlen(s) && o->captured == o->len && !memcmp(o->data, s, o->len);
}

static struct xb_decision path[16];

/* Probe @probe's log into path[]: how many decisions, or -errno. */
static int path_into(struct _test_data_backend *self, uint32_t probe)
{
	struct xb_decision *d;
	size_t n;
	int err = self->ops->path(self->b, probe, &d, &n);

	if (err)
		return err;
	if (n > 16)
		n = 16;
	memcpy(path, d, n * sizeof(*d));
	free(d);
	return n;
}

/* Probe @id as probes() lists it; id ~0U if it is not listed. */
static struct xb_probe probe_info(struct _test_data_backend *self, uint32_t id)
{
	static struct xb_probe p[80];
	struct xb_probe none = { .id = ~0U };
	unsigned int n;

	if (self->ops->probes(self->b, p, 80, &n) || id >= n)
		return none;
	return p[id];
}

/* What the session lost so far; all ones if lost() fails. */
static struct xb_lost lost_of(struct _test_data_backend *self)
{
	struct xb_lost l;

	if (self->ops->lost(self->b, &l))
		memset(&l, 0xff, sizeof(l));
	return l;
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

/* Send a real request, return the real answer line in @line. */
static int ask(struct target *t, const char *req, char *line, size_t len)
{
	if (fputs(req, t->in) < 0 || fflush(t->in))
		return -1;
	return target_line(t, line, len);
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

/*
 * Whether @pid is dead: gone, or a zombie (insight.ko's probes are the
 * target's siblings, so our children: nobody reaps them but us).
 */
static bool dead(pid_t pid)
{
	char path[64], buf[256], *p = NULL;
	FILE *f;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f) {
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
	}
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* Pump events for @ms; whether the target wrote a line meanwhile. */
static bool line_within(struct _test_data_backend *self, int ms)
{
	struct pollfd pfd = { .fd = fileno(self->t.out), .events = POLLIN };

	for (; ms > 0; ms -= 50) {
		drain(self, 50);
		if (poll(&pfd, 1, 0) == 1)
			return true;
	}
	return false;
}

/* Close the session now (the teardown then has nothing to close). */
static void close_now(struct _test_data_backend *self)
{
	self->ops->close(self->b);
	self->b = NULL;
}

/* Two requests, natural: the target done, the root snapshot held. */
static int two_requests_done(struct _test_data_backend *self)
{
	int err = start(self, TWO);

	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, the_root_snapshot_is_held_before_the_target_is_done)
{
	int h, d;

	ASSERT_EQ(0, start(self, TWO));
	d = wait_ev(self, XB_EV_DONE, 0);
	h = wait_ev(self, XB_EV_HELD, 1);
	ASSERT_LE(0, d);
	ASSERT_LE(0, h);
	EXPECT_LT(h, d);
}

TEST_F(backend, a_natural_run_with_room_gives_no_quota)
{
	ASSERT_EQ(0, two_requests_done(self));
	drain(self, 200);
	EXPECT_EQ(0, count_ev(self, XB_EV_QUOTA, 0));
}

TEST_F(backend, probes_lists_the_root_snapshot_held_at_the_targets_decision_0)
{
	struct xb_probe p1;

	ASSERT_EQ(0, two_requests_done(self));
	p1 = probe_info(self, 1);
	EXPECT_EQ(1, p1.id);
	EXPECT_EQ(0, p1.parent);
	EXPECT_EQ(0, p1.fork_seq);
	EXPECT_EQ(XB_PROBE_HELD, p1.state);
	EXPECT_NE(self->t.pid, p1.pid);
}

TEST_F(backend, probes_lists_the_target_as_probe_0_running)
{
	struct xb_probe p0;

	ASSERT_EQ(0, two_requests_done(self));
	p0 = probe_info(self, 0);
	EXPECT_EQ(0, p0.id);
	EXPECT_EQ(self->t.pid, p0.pid);
	EXPECT_EQ(XB_PROBE_RUNNING, p0.state);
}

TEST_F(backend, probes_lists_no_probe_that_was_not_made)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(~0U, probe_info(self, 2).id);
}

TEST_F(backend, each_decision_logs_its_seq_and_direction)
{
	ASSERT_EQ(0, two_requests_done(self));
	ASSERT_EQ(2, path_into(self, 0));
	EXPECT_EQ(0, path[0].seq);
	EXPECT_EQ(self->t.site[0], path[0].addr);
	EXPECT_EQ(0, path[0].site);
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(1, path[1].seq);
	EXPECT_EQ(self->t.site[0], path[1].addr);
	EXPECT_EQ(XB_TAKEN, path[1].flags);	/* 'P': taken, natural */
}

TEST_F(backend, created_carries_the_seq_of_the_parents_fork_decision)
{
	int c;

	ASSERT_EQ(0, two_requests_done(self));
	c = wait_ev(self, XB_EV_CREATED, 1);
	ASSERT_LE(0, c);
	ASSERT_EQ(2, path_into(self, 0));
	EXPECT_EQ(XB_FORK, path[self->l.e[c].fork_seq].flags & XB_FORK);
	EXPECT_EQ(path[0].seq, self->l.e[c].fork_seq);
}

TEST_F(backend, a_held_probe_logs_nothing)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(0, path_into(self, 1));
}

TEST_F(backend, the_path_of_an_unknown_probe_is_enoent)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(-ENOENT, path_into(self, 2));
}

TEST_F(backend, an_output_records_its_seq_syscall_fd_and_the_decisions_before)
{
	ASSERT_EQ(0, two_requests_done(self));
	ASSERT_EQ(4, outputs_of(self, 0, 0));
	EXPECT_EQ(0, outs[0].seq);
	EXPECT_EQ(SYS_write, outs[0].nr);
	EXPECT_EQ(1, outs[0].fd);
	EXPECT_EQ(1, outs[0].decisions);
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a\n"));
	EXPECT_EQ(1, outs[1].seq);
	EXPECT_EQ(2, outs[2].decisions);
	EXPECT_TRUE(out_is(&outs[2], "400 UT /b\n"));
}

TEST_F(backend, writes_to_a_regular_file_are_captured_and_the_file_stays_empty)
{
	ASSERT_EQ(0, two_requests_done(self));
	ASSERT_EQ(4, outputs_of(self, 0, 0));
	EXPECT_NE(1, outs[1].fd);
	EXPECT_TRUE(out_is(&outs[1], "served ET /a\n"));
	EXPECT_TRUE(out_is(&outs[3], "served UT /b\n"));
	/* opened for real (created), written to never */
	EXPECT_EQ(0, file_size(self->logpath));
}

TEST_F(backend, outputs_are_read_from_the_seq_asked)
{
	ASSERT_EQ(0, two_requests_done(self));
	ASSERT_EQ(2, outputs_of(self, 0, 2));
	EXPECT_EQ(2, outs[0].seq);
	EXPECT_EQ(3, outs[1].seq);
}

TEST_F(backend, a_held_probe_has_no_outputs)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(0, outputs_of(self, 1, 0));
}

TEST_F(backend, the_outputs_of_an_unknown_probe_are_enoent)
{
	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_EQ(-ENOENT, outputs_of(self, 5, 0));
}

TEST_F(backend, nothing_is_lost_over_two_requests)
{
	struct xb_lost l;

	ASSERT_EQ(0, two_requests_done(self));
	EXPECT_FALSE(pipe_has_data(&self->t));
	l = lost_of(self);
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
	EXPECT_EQ(0, l.degraded);
}

TEST_F(backend, close_kills_a_held_probe)
{
	pid_t pid;

	ASSERT_EQ(0, two_requests_done(self));
	pid = probe_info(self, 1).pid;
	ASSERT_LT(0, pid);
	close_now(self);
	EXPECT_TRUE(dead(pid));
}

TEST_F(backend, close_restores_the_code_byte_for_byte)
{
	unsigned char before[CODE], after[CODE];

	ASSERT_EQ(0, start_target(self, 0));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.site[0], before, CODE));
	ASSERT_EQ(0x75, before[0]);	/* jne */
	ASSERT_EQ(0, open_on(self, TWO, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	close_now(self);
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.site[0], after, CODE));
	EXPECT_EQ(0, memcmp(before, after, CODE));
}

TEST_F(backend, after_close_the_target_answers_and_writes_its_file_for_real)
{
	char line[64];

	ASSERT_EQ(0, two_requests_done(self));
	close_now(self);
	ASSERT_EQ(0, ask(&self->t, "GET /x\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /x\n", line);
	ASSERT_EQ(0, ask(&self->t, "HEAD /y\n", line, sizeof(line)));
	EXPECT_STREQ("400 EAD /y\n", line);
	EXPECT_EQ(0, wait_size(self->logpath, strlen("served ET /x\nserved EAD /y\n")));
}

/*
 * tests/targets/server: one request, then it exits; it stops itself
 * first, so the session starts on a stopped process.
 */
static int start_server(struct _test_data_backend *self, const char *input)
{
	char *argv[] = { (char *)target_bin("server"), self->logpath, NULL };
	int status, err;

	set_logpath(self);
	err = target_startv(&self->t, argv, 0);
	if (err)
		return err;
	if (waitpid(self->t.pid, &status, WUNTRACED) != self->t.pid || !WIFSTOPPED(status))
		return -ECHILD;
	return open_on(self, input, 0);
}

/* The server started, continued, answered and exited; its root snapshot held. */
static int server_exited(struct _test_data_backend *self)
{
	int err = start_server(self, "GET /index\n");

	if (err)
		return err;
	if (kill(self->t.pid, SIGCONT))
		return -errno;
	if (wait_ev(self, XB_EV_EXITED, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0)
		return -ETIMEDOUT;
	return 0;
}

/* ... and its root snapshot resumed the other way with a copy kept, exited. */
static int server_resumed_keep(struct _test_data_backend *self)
{
	int err = server_exited(self);

	if (err)
		return err;
	err = self->ops->resume(self->b, 1, 1, 1);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_EXITED, 1) < 0 || wait_ev(self, XB_EV_HELD, 2) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, a_target_stopped_when_opened_stays_stopped)
{
	ASSERT_EQ(0, start_server(self, "GET /index\n"));
	EXPECT_EQ(0, self->ops->events(self->b, self->l.e, EVMAX, 200));
}

TEST_F(backend, a_target_that_exits_reports_exited_with_its_status)
{
	int i;

	ASSERT_EQ(0, start_server(self, "GET /index\n"));
	ASSERT_EQ(0, kill(self->t.pid, SIGCONT));
	i = wait_ev(self, XB_EV_EXITED, 0);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, self->l.e[i].status);
}

TEST_F(backend, an_exited_target_keeps_its_outputs_and_is_listed_exited)
{
	ASSERT_EQ(0, server_exited(self));
	ASSERT_EQ(2, outputs_of(self, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /index\n"));
	EXPECT_TRUE(out_is(&outs[1], "served ET /index\n"));
	EXPECT_EQ(XB_PROBE_EXITED, probe_info(self, 0).state);
}

TEST_F(backend, a_resumed_probe_that_exits_reports_exited_with_its_status)
{
	int i;

	ASSERT_EQ(0, server_resumed_keep(self));
	i = wait_ev(self, XB_EV_EXITED, 1);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, self->l.e[i].status);
}

TEST_F(backend, the_copy_kept_is_created_at_the_resumed_probes_seq_0_then_held)
{
	int c;

	ASSERT_EQ(0, server_resumed_keep(self));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	EXPECT_EQ(0, self->l.e[c].fork_seq);
	EXPECT_EQ(0, self->l.e[c].site);
	EXPECT_LT(c, wait_ev(self, XB_EV_HELD, 2));
	EXPECT_EQ(0, count_ev(self, XB_EV_QUOTA, 1));
}

TEST_F(backend, probes_lists_the_copy_kept_held_under_the_resumed_probe)
{
	struct xb_probe p2;

	ASSERT_EQ(0, server_resumed_keep(self));
	p2 = probe_info(self, 2);
	EXPECT_EQ(2, p2.id);
	EXPECT_EQ(1, p2.parent);
	EXPECT_EQ(0, p2.fork_seq);
	EXPECT_EQ(XB_PROBE_HELD, p2.state);
}

TEST_F(backend, resumed_with_keep_the_other_way_a_probe_logs_one_forced_deviated_fork)
{
	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(1, path_into(self, 1));
	EXPECT_EQ(0, path[0].seq);
	EXPECT_EQ(XB_FORK | XB_FORCED | XB_TAKEN | XB_DEVIATED, path[0].flags);
}

TEST_F(backend, resumed_with_keep_a_probe_reads_the_rest_from_its_own_offset)
{
	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(2, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /index\n"));
	EXPECT_EQ(1, outs[0].decisions);
}

TEST_F(backend, the_copy_kept_resumed_the_natural_way_logs_a_forced_fork)
{
	int i;

	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	i = wait_ev(self, XB_EV_EXITED, 2);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, self->l.e[i].status);
	ASSERT_EQ(1, path_into(self, 2));
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
	ASSERT_EQ(2, outputs_of(self, 2, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /index\n"));
}

TEST_F(backend, resume_without_keep_leaves_no_copy)
{
	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_EXITED, 2));
	EXPECT_EQ(~0U, probe_info(self, 3).id);
	EXPECT_EQ(0, count_ev(self, XB_EV_CREATED, 3));
}

TEST_F(backend, resuming_a_target_that_exited_is_einval)
{
	ASSERT_EQ(0, server_exited(self));
	EXPECT_EQ(-EINVAL, self->ops->resume(self->b, 0, 1, 0));
}

TEST_F(backend, resuming_a_probe_that_exited_is_einval)
{
	ASSERT_EQ(0, server_resumed_keep(self));
	EXPECT_EQ(-EINVAL, self->ops->resume(self->b, 1, 1, 0));
}

TEST_F(backend, nothing_leaks_out_and_nothing_is_lost_over_resumes_with_keep)
{
	struct xb_lost l;

	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_EXITED, 2));
	EXPECT_FALSE(pipe_has_data(&self->t));
	EXPECT_EQ(0, file_size(self->logpath));
	l = lost_of(self);
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
	EXPECT_EQ(0, l.degraded);
}

/*
 * The ptrace backend traces its probes, so it reaps them; insight.ko's
 * are the target's siblings, children of the target's parent (here the
 * test), which reaps them itself.
 */
TEST_F(backend, ptrace_close_reaps_every_probe)
{
	int status;

	if (is_kmod(self))
		SKIP(return, "kmod: the target's parent reaps insight.ko's probes");
	ASSERT_EQ(0, server_resumed_keep(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_EXITED, 2));
	close_now(self);
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));	/* the target too: traced */
	EXPECT_EQ(ECHILD, errno);
}

/* Two requests, the site SNAPSHOT: the target done; held: 1 at 'G' (root), 2 at 'P'. */
static int two_snapshots_held(struct _test_data_backend *self)
{
	int err = start_ex(self, TWO, START_SNAPSHOT);

	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0 ||
	    wait_ev(self, XB_EV_HELD, 2) < 0)
		return -ETIMEDOUT;
	return 0;
}

/* ... and probe 1 resumed taken: done, it split at 'P' into probe 3, held. */
static int snapshot_resumed(struct _test_data_backend *self)
{
	int err = two_snapshots_held(self);

	if (err)
		return err;
	err = self->ops->resume(self->b, 1, 1, 0);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 1) < 0 || wait_ev(self, XB_EV_HELD, 3) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, at_a_snapshot_site_a_probe_forks_and_goes_on_naturally)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	ASSERT_EQ(2, path_into(self, 0));
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(XB_FORK | XB_TAKEN, path[1].flags);
}

TEST_F(backend, a_snapshot_is_created_at_its_parents_fork_decision)
{
	int c;

	ASSERT_EQ(0, two_snapshots_held(self));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(0, self->l.e[c].parent);
	EXPECT_EQ(1, self->l.e[c].fork_seq);	/* the target's FORK at 'P' */
	EXPECT_EQ(1, probe_info(self, 2).fork_seq);
	EXPECT_EQ(0, probe_info(self, 2).parent);
}

TEST_F(backend, a_snapshot_resumed_the_natural_way_logs_a_forced_deviated_fork)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	/* probe 2 is at 'P' (taken naturally): resumed not taken */
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 2));
	ASSERT_EQ(1, path_into(self, 2));
	EXPECT_EQ(XB_FORK | XB_FORCED | XB_DEVIATED, path[0].flags);
}

TEST_F(backend, a_snapshot_resumed_reads_the_input_from_its_fork_point)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	/* probe 2 is at 'P', 7 bytes in: it reads "UT /b" */
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 2));	/* read at the end */
	ASSERT_EQ(2, outputs_of(self, 2, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 UT /b\n"));
	EXPECT_EQ(1, outs[0].decisions);
}

TEST_F(backend, a_probe_done_waits_listed_running)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 2, 0, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 2));
	drain(self, 200);
	EXPECT_EQ(XB_PROBE_RUNNING, probe_info(self, 2).state);
	EXPECT_EQ(0, count_ev(self, XB_EV_EXITED, 2));
}

TEST_F(backend, a_resumed_snapshot_splits_again_at_a_snapshot_site)
{
	int c;

	ASSERT_EQ(0, snapshot_resumed(self));
	EXPECT_EQ(1, probe_info(self, 3).parent);
	EXPECT_EQ(1, probe_info(self, 3).fork_seq);
	c = wait_ev(self, XB_EV_CREATED, 3);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	ASSERT_EQ(2, path_into(self, 1));
	EXPECT_EQ(XB_FORK | XB_TAKEN, path[1].flags);
	EXPECT_EQ(path[1].seq, self->l.e[c].fork_seq);
}

TEST_F(backend, a_resumed_root_snapshot_serves_every_request_from_its_offset)
{
	ASSERT_EQ(0, snapshot_resumed(self));
	ASSERT_EQ(4, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /a\n"));
	EXPECT_TRUE(out_is(&outs[2], "400 UT /b\n"));
	EXPECT_EQ(2, outs[2].decisions);
}

TEST_F(backend, killing_an_unknown_probe_is_enoent)
{
	ASSERT_EQ(0, two_snapshots_held(self));
	EXPECT_EQ(-ENOENT, self->ops->kill(self->b, 7));
}

/* Probe 2 resumed (done, waiting), then killed. */
static int resumed_then_killed(struct _test_data_backend *self)
{
	int err = two_snapshots_held(self);

	if (err)
		return err;
	err = self->ops->resume(self->b, 2, 0, 0);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 2) < 0)
		return -ETIMEDOUT;
	err = self->ops->kill(self->b, 2);
	if (err)
		return err;
	return wait_ev(self, XB_EV_KILLED, 2) < 0 ? -ETIMEDOUT : 0;
}

TEST_F(backend, a_killed_probe_reports_killed_by_sigkill)
{
	int i;

	ASSERT_EQ(0, resumed_then_killed(self));
	i = wait_ev(self, XB_EV_KILLED, 2);
	ASSERT_LE(0, i);
	EXPECT_TRUE(WIFSIGNALED(self->l.e[i].status));
	EXPECT_EQ(SIGKILL, WTERMSIG(self->l.e[i].status));
}

TEST_F(backend, a_killed_probe_is_listed_exited_and_never_reports_exited)
{
	ASSERT_EQ(0, resumed_then_killed(self));
	drain(self, 200);
	EXPECT_EQ(XB_PROBE_EXITED, probe_info(self, 2).state);
	EXPECT_EQ(0, count_ev(self, XB_EV_EXITED, 2));
}

TEST_F(backend, killing_a_probe_that_ended_is_einval)
{
	ASSERT_EQ(0, resumed_then_killed(self));
	EXPECT_EQ(-EINVAL, self->ops->kill(self->b, 2));
}

TEST_F(backend, resuming_a_killed_probe_is_einval)
{
	ASSERT_EQ(0, resumed_then_killed(self));
	EXPECT_EQ(-EINVAL, self->ops->resume(self->b, 2, 0, 0));
}

TEST_F(backend, snapshots_leak_nothing_out)
{
	ASSERT_EQ(0, snapshot_resumed(self));
	EXPECT_FALSE(pipe_has_data(&self->t));
	EXPECT_EQ(0, file_size(self->logpath));
}

TEST_F(backend, close_kills_running_and_held_probes_and_the_target_serves)
{
	char line[64];
	pid_t pid1, pid3;

	ASSERT_EQ(0, snapshot_resumed(self));
	pid1 = probe_info(self, 1).pid;	/* done, waiting */
	pid3 = probe_info(self, 3).pid;	/* held */
	ASSERT_LT(0, pid1);
	ASSERT_LT(0, pid3);
	close_now(self);
	EXPECT_TRUE(dead(pid1));
	EXPECT_TRUE(dead(pid3));
	EXPECT_EQ(0x75, text_byte(self->t.pid, self->t.site[0]));
	ASSERT_EQ(0, ask(&self->t, "GET /x\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /x\n", line);
}

/*
 * ptarget in epoll mode, done with "GET /a" in epoll_wait, its root
 * snapshot held; "PUT /r" sent for real.
 */
static int done_in_epoll_wait(struct _test_data_backend *self)
{
	int err = start_ex(self, "GET /a\n", START_EPOLL);

	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0)
		return -ETIMEDOUT;
	return fputs("PUT /r\n", self->t.in) < 0 || fflush(self->t.in) ? -EIO : 0;
}

TEST_F(backend, a_probe_entering_epoll_wait_is_done)
{
	ASSERT_EQ(0, done_in_epoll_wait(self));
	ASSERT_EQ(2, outputs_of(self, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "200 ET /a\n"));
}

TEST_F(backend, done_in_epoll_wait_the_target_waits_while_the_session_lasts)
{
	ASSERT_EQ(0, done_in_epoll_wait(self));
	EXPECT_FALSE(line_within(self, 500));
	EXPECT_EQ(2, outputs_of(self, 0, 0));
}

TEST_F(backend, a_resumed_probe_is_done_in_epoll_wait_too)
{
	ASSERT_EQ(0, done_in_epoll_wait(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_EQ(2, outputs_of(self, 1, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 ET /a\n"));
	EXPECT_EQ(1, count_ev(self, XB_EV_DONE, 0));
}

TEST_F(backend, a_probe_done_in_epoll_wait_can_be_killed)
{
	ASSERT_EQ(0, done_in_epoll_wait(self));
	ASSERT_EQ(0, self->ops->resume(self->b, 1, 1, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 1));
	ASSERT_EQ(0, self->ops->kill(self->b, 1));
	ASSERT_LE(0, wait_ev(self, XB_EV_KILLED, 1));
	EXPECT_EQ(0, file_size(self->logpath));
}

TEST_F(backend, after_close_the_target_makes_its_epoll_wait_and_serves_for_real)
{
	unsigned char before[CODE], after[CODE];
	char line[64];

	ASSERT_EQ(0, start_target(self, START_EPOLL));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.site[0], before, CODE));
	ASSERT_EQ(0, open_on(self, "GET /a\n", 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_EQ(0, fputs("PUT /r\n", self->t.in) < 0 || fflush(self->t.in));
	close_now(self);
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_STREQ("400 UT /r\n", line);
	EXPECT_EQ(0, wait_size(self->logpath, strlen("served UT /r\n")));
	ASSERT_EQ(0, read_mem(self->t.pid, self->t.site[0], after, CODE));
	EXPECT_EQ(0, memcmp(before, after, CODE));
	ASSERT_EQ(0, ask(&self->t, "GET /z\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /z\n", line);
}

/* ptarget in epoll mode, one real request served, opened in its epoll_wait(). */
static int open_in_epoll_wait(struct _test_data_backend *self)
{
	char line[64];
	int err = start_target(self, START_EPOLL);

	if (err)
		return err;
	if (ask(&self->t, "GET /z\n", line, sizeof(line)) || strcmp(line, "200 ET /z\n"))
		return -EIO;
	if (wait_sleeping(self->t.pid))
		return -ETIMEDOUT;
	return open_on(self, "HEAD /2\n", 0);
}

TEST_F(backend, opened_in_epoll_wait_the_target_stays_in_it)
{
	ASSERT_EQ(0, open_in_epoll_wait(self));
	/* restarted, not interrupted: no EINTR makes it exit */
	EXPECT_EQ(0, self->ops->events(self->b, self->l.e, EVMAX, 300));
}

TEST_F(backend, woken_by_real_data_from_epoll_wait_the_target_reads_the_input)
{
	ASSERT_EQ(0, open_in_epoll_wait(self));
	ASSERT_EQ(0, fputs("GET /w\n", self->t.in) < 0 || fflush(self->t.in));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	ASSERT_LE(0, wait_ev(self, XB_EV_HELD, 1));
	EXPECT_EQ(0, count_ev(self, XB_EV_EXITED, 0));
	ASSERT_EQ(2, outputs_of(self, 0, 0));
	EXPECT_TRUE(out_is(&outs[0], "400 EAD /2\n"));
	EXPECT_FALSE(line_within(self, 300));
}

TEST_F(backend, the_real_data_that_woke_the_target_is_served_after_close)
{
	char line[64];

	ASSERT_EQ(0, open_in_epoll_wait(self));
	ASSERT_EQ(0, fputs("GET /w\n", self->t.in) < 0 || fflush(self->t.in));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, 0));
	close_now(self);
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_STREQ("200 ET /w\n", line);
	ASSERT_EQ(0, ask(&self->t, "GET /v\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /v\n", line);
}

/* With no room to hold anything, one request: the root split makes no copy. */
static int held_cap_0(struct _test_data_backend *self)
{
	int err = set_held_cap(self, 0);

	if (err)
		return err;
	err = start(self, "GET /a\n");
	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_QUOTA, 0) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, with_no_room_to_hold_the_root_split_gives_one_quota_at_its_seq)
{
	int q;

	ASSERT_EQ(0, held_cap_0(self));
	q = wait_ev(self, XB_EV_QUOTA, 0);
	ASSERT_LE(0, q);
	EXPECT_EQ(0, self->l.e[q].site);
	EXPECT_EQ(0, self->l.e[q].fork_seq);
	drain(self, 200);
	EXPECT_EQ(1, count_ev(self, XB_EV_QUOTA, 0));
	EXPECT_EQ(0, count_ev(self, XB_EV_CREATED, 1));
}

TEST_F(backend, a_split_refused_at_once_logs_its_decision_without_fork)
{
	ASSERT_EQ(0, held_cap_0(self));
	ASSERT_EQ(1, path_into(self, 0));
	EXPECT_EQ(0, path[0].flags);	/* natural, not a fork */
}

TEST_F(backend, a_split_refused_at_once_makes_no_probe)
{
	ASSERT_EQ(0, held_cap_0(self));
	EXPECT_EQ(~0U, probe_info(self, 1).id);
	EXPECT_EQ(-ENOENT, self->ops->resume(self->b, 1, 0, 0));
}

TEST_F(backend, a_refused_split_counts_as_degraded)
{
	ASSERT_EQ(0, held_cap_0(self));
	EXPECT_EQ(1, lost_of(self).degraded);
}

/*
 * One held at most, two requests, SNAPSHOT: the root is held, the split
 * at 'P' is not; then the root resumed with keep (not held any more: its
 * copy fits), and its own split at 'P' is refused.
 */
static int held_cap_1(struct _test_data_backend *self)
{
	int err = set_held_cap(self, 1);

	if (err)
		return err;
	err = start_ex(self, TWO, START_SNAPSHOT);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0 ||
	    wait_ev(self, XB_EV_QUOTA, 0) < 0)
		return -ETIMEDOUT;
	return 0;
}

static int held_cap_1_resumed(struct _test_data_backend *self)
{
	int err = held_cap_1(self);

	if (err)
		return err;
	err = self->ops->resume(self->b, 1, 0, 1);
	if (err)
		return err;
	if (wait_ev(self, XB_EV_HELD, 2) < 0 || wait_ev(self, XB_EV_QUOTA, 1) < 0 ||
	    wait_ev(self, XB_EV_DONE, 1) < 0)
		return -ETIMEDOUT;
	return 0;
}

TEST_F(backend, at_the_held_cap_a_snapshot_split_gives_a_quota_at_its_seq)
{
	int q;

	ASSERT_EQ(0, held_cap_1(self));
	q = wait_ev(self, XB_EV_QUOTA, 0);
	ASSERT_LE(0, q);
	EXPECT_EQ(1, self->l.e[q].fork_seq);	/* at 'P', its decision 1 */
	ASSERT_EQ(2, path_into(self, 0));
	EXPECT_EQ(XB_FORK, path[0].flags);
	EXPECT_EQ(XB_TAKEN, path[1].flags);
}

TEST_F(backend, at_the_held_cap_resume_with_keep_still_makes_its_copy)
{
	int c;

	ASSERT_EQ(0, held_cap_1_resumed(self));
	c = wait_ev(self, XB_EV_CREATED, 2);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->l.e[c].parent);
	EXPECT_EQ(0, self->l.e[c].fork_seq);
}

TEST_F(backend, at_the_held_cap_a_resumed_probes_own_split_gives_one_quota)
{
	int q;

	ASSERT_EQ(0, held_cap_1_resumed(self));
	q = wait_ev(self, XB_EV_QUOTA, 1);	/* at 'P' */
	ASSERT_LE(0, q);
	EXPECT_EQ(1, self->l.e[q].fork_seq);
	drain(self, 200);
	EXPECT_EQ(1, count_ev(self, XB_EV_QUOTA, 1));
	ASSERT_EQ(2, path_into(self, 1));
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
	EXPECT_EQ(XB_TAKEN, path[1].flags);
	EXPECT_EQ(~0U, probe_info(self, 3).id);
}

TEST_F(backend, each_refused_split_counts_as_degraded_and_nothing_else_is_lost)
{
	struct xb_lost l;

	ASSERT_EQ(0, held_cap_1_resumed(self));
	l = lost_of(self);
	EXPECT_EQ(2, l.degraded);
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
}

TEST_F(backend, the_running_cap_is_64_by_default)
{
	ASSERT_EQ(0, start(self, "GET /a\n"));
	EXPECT_EQ(64, self->ops->max_probes(self->b));
}

TEST_F(backend, ptrace_max_probes_needs_no_session)
{
	if (is_kmod(self))
		SKIP(return, "kmod: the cap is the loaded module's, read at open");
	EXPECT_EQ(64, self->ops->max_probes(NULL));
}

/*
 * The held cap (1) cannot stop a resume(keep=1): the resumed probe is
 * held no more and its copy takes its place.  The running cap can: the
 * target and the resumed probes, each done and waiting, fill it.  Resumes
 * probes 1, 2, ... with keep while there is room; returns the last copy's
 * id (held), or -errno.
 */
static int fill_running_cap(struct _test_data_backend *self)
{
	uint32_t id, max = self->ops->max_probes(self->b);
	int c, err;

	for (id = 1; id < max - 1; id++) {
		err = self->ops->resume(self->b, id, 0, 1);
		if (err)
			return err;
		self->l.n = 0;	/* room for the next ones */
		c = wait_ev(self, XB_EV_CREATED, id + 1);
		if (c < 0 || self->l.e[c].parent != id || self->l.e[c].fork_seq != 0 ||
		    wait_ev(self, XB_EV_HELD, id + 1) < 0)
			return -EPROTO;
	}
	return id;
}

static int running_cap_full(struct _test_data_backend *self)
{
	int err = set_held_cap(self, 1);

	if (err)
		return err;
	err = start(self, "GET /a\n");
	if (err)
		return err;
	if (wait_ev(self, XB_EV_HELD, 1) < 0)
		return -ETIMEDOUT;
	return fill_running_cap(self);
}

TEST_F(backend, resume_with_keep_makes_copies_until_the_running_cap)
{
	struct xb_lost l;
	int id;

	/* each resume's copy: CREATED (parent, fork_seq 0) then HELD */
	id = running_cap_full(self);
	ASSERT_LT(0, id);
	EXPECT_EQ(self->ops->max_probes(self->b) - 1, id);
	l = lost_of(self);
	EXPECT_EQ(0, l.decisions);
	EXPECT_EQ(0, l.outputs);
	EXPECT_EQ(0, l.events);
	EXPECT_EQ(0, l.degraded);
}

TEST_F(backend, resume_with_keep_at_the_running_cap_gives_one_quota_at_seq_0)
{
	int id, q;

	id = running_cap_full(self);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, self->ops->resume(self->b, id, 0, 1));
	self->l.n = 0;
	q = wait_ev(self, XB_EV_QUOTA, id);
	ASSERT_LE(0, q);
	EXPECT_EQ(0, self->l.e[q].fork_seq);
	EXPECT_EQ(0, self->l.e[q].site);
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, id));
	EXPECT_EQ(1, count_ev(self, XB_EV_QUOTA, id));
	EXPECT_EQ(0, count_ev(self, XB_EV_CREATED, id + 1));
	EXPECT_EQ(~0U, probe_info(self, id + 1).id);
	EXPECT_EQ(1, lost_of(self).degraded);
}

TEST_F(backend, resumed_at_the_running_cap_a_probe_runs_all_the_same)
{
	int id;

	id = running_cap_full(self);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, self->ops->resume(self->b, id, 0, 1));
	ASSERT_LE(0, wait_ev(self, XB_EV_DONE, id));
	ASSERT_EQ(1, path_into(self, id));
	EXPECT_EQ(XB_FORK | XB_FORCED, path[0].flags);
}

TEST_F(backend, opening_a_process_that_does_not_exist_is_esrch)
{
	struct xb_config cfg = { .pid = 999999, .in_fd = -1 };
	char why[128] = "";
	int refused = -1;

	if (!(kill(999999, 0) && errno == ESRCH))
		SKIP(return, "pid 999999 exists");
	EXPECT_EQ(-ESRCH, self->ops->open(&self->b, &cfg, &refused, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "999999"));
}

TEST_F(backend, ptrace_says_no_process_for_a_pid_that_does_not_exist)
{
	struct xb_config cfg = { .pid = 999999, .in_fd = -1 };
	char why[128] = "";
	int refused = -1;

	if (is_kmod(self))
		SKIP(return, "kmod: the reason is the module's errno, worded by backend_kmod.c");
	if (!(kill(999999, 0) && errno == ESRCH))
		SKIP(return, "pid 999999 exists");
	ASSERT_EQ(-ESRCH, self->ops->open(&self->b, &cfg, &refused, why, sizeof(why)));
	EXPECT_STREQ("no process 999999", why);
}

enum { S_GOOD, S_MID_INSN, S_UNMAPPED, S_TWICE, S_KERNEL, S_NOEXEC, NSITES };

/* Open on ptarget (no input) with a good site and five bad ones, in @refused. */
static int open_bad_sites(struct _test_data_backend *self, int *refused)
{
	uint64_t sites[NSITES];
	struct xb_config cfg = { .sites = sites, .nsites = NSITES, .in_fd = -1 };
	char why[128] = "";
	int err, i;

	err = start_target(self, 0);
	if (err)
		return err;
	sites[S_GOOD] = self->t.site[0];
	sites[S_MID_INSN] = self->t.site[0] + 1;	/* jne's rel8 byte: not an opcode */
	sites[S_UNMAPPED] = 8;
	sites[S_TWICE] = self->t.site[0];
	sites[S_KERNEL] = 0xffffffff81000000ULL;
	sites[S_NOEXEC] = stack_of(self->t.pid);
	if (!sites[S_NOEXEC])
		return -ENOENT;
	for (i = 0; i < NSITES; i++)
		refused[i] = -1;
	cfg.pid = self->t.pid;
	err = self->ops->open(&self->b, &cfg, refused, why, sizeof(why));
	if (err)
		fprintf(stderr, "# open: %s\n", why);
	return err;
}

TEST_F(backend, a_jcc_site_is_accepted_among_refused_ones)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(0, refused[S_GOOD]);
}

TEST_F(backend, a_site_inside_an_instruction_is_refused_eilseq)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EILSEQ, refused[S_MID_INSN]);
}

TEST_F(backend, an_unmapped_site_is_refused_efault)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EFAULT, refused[S_UNMAPPED]);
}

TEST_F(backend, a_site_given_twice_is_refused_eexist)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EEXIST, refused[S_TWICE]);
}

TEST_F(backend, a_kernel_address_as_a_site_is_refused_einval)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EINVAL, refused[S_KERNEL]);
}

TEST_F(backend, a_site_in_memory_not_executable_is_refused_eacces)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(EACCES, refused[S_NOEXEC]);
}

TEST_F(backend, an_accepted_site_is_armed_with_int3)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(0xcc, text_byte(self->t.pid, self->t.site[0]));
}

TEST_F(backend, a_policy_for_a_refused_site_is_enoent)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-ENOENT, self->ops->policy(self->b, S_MID_INSN, XB_SNAPSHOT));
}

TEST_F(backend, a_policy_for_a_refused_kernel_site_is_enoent)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-ENOENT, self->ops->policy(self->b, S_KERNEL, XB_SNAPSHOT));
}

TEST_F(backend, an_unknown_policy_is_einval)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-EINVAL, self->ops->policy(self->b, S_GOOD, 99));
}

TEST_F(backend, killing_a_probe_before_any_split_is_enoent)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-ENOENT, self->ops->kill(self->b, 1));
}

TEST_F(backend, the_target_cannot_be_killed_before_it_reads)
{
	int refused[NSITES];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	EXPECT_EQ(-EINVAL, self->ops->kill(self->b, 0));
}

/*
 * The contract leaves the errno of opening a target that is explored
 * already to the backend: ptrace's PTRACE_SEIZE says EPERM (traced
 * already), insight.ko's attach says EBUSY (another session has it).
 */
TEST_F(backend, opening_a_target_explored_already_fails_with_a_reason)
{
	struct xb_config cfg = { .sites = self->t.site, .nsites = 1, .in_fd = -1 };
	int refused[NSITES], again = -1;
	char why[128] = "";
	struct xb *b2;

	ASSERT_EQ(0, open_bad_sites(self, refused));
	cfg.pid = self->t.pid;
	EXPECT_EQ(is_kmod(self) ? -EBUSY : -EPERM,
		  self->ops->open(&b2, &cfg, &again, why, sizeof(why)));
	EXPECT_NE(0, why[0]);
}

TEST_F(backend, after_close_refused_sites_leave_the_code_as_it_was)
{
	int refused[NSITES];
	char line[64];

	ASSERT_EQ(0, open_bad_sites(self, refused));
	close_now(self);
	EXPECT_EQ(0x75, text_byte(self->t.pid, self->t.site[0]));
	ASSERT_EQ(0, ask(&self->t, "GET /q\n", line, sizeof(line)));
	EXPECT_STREQ("200 ET /q\n", line);
}

TEST_HARNESS_MAIN
