// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink fuzzer: random insight requests (tests/lib/nlfuzz.c) from
 * several threads on several sockets at once -- two with sessions
 * attached to branchy targets of their own (so that half-valid requests
 * reach SITES_ADD, SANDBOX, PROBE_RESUME, FAULT_ADD with real probes),
 * one without a session, one whose sockets come and go mid-stream --
 * and an unprivileged process.  Every reply must be well-formed with a
 * documented errno; afterwards the module still answers, no session,
 * probe or breakpoint is left, and no slab object of it (exact count).
 *
 * INSIGHT_FUZZ_MESSAGES (default 100000) sets how many requests are
 * sent in all; INSIGHT_FUZZ_SEED replays a run (the seed is printed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/insight.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "nlfuzz.h"
#include "nlraw.h"
#include "scenario.h"
#include "target.h"
#include "util.h"

#define BRANCHY TARGET_DIR "branchy"
#define WINDOW 8		/* datagrams between two sentinels */
#define SENTINEL_BIT 0x80000000u
#define ANSWER_MS 30000		/* the module must answer a sentinel in this */

enum role { SESSION, NO_SESSION, CHURN, UNPRIV };

struct worker {
	enum role role;
	int fam;
	uint64_t seed, quota;
	struct target t;	/* SESSION, CHURN: its own target */
	uint8_t text[4][2];	/* the original bytes at its first two sites */
	struct fuzz_stats st;
	uint64_t reopen, overruns, send_errors;
	pthread_t thread;
};

/* Forget @w's target, already reaped by waitpid(). */
static void target_gone(struct worker *w)
{
	fclose(w->t.in);
	fclose(w->t.out);
	w->t.pid = 0;
}

/* A fresh target for @w (the old one may have been faulted to death). */
static int target_fresh(struct worker *w)
{
	int i;

	target_stop(&w->t);
	if (target_start(&w->t, BRANCHY, 0) || w->t.nsites < 2)
		return -EIO;
	for (i = 0; i < 2; i++)
		if (read_mem(w->t.pid, w->t.site[i], w->text[i], 2))
			return -EIO;
	fcntl(fileno(w->t.in), F_SETFL, O_NONBLOCK);
	fcntl(fileno(w->t.out), F_SETFL, O_NONBLOCK);
	return 0;
}

/* Feed the target a number and drop what it wrote, never blocking. */
static void poke(struct worker *w, struct fuzz_rng *r)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%u\n", fuzz_below(r, 30));

	if (w->t.pid <= 0)
		return;
	if (waitpid(w->t.pid, NULL, WNOHANG) == w->t.pid) {
		target_gone(w);		/* faulted or stepped to death */
		target_fresh(w);
		return;
	}
	if (write(fileno(w->t.in), buf, n) < 0 && errno != EAGAIN)
		w->send_errors++;
	while (read(fileno(w->t.out), buf, sizeof(buf)) > 0)
		;
}

/* A socket for @w: a big receive buffer, CAP_ACK or not; a session maybe. */
static int sock_open(struct worker *w, struct fuzz_rng *r)
{
	int fd = nlraw_open(), big = 4 << 20;

	if (fd < 0)
		return fd;
	if (w->role != UNPRIV)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (fuzz_pct(r, 50))
		setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &(int){ 1 }, sizeof(int));
	if (w->role == SESSION || (w->role == CHURN && fuzz_pct(r, 70)))
		nlraw_session(fd, w->fam, w->t.pid);
	w->reopen++;
	return fd;
}

static void send_sentinel(int fd, int fam, uint32_t seq)
{
	uint8_t req[64];
	struct nlb b;
	size_t off;

	nlb_init(&b, req, sizeof(req));
	off = nlb_msg(&b, fam, NLM_F_REQUEST | NLM_F_ACK, seq, INSIGHT_CMD_VERSION);
	nlb_u32(&b, INSIGHT_ATTR_ABI_VERSION, INSIGHT_ABI_VERSION);
	nlb_end(&b, off);
	nlraw_send(fd, req, b.len);
}

/*
 * Read and check every reply up to the sentinel's ack, then what dumps
 * still send.  Returns 0, -ENOBUFS (replies were dropped: the socket is
 * to be replaced) or -ETIMEDOUT (the module stopped answering).
 */
