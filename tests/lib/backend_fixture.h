/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend contract's fixture (user/backend.h), shared by the
 * tests/guest/backend*_test.c files: FIXTURE_VARIANT(backend) with the
 * variants kmod (insight.ko, in the guest) and ptrace (in the guest, and on
 * the host through tests/host/backend*_test.c, which build the same files
 * with BACKEND_TEST_HOST), the target tests/targets/ptarget (one jne at
 * its site, deciding on the first byte of each request read from fd 0),
 * and helpers to start it, read events, paths and outputs.
 */
#ifndef INSIGHT_TEST_BACKEND_FIXTURE_H
#define INSIGHT_TEST_BACKEND_FIXTURE_H
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

static inline const char *target_bin(const char *name)
{
	static char bin[256];

	snprintf(bin, sizeof(bin), "%s/%s", getenv("INSIGHT_TARGET_DIR") ?: TARGET_DIR, name);
	return bin;
}

/* Wait (up to 5 s) until @pid is in state @st ('S': sleeps in a syscall; 'T': stopped). */
static inline int wait_state(pid_t pid, char st)
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

static inline int wait_sleeping(pid_t pid)
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
#define START_PEER	(1 << 2)	/* it reads a piece of fd 10 after the branch */
#define START_IDS	(1 << 3)	/* its answers carry its getpid() and gettid() */
#define START_EFD_OWN	(1 << 4)	/* and what an eventfd made after the branch counts */
#define START_EFD_EARLY	(1 << 5)	/* and what an eventfd made at its start counts */

/* Open the backend on the running target with @input replayed on @in_fd. */
static inline int open_on(struct _test_data_backend *self, const char *input, int in_fd)
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

/* An empty log for ptarget: a sandboxed probe may open a file, never create one. */
static inline void set_logpath(struct _test_data_backend *self)
{
	int fd;

	snprintf(self->logpath, sizeof(self->logpath), "/tmp/insight-backend-%d.log", getpid());
	unlink(self->logpath);
	fd = open(self->logpath, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0)
		close(fd);
}

/* Start ptarget (mode "plain", "epoll", "peer", "ids", "efd_own" or "efd_early"), blocked in its first read(0). */
static inline int start_target(struct _test_data_backend *self, int how)
{
	char *argv[] = { (char *)target_bin("ptarget"), self->logpath,
			 how & START_EPOLL ? "epoll" : how & START_PEER ? "peer" :
			 how & START_IDS ? "ids" : how & START_EFD_OWN ? "efd_own" :
			 how & START_EFD_EARLY ? "efd_early" : "plain", NULL };
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
static inline int start_ex(struct _test_data_backend *self, const char *input, int how)
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

static inline int start(struct _test_data_backend *self, const char *input)
{
	return start_ex(self, input, 0);
}

static inline bool is_kmod(struct _test_data_backend *self)
{
	return self->ops == &xb_kmod_ops;
}

/*
 * The held cap, each backend's way: the ptrace backend's is cfg.max_held;
 * insight.ko's is its max_snapshots parameter (reloaded with it here,
 * unloaded at teardown: the next test loads it with the defaults).
 */
static inline int set_held_cap(struct _test_data_backend *self, unsigned int n)
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
static inline int wait_ev(struct _test_data_backend *self, enum xb_event_kind kind, uint32_t probe)
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
static inline void drain(struct _test_data_backend *self, int ms)
{
	int k;

	for (; ms > 0; ms -= 50) {
		k = self->ops->events(self->b, self->l.e + self->l.n, EVMAX - self->l.n, 50);
		if (k > 0)
			self->l.n += k;
	}
}

static inline int count_ev(struct _test_data_backend *self, enum xb_event_kind kind, uint32_t probe)
{
	int i, n = 0;

	for (i = 0; i < self->l.n; i++)
		n += self->l.e[i].kind == kind && self->l.e[i].probe == probe;
	return n;
}

/* Probe @probe's own log (malloc'ed) and its length, or NULL. */
static inline struct xb_decision *path_of(struct _test_data_backend *self, uint32_t probe,
				   size_t *n)
{
	struct xb_decision *d;

	return self->ops->path(self->b, probe, &d, n) ? NULL : d;
}

/* Whether probe @probe's first output is exactly @s. */
static inline bool first_output_is(struct _test_data_backend *self, uint32_t probe, const char *s)
{
	static struct xb_output o;
	unsigned int n = 0;

	if (self->ops->outputs(self->b, probe, 0, &o, 1, &n) || n != 1)
		return false;
	return o.len == strlen(s) && o.captured == o.len && !memcmp(o.data, s, o.len);
}

/* Whether anything came out of the target's stdout pipe. */
static inline bool pipe_has_data(struct target *t)
{
	int fd = fileno(t->out), fl = fcntl(fd, F_GETFL);
	ssize_t n;
	char c;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, &c, 1);
	fcntl(fd, F_SETFL, fl);
	return n > 0;
}