static int collect(struct worker *w, int fd, const struct fuzz_req *req, int n,
		   uint32_t sentinel)
{
	static __thread uint8_t buf[1 << 17];
	bool ended = false;
	int len;

	for (;;) {
		len = nlraw_recv(fd, buf, sizeof(buf), ended ? 0 : ANSWER_MS);
		if (len == -EAGAIN)
			return ended ? 0 : -ETIMEDOUT;
		if (len == -ENOBUFS)
			return -ENOBUFS;
		if (len < 0) {
			w->st.violations++;
			snprintf(w->st.first, sizeof(w->st.first), "recv: %d", len);
			return len;
		}
		fuzz_check(buf, len, w->fam, req, n, w->role == UNPRIV, sentinel, &ended,
			   &w->st);
	}
}

static void *work(void *arg)
{
	static __thread uint8_t buf[1 << 17];
	struct fuzz_req req[WINDOW * 4];
	struct worker *w = arg;
	struct fuzz_target ft;
	uint32_t seq = 1, sentinel = SENTINEL_BIT;
	struct fuzz_rng r;
	int fd = -1, i, n, k, err;

	fuzz_seed(&r, w->seed);
	while (w->st.sent < w->quota && !w->st.violations) {
		if (fd < 0)
			fd = sock_open(w, &r);
		ft.pid = w->t.pid;
		ft.nsites = w->t.pid > 0 ? w->t.nsites : 0;
		memcpy(ft.site, w->t.site, sizeof(ft.site));
		for (n = 0, i = 0; i < WINDOW && n < WINDOW * 3; i++) {
			size_t len = fuzz_build(&r, w->fam, &ft, &seq, buf, sizeof(buf),
						req + n, WINDOW * 4 - n, &k);

			if (nlraw_send(fd, buf, len))
				w->send_errors++;
			n += k;
			w->st.sent += k ? k : 1;
		}
		if (w->role == SESSION || w->role == CHURN)
			poke(w, &r);
		/* churn: gone with replies unread and dumps half done */
		if ((w->role == CHURN && fuzz_pct(&r, 30)) ||
		    (w->role == SESSION && fuzz_pct(&r, 1))) {
			close(fd);
			fd = -1;
			continue;
		}
		send_sentinel(fd, w->fam, ++sentinel);
		err = collect(w, fd, req, n, sentinel);
		if (err == -ETIMEDOUT) {
			w->st.violations++;
			snprintf(w->st.first, sizeof(w->st.first),
				 "no answer to the sentinel within %d ms", ANSWER_MS);
		}
		if (err) {
			w->overruns += err == -ENOBUFS;
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void report(struct __test_metadata *_metadata, const char *name,
		   const struct worker *w)
{
	const struct fuzz_stats *st = &w->st;
	char ok[256];
	int i, len = 0;

	/* what succeeded, by command: "cmd:count" */
	for (i = 1; i <= INSIGHT_CMD_MAX; i++)
		len += snprintf(ok + len, sizeof(ok) - len, " %d:%llu", i,
				(unsigned long long)st->ok_by_cmd[i]);
	TH_LOG("%s: sent %llu, replies %llu, acks %llu, errors %llu (EINVAL %llu "
	       "EPERM %llu ENOENT %llu EOPNOTSUPP %llu ERANGE %llu), dumps %llu, "
	       "sockets %llu, overruns %llu, send errors %llu; ok by cmd%s%s%s", name,
	       (unsigned long long)st->sent, (unsigned long long)st->replies,
	       (unsigned long long)st->acks, (unsigned long long)st->errors,
	       (unsigned long long)st->by_errno[EINVAL],
	       (unsigned long long)st->by_errno[EPERM],
	       (unsigned long long)st->by_errno[ENOENT],
	       (unsigned long long)st->by_errno[EOPNOTSUPP],
	       (unsigned long long)st->by_errno[ERANGE],
	       (unsigned long long)st->dumps_done, (unsigned long long)w->reopen,
	       (unsigned long long)w->overruns, (unsigned long long)w->send_errors, ok,
	       st->violations ? "; FIRST VIOLATION: " : "", st->first);
}

/* Live (not zombie) processes named @comm. */
static int count_alive(const char *comm)
{
	char path[300], buf[512], name[64], state;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int n = 0;
	FILE *f;

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* "PID (COMM) STATE ..." */
		if (fgets(buf, sizeof(buf), f) &&
		    sscanf(buf, "%*d (%63[^)]) %c", name, &state) == 2 &&
		    !strcmp(name, comm) && state != 'Z')
			n++;
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

/* Wait up to 10 s for exactly @want live processes named @comm. */
static int wait_alive(const char *comm, int want)
{
	int i, n = 0;

	for (i = 0; i < 100; i++) {
		n = count_alive(comm);
		if (n == want)
			break;
		usleep(100 * 1000);
	}
	return n;
}

struct storm_record {
	int state;
	uint64_t seed, asked, sent;
	double seconds;
	uint64_t violations;	/* the threads' */
	char first[512];
	uint64_t unpriv_violations, unpriv_eperm, unpriv_sent;
	char unpriv_first[512];
	int unpriv_status;
	int version_rc, abi;
	int small_answer, small_path_rc;
	unsigned int small_n;
	int status_rc, sessions;
	int targets, text_changed;
	int alive_with_targets, alive_after;
	long long orphans_before, orphans_after, bytes_before, bytes_after;
	int unload_rc;
};
SCENARIO(storm_rec, struct storm_record);

/* The roles and shares of the messages (per cent), the unprivileged last. */
static const struct { enum role role; unsigned int pct; const char *name; } roles[] = {
	{ SESSION, 30, "session A" }, { SESSION, 30, "session B" },
	{ NO_SESSION, 15, "no session" }, { CHURN, 15, "churn" },
	{ UNPRIV, 10, "unprivileged" },
};
#define NWORKERS (sizeof(roles) / sizeof(roles[0]))

static struct worker workers[NWORKERS];

/* The unprivileged worker, in a process of its own, its results in @r. */
static pid_t run_unpriv(struct worker *w, struct storm_record *r)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (become_nobody())
		_exit(100);
	work(w);
	r->unpriv_violations = w->st.violations;
	r->unpriv_eperm = w->st.by_errno[EPERM];
	r->unpriv_sent = w->st.sent;
	memcpy(r->unpriv_first, w->st.first, sizeof(r->unpriv_first));
	_exit(0);
}

static volatile int reaping;

/* Whether @pid is a worker's target or @unpriv: their own waits reap them. */
static bool reaped_elsewhere(pid_t pid, pid_t unpriv)
{
	unsigned int i;

	for (i = 0; i < NWORKERS; i++)
		if (__atomic_load_n(&workers[i].t.pid, __ATOMIC_RELAXED) == pid)
			return true;
	return pid == unpriv;
}

/* Reap zombie @pid (from a /proc children list) unless another wait does. */
static void reap_one(pid_t pid, pid_t unpriv)
{
	char path[64], buf[256], *st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	st = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (st && st[1] == ' ' && st[2] == 'Z' && !reaped_elsewhere(pid, unpriv))
		waitpid(pid, NULL, WNOHANG);
}

/*
 * The probes the storm's sessions fork are our children (a probe is a
 * sibling of its target): reap those that have ended, as a server's
 * master would, or a long storm runs out of pids.
 */
static void *reaper(void *arg)
{
	pid_t unpriv = (pid_t)(long)arg;
	char path[300];
	struct dirent *d;
	DIR *tasks;
	FILE *f;
	int pid;

	while (reaping) {
		tasks = opendir("/proc/self/task");
		while (tasks && (d = readdir(tasks))) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%s/children", d->d_name);
			f = fopen(path, "r");
			while (f && fscanf(f, "%d", &pid) == 1)
				reap_one(pid, unpriv);
			if (f)
				fclose(f);
		}
		if (tasks)
			closedir(tasks);
		usleep(50 * 1000);
	}
	return NULL;
}

/* The storm: the threads and the unprivileged process, until done. */
static void storm(struct __test_metadata *_metadata, struct storm_record *r, int fam)
{
	struct worker *u = &workers[NWORKERS - 1];
	struct timespec t0, t1;
	unsigned int i;
	pthread_t reap;
	pid_t child;

	for (i = 0; i < NWORKERS; i++) {
		struct worker *w = &workers[i];

		w->role = roles[i].role;
		w->fam = fam;
		w->seed = r->seed + i;
		w->quota = r->asked * roles[i].pct / 100;
		if (w->role == SESSION || w->role == CHURN)
			ASSERT_EQ(0, target_fresh(w));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	child = run_unpriv(u, r);
	ASSERT_LT(0, child);
	reaping = 1;
	ASSERT_EQ(0, pthread_create(&reap, NULL, reaper, (void *)(long)child));
	for (i = 0; i < NWORKERS - 1; i++)
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL, work, &workers[i]));
	for (i = 0; i < NWORKERS - 1; i++) {
		pthread_join(workers[i].thread, NULL);
		report(_metadata, roles[i].name, &workers[i]);
		r->sent += workers[i].st.sent;
		if (workers[i].st.violations && !r->violations)
			snprintf(r->first, sizeof(r->first), "%s: %s", roles[i].name,
				 workers[i].st.first);
		r->violations += workers[i].st.violations;
	}
	reaping = 0;
	pthread_join(reap, NULL);
	ASSERT_EQ(child, waitpid(child, &r->unpriv_status, 0));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->sent += r->unpriv_sent;
	TH_LOG("unprivileged: sent %llu, EPERM %llu", (unsigned long long)r->unpriv_sent,
	       (unsigned long long)r->unpriv_eperm);
	TH_LOG("seed %llu: %llu messages in %.1f s", (unsigned long long)r->seed,
	       (unsigned long long)r->sent, r->seconds);
}

/* After the storm: the module answers, a small session works. */
static void still_answers(struct __test_metadata *_metadata, struct storm_record *r)
{
	uint32_t pol = INSIGHT_POLICY_TAKEN;
	struct insight_decision d[4];
	struct insight_version v;
	struct insight_nl *h;
	struct target t;
	uint64_t lost;
	int err;

	ASSERT_EQ(0, insight_nl_open(&h));
	r->version_rc = insight_version(h, &v);
	r->abi = v.abi;
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	ASSERT_EQ(0, err);
	r->small_answer = target_ask(&t, 3);	/* 1, or 0 with LT forced taken */
	r->small_path_rc = insight_path_get(h, 0, 0, d, 4, &r->small_n, &lost);
	insight_nl_close(h);
	target_stop(&t);
}

/*
 * A session on @w's (fresh) target with both its sites armed, its socket
 * closed at once: 0 when the sites were armed, so that the check after
 * is not vacuous when the storm left no target alive.
 */
static int arm_then_close(struct worker *w)
{
	uint32_t policy[2] = { INSIGHT_POLICY_FORK, INSIGHT_POLICY_SNAPSHOT };
	struct insight_nl *h;
	uint8_t now[2];
	int err = -1, armed;

	if (insight_nl_open(&h))
		return -1;
	if (insight_session_new(h) || insight_attach(h, w->t.pid) ||
	    insight_sites_add(h, w->t.site, policy, 2, &err) || err) {
		insight_nl_close(h);
		return -1;
	}
	armed = !read_mem(w->t.pid, w->t.site[0], now, 2) && memcmp(now, w->text[0], 2);
	insight_nl_close(h);
	return armed ? 0 : -1;
}

/* Nothing left: sessions, breakpoints in the storm's targets, probes. */
static void nothing_left(struct __test_metadata *_metadata, struct storm_record *r)
{
	struct insight_status st;
	struct insight_nl *h;
	uint8_t now[2];
	unsigned int i, j;

	ASSERT_EQ(0, insight_nl_open(&h));
	r->status_rc = insight_status(h, &st);
	r->sessions = st.sessions;
	insight_nl_close(h);
	for (i = 0; i < NWORKERS; i++) {
		struct worker *w = &workers[i];

		if (w->t.pid <= 0)
			continue;
		if (waitpid(w->t.pid, NULL, WNOHANG) == w->t.pid) {
			target_gone(w);	/* faulted to death at the end: a fresh one */
			if (target_fresh(w) || arm_then_close(w))
				continue;
		}
		r->targets++;
		for (j = 0; j < 2; j++)
			if (read_mem(w->t.pid, w->t.site[j], now, 2) ||
			    memcmp(now, w->text[j], 2))
				r->text_changed++;
	}
	/* the sessions are gone, so are their probes; the targets live on */
	r->alive_with_targets = wait_alive("branchy", r->targets);
	for (i = 0; i < NWORKERS; i++)
		target_stop(&workers[i].t);
	r->alive_after = wait_alive("branchy", 0);
}

/* One session with the sandbox on, ended. */
static void warm_up(struct __test_metadata *_metadata)
{
	struct insight_nl *h;
	struct target t;

	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, insight_nl_open(&h));
	ASSERT_EQ(0, insight_session_new(h));
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, insight_sandbox(h, 16, -1, NULL, 0));
	insight_nl_close(h);
	target_stop(&t);
}

static void play_storm(struct __test_metadata *_metadata, struct storm_record *r)
{
	uint64_t seed;
	int fd, fam;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = time(NULL);
	r->seed = env_u64("INSIGHT_FUZZ_SEED", seed % 1000000000);
	r->asked = env_u64("INSIGHT_FUZZ_MESSAGES", 100000);
	TH_LOG("seed %llu (replay: INSIGHT_FUZZ_SEED=%llu), %llu messages",
	       (unsigned long long)r->seed, (unsigned long long)r->seed,
	       (unsigned long long)r->asked);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Warm-up: a sandboxed session leaves the sys_enter tracepoint's
	 * probe array (ftrace's probe stays, tools/vm/init) allocated from
	 * insight.ko's unregister: the tracepoint's, not a leak.
	 */
	ASSERT_EQ(0, insight_ensure_loaded());
	warm_up(_metadata);
	ASSERT_EQ(0, insight_ensure_unloaded());
	r->orphans_before = orphan_slab_objects();
	ASSERT_LE(0, r->orphans_before) TH_LOG("boot the guest with slub_debug=U");
	r->bytes_before = slab_active_bytes();
	ASSERT_EQ(0, mod_load(insight_ko(), NULL));
	fd = nlraw_open();
	ASSERT_LE(0, fd);
	fam = nlraw_family(fd, INSIGHT_GENL_NAME);
	close(fd);
	ASSERT_LT(0, fam);
	storm(_metadata, r, fam);
	still_answers(_metadata, r);
	nothing_left(_metadata, r);
	r->unload_rc = mod_unload("insight");
	r->orphans_after = orphan_slab_objects();
	r->bytes_after = slab_active_bytes();
	TH_LOG("orphan slab objects %lld -> %lld; slab in use %lld -> %lld bytes",
	       r->orphans_before, r->orphans_after, r->bytes_before, r->bytes_after);
	insight_ensure_loaded();
}

FIXTURE(storm) {
	const struct storm_record *r;
};

FIXTURE_SETUP(storm)
{
	SCENARIO_PLAY(storm_rec, play_storm);
	self->r = storm_rec;
}

FIXTURE_TEARDOWN(storm)
{
}

/* the first test plays the storm: each may take that long */
#define STORM_S (6 * 3600)

TEST_F_TIMEOUT(storm, sends_the_messages_asked, STORM_S)
{
	EXPECT_LE(self->r->asked, self->r->sent);
}

TEST_F_TIMEOUT(storm, replies_are_well_formed_with_documented_errnos, STORM_S)
{
	EXPECT_EQ(0, self->r->violations) TH_LOG("seed %llu: %s",
		(unsigned long long)self->r->seed, self->r->first);
}

TEST_F_TIMEOUT(storm, unprivileged_requests_fail_with_eperm, STORM_S)
{
	EXPECT_EQ(0, self->r->unpriv_status);
	EXPECT_LT(0, self->r->unpriv_sent);
	EXPECT_LT(0, self->r->unpriv_eperm);
	EXPECT_EQ(0, self->r->unpriv_violations) TH_LOG("seed %llu: %s",
		(unsigned long long)self->r->seed, self->r->unpriv_first);
}

TEST_F_TIMEOUT(storm, module_still_answers_version, STORM_S)
{
	EXPECT_EQ(0, self->r->version_rc);
	EXPECT_EQ(INSIGHT_ABI_VERSION, self->r->abi);
}

TEST_F_TIMEOUT(storm, small_session_works_afterwards, STORM_S)
{
	EXPECT_EQ(0, self->r->small_answer);	/* LT forced taken */
	EXPECT_EQ(0, self->r->small_path_rc);
	EXPECT_EQ(1, self->r->small_n);		/* one decision at LT */
}

TEST_F_TIMEOUT(storm, sessions_count_back_to_zero, STORM_S)
{
	EXPECT_EQ(0, self->r->status_rc);
	EXPECT_EQ(0, self->r->sessions);
}

TEST_F_TIMEOUT(storm, no_breakpoint_left_in_the_targets, STORM_S)
{
	EXPECT_LT(0, self->r->targets);
	EXPECT_EQ(0, self->r->text_changed);
}

TEST_F_TIMEOUT(storm, no_probe_left_behind, STORM_S)
{
	EXPECT_EQ(self->r->targets, self->r->alive_with_targets);
	EXPECT_EQ(0, self->r->alive_after);
}

TEST_F_TIMEOUT(storm, no_slab_object_left_behind, STORM_S)
{
	EXPECT_EQ(0, self->r->unload_rc);
	EXPECT_EQ(self->r->orphans_before, self->r->orphans_after);
}

TEST_HARNESS_MAIN