/* ---- helpers of the bodies that were the ptrace backend's host checks ---- */

#define CODE 32			/* code bytes compared from the site on */
#define TWO "GET /a\nPUT /b\n"	/* 'G': the jne falls through; 'P': it jumps */

static __attribute__((unused)) struct xb_output outs[8];

/* Probe @probe's outputs from @start into outs[]: how many, or -errno. */
static inline int outputs_of(struct _test_data_backend *self, uint32_t probe, uint64_t start)
{
	unsigned int n = 0;
	int err = self->ops->outputs(self->b, probe, start, outs, 8, &n);

	return err ?: (int)n;
}

static inline bool out_is(const struct xb_output *o, const char *s)
{
	return o->len == strlen(s) && o->captured == o->len && !memcmp(o->data, s, o->len);
}

static __attribute__((unused)) struct xb_decision path[16];

/* Probe @probe's log into path[]: how many decisions, or -errno. */
static inline int path_into(struct _test_data_backend *self, uint32_t probe)
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
static inline struct xb_probe probe_info(struct _test_data_backend *self, uint32_t id)
{
	static struct xb_probe p[80];
	struct xb_probe none = { .id = ~0U };
	unsigned int n;

	if (self->ops->probes(self->b, p, 80, &n) || id >= n)
		return none;
	return p[id];
}

/* What the session lost so far; all ones if lost() fails. */
static inline struct xb_lost lost_of(struct _test_data_backend *self)
{
	struct xb_lost l;

	if (self->ops->lost(self->b, &l))
		memset(&l, 0xff, sizeof(l));
	return l;
}

static inline off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* Wait (up to 5 s) until @path is @size bytes long (the target answers first). */
static inline int wait_size(const char *path, off_t size)
{
	int i;

	for (i = 0; i < 500 && file_size(path) != size; i++)
		usleep(10000);
	return file_size(path) == size ? 0 : -1;
}

/* Send a real request, return the real answer line in @line. */
static inline int ask(struct target *t, const char *req, char *line, size_t len)
{
	if (fputs(req, t->in) < 0 || fflush(t->in))
		return -1;
	return target_line(t, line, len);
}

/* The start of @pid's stack mapping, or 0. */
static inline uint64_t stack_of(pid_t pid)
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
static inline bool dead(pid_t pid)
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
static inline bool line_within(struct _test_data_backend *self, int ms)
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
static inline void close_now(struct _test_data_backend *self)
{
	self->ops->close(self->b);
	self->b = NULL;
}

/* Two requests, natural: the target done, the root snapshot held. */
static inline int two_requests_done(struct _test_data_backend *self)
{
	int err = start(self, TWO);

	if (err)
		return err;
	if (wait_ev(self, XB_EV_DONE, 0) < 0 || wait_ev(self, XB_EV_HELD, 1) < 0)
		return -ETIMEDOUT;
	return 0;
}

#endif /* INSIGHT_TEST_BACKEND_FIXTURE_H */
