// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection into components (Documentation/kmod.rst, "Fault
 * injection"): a component (tests/targets/injectee, a process tree or a
 * cgroup) gets the fault, with its filters and counts; nothing else
 * does; removing the injection, or closing its socket, restores normal
 * behaviour at once; bad requests get their errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "target.h"
#include "util.h"

#define INJECTEE TARGET_DIR "injectee"
#define DIR_ "/tmp/insight-inject"
#define FILE_A DIR_ "/a"
#define CGROUP "/sys/fs/cgroup/insight-inject"

FIXTURE(inject) {
	struct insight_nl *h;
	struct target t;
	char out[1024];		/* the injectee's lines, up to "end" */
};

FIXTURE_SETUP(inject)
{
	int fd;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, insight_nl_open(&self->h));
	mkdir(DIR_, 0755);
	fd = open(FILE_A, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	self->t.pid = 0;
}

FIXTURE_TEARDOWN(inject)
{
	if (self->h)
		insight_nl_close(self->h);
	if (self->t.pid > 0)
		target_stop(&self->t);
	rmdir(CGROUP);
}

/* Fork the injectee with @args (NULL-terminated), its exec held. */
static int spawn(struct _test_data_inject *self, const char *const *args)
{
	char *argv[16] = { INJECTEE };
	int i;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	return target_spawn_held(&self->t, argv, 0);
}

/* Let it run and read its lines (its children's too) until they all end. */
static int run(struct _test_data_inject *self)
{
	char line[128];
	size_t len = 0;
	int st;

	if (target_release(&self->t))
		return -EIO;
	self->out[0] = '\0';
	while (!target_line(&self->t, line, sizeof(line)))
		if (len + strlen(line) < sizeof(self->out))
			len += snprintf(self->out + len, sizeof(self->out) - len, "%s", line);
	if (waitpid(self->t.pid, &st, 0) != self->t.pid)
		return -ECHILD;
	fclose(self->t.in);
	fclose(self->t.out);
	self->t.pid = 0;
	return st;
}

/* Let a waiting injectee go: the line after its "wait" in @line. */
static int go(struct _test_data_inject *self, char *line, size_t len)
{
	if (fputs("go\n", self->t.in) < 0 || fflush(self->t.in) ||
	    target_line(&self->t, line, len) || strcmp(line, "wait\n"))
		return -1;
	return target_line(&self->t, line, len);
}

/* A spec failing openat under DIR_ with @err. */
static struct insight_inject_spec open_fails(int err)
{
	struct insight_inject_spec sp = {
		.nr = SYS_openat, .action = INSIGHT_INJECT_ERRNO, .err = err,
	};

	strcpy(sp.path, DIR_);
	return sp;
}

static int inject_tree(struct _test_data_inject *self, struct insight_inject_spec sp,
		       uint32_t *id)
{
	struct insight_component c = { .pid = self->t.pid };

	return insight_inject_add(self->h, &c, &sp, id);
}

/* The counts of injection @id. */
static struct insight_inject_count count_of(struct _test_data_inject *self, uint32_t id)
{
	struct insight_inject_count list[8], none = { 0 };
	unsigned int n = 0, i;

	if (insight_inject_get(self->h, list, 8, &n))
		return none;
	for (i = 0; i < n; i++)
		if (list[i].id == id)
			return list[i];
	return none;
}

TEST_F(inject, a_syscall_of_the_component_fails_with_the_errno)
{
	const char *args[] = { "open:" FILE_A, "open:/proc/version", NULL };
	uint32_t id;

	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, open_fails(EACCES), &id));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("open=-1 errno=13\nopen=3 errno=0\nend\n", self->out);
	EXPECT_EQ(1, count_of(self, id).injected);	/* the path filter: one */
	EXPECT_EQ(1, count_of(self, id).matched);
}

TEST_F(inject, a_relative_path_is_matched_as_the_call_resolves_it)
{
	/* as a server that chdir()s to its document root opens "index.html" */
	const char *args[] = { "cd:" DIR_, "open:a", "cd:/", "open:tmp/insight-inject/a",
			       "open:proc/version", NULL };
	uint32_t id;

	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, open_fails(EACCES), &id));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("cd=0\nopen=-1 errno=13\ncd=0\nopen=-1 errno=13\nopen=3 errno=0\nend\n",
		     self->out);
	EXPECT_EQ(2, count_of(self, id).injected);
}

TEST_F(inject, other_processes_are_not_affected)
{
	const char *args[] = { "wait", "open:" FILE_A, NULL };
	uint32_t id;
	int fd;

	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, open_fails(ENOENT), &id));
	fd = open(FILE_A, O_RDONLY);	/* this test: no component of it */
	EXPECT_LE(0, fd);
	close(fd);
	ASSERT_LE(0, fputs("go\n", self->t.in));
	ASSERT_EQ(0, fflush(self->t.in));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("wait\nopen=-1 errno=2\nend\n", self->out);
}

TEST_F(inject, a_descendant_of_the_tree_is_in_the_component)
{
	const char *args[] = { "child", "open:" FILE_A, NULL };
	uint32_t id;

	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, open_fails(EIO), &id));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("open=-1 errno=5\nend\nchild=0 signal=0\nend\n", self->out);
}

TEST_F(inject, only_the_nth_matching_call_fails)
{
	const char *args[] = { "open:" FILE_A, "open:" FILE_A, "open:" FILE_A, NULL };
	struct insight_inject_spec sp = open_fails(EMFILE);
	uint32_t id;

	sp.nth = 2;
	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, sp, &id));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("open=3 errno=0\nopen=-1 errno=24\nopen=3 errno=0\nend\n", self->out);
	EXPECT_EQ(3, count_of(self, id).matched);
	EXPECT_EQ(1, count_of(self, id).injected);
}

TEST_F(inject, a_probability_of_one_in_a_million_hardly_fires)
{
	const char *args[] = { "open:" FILE_A, "open:" FILE_A, "open:" FILE_A, NULL };
	struct insight_inject_spec sp = open_fails(EMFILE);
	uint32_t id;

	sp.prob_ppm = 1;
	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, sp, &id));
	ASSERT_EQ(0, run(self));
	EXPECT_EQ(3, count_of(self, id).matched);
	EXPECT_GE(1, count_of(self, id).injected);	/* 3 in a million: almost never */
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST_F(inject, a_delayed_call_runs_after_the_delay)
{
	const char *args[] = { "open:" FILE_A, NULL };
	struct insight_inject_spec sp = open_fails(0);
	uint32_t id;
	double t0;

	sp.action = INSIGHT_INJECT_DELAY;
	sp.delay_ms = 400;
	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, sp, &id));
	t0 = now_s();
	ASSERT_EQ(0, run(self));
	EXPECT_LE(0.4, now_s() - t0);
	EXPECT_STREQ("open=3 errno=0\nend\n", self->out);	/* then it ran */
	EXPECT_EQ(1, count_of(self, id).injected);
}

TEST_F(inject, a_kill_kills_the_process_at_the_call)
{
	const char *args[] = { "child", "open:" FILE_A, "open:/proc/version", NULL };
	struct insight_inject_spec sp = open_fails(0);
	uint32_t id;

	sp.action = INSIGHT_INJECT_KILL;
	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, sp, &id));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("child=-1 signal=9\nend\n", self->out);
}

TEST_F(inject, removing_it_lets_a_delayed_call_go_at_once)
{
	const char *args[] = { "open:" FILE_A, NULL };
	struct insight_inject_spec sp = open_fails(0);
	uint32_t id;
	double t0;

	sp.action = INSIGHT_INJECT_DELAY;
	sp.delay_ms = 60000;
	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, sp, &id));
	ASSERT_EQ(0, target_release(&self->t));
	t0 = now_s();
	usleep(300 * 1000);
	ASSERT_EQ(0, insight_inject_del(self->h, id));
	ASSERT_EQ(0, target_line(&self->t, self->out, sizeof(self->out)));
	EXPECT_STREQ("open=3 errno=0\n", self->out);
	EXPECT_GT(10.0, now_s() - t0);
	EXPECT_EQ(-ENOENT, insight_inject_del(self->h, id));
}

/*
 * The delayed call that a removal let go is made again with no probe to
 * take its pass: a later injection still takes the same task's next
 * call at the same place.
 */
TEST_F(inject, a_call_let_go_by_a_removal_leaves_no_pass_behind)
{
	const char *args[] = { "open:" FILE_A, "wait", "open:" FILE_A, NULL };
	struct insight_inject_spec sp = open_fails(0);
	char line[128];
	uint32_t id;

	sp.action = INSIGHT_INJECT_DELAY;
	sp.delay_ms = 60000;
	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, sp, &id));
	ASSERT_EQ(0, target_release(&self->t));
	usleep(300 * 1000);
	ASSERT_EQ(0, insight_inject_del(self->h, id));
	ASSERT_EQ(0, target_line(&self->t, line, sizeof(line)));
	EXPECT_STREQ("open=3 errno=0\n", line);
	ASSERT_EQ(0, inject_tree(self, open_fails(EACCES), &id));
	ASSERT_EQ(0, go(self, line, sizeof(line)));
	EXPECT_STREQ("open=-1 errno=13\n", line);
	EXPECT_EQ(1, count_of(self, id).injected);
}

/* Two injections of one syscall: each sees the call once, as it is made. */
TEST_F(inject, two_injections_of_one_syscall_see_each_call_once)
{
	const char *args[] = { "open:" FILE_A, NULL };
	struct insight_inject_spec sp = open_fails(EACCES);
	uint32_t a, b;

	sp.nth = 2;
	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, sp, &a));
	ASSERT_EQ(0, inject_tree(self, sp, &b));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("open=3 errno=0\nend\n", self->out);
	EXPECT_EQ(1, count_of(self, a).matched);
	EXPECT_EQ(1, count_of(self, b).matched);
	EXPECT_EQ(0, count_of(self, a).injected + count_of(self, b).injected);
}

TEST_F(inject, closing_its_socket_removes_it)
{
	const char *args[] = { "open:" FILE_A, NULL };
	struct insight_inject_count list[4];
	unsigned int n = 1;
	uint32_t id;

	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, open_fails(ENOENT), &id));
	insight_nl_close(self->h);
	ASSERT_EQ(0, insight_nl_open(&self->h));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("open=3 errno=0\nend\n", self->out);
	ASSERT_EQ(0, insight_inject_get(self->h, list, 4, &n));
	EXPECT_EQ(0, n);
}

TEST_F(inject, a_cgroup_is_a_component)
{
	const char *args[] = { "child", "open:" FILE_A, NULL };
	struct insight_component c = { .cgroup = CGROUP };
	struct insight_inject_spec sp = open_fails(EROFS);
	char pid[16];
	uint32_t id;
	int fd;

	if (access("/sys/fs/cgroup/cgroup.procs", F_OK))
		ASSERT_EQ(0, system("mount -t cgroup2 none /sys/fs/cgroup"));
	ASSERT_EQ(0, mkdir(CGROUP, 0755));
	ASSERT_EQ(0, spawn(self, args));
	fd = open(CGROUP "/cgroup.procs", O_WRONLY);
	ASSERT_LE(0, fd);
	snprintf(pid, sizeof(pid), "%d", self->t.pid);
	ASSERT_LT(0, write(fd, pid, strlen(pid)));
	close(fd);
	ASSERT_EQ(0, insight_inject_add(self->h, &c, &sp, &id));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("open=-1 errno=30\nend\nchild=0 signal=0\nend\n", self->out);
}

/* A listener on 127.0.0.1; its port in *port. */
static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 8) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return l;
}

TEST_F(inject, a_port_filter_picks_the_peer)
{
	struct insight_inject_spec sp = {
		.nr = SYS_connect, .action = INSIGHT_INJECT_ERRNO, .err = ECONNREFUSED,
		.fd_kinds = INSIGHT_INJECT_FD_SOCKET,
	};
	char c1[32], c2[32];
	const char *args[] = { c1, c2, NULL };
	int p1, p2, l1 = listener(&p1), l2 = listener(&p2);
	uint32_t id;

	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);
	snprintf(c1, sizeof(c1), "connect:%d", p1);
	snprintf(c2, sizeof(c2), "connect:%d", p2);
	sp.port = p2;
	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, inject_tree(self, sp, &id));
	ASSERT_EQ(0, run(self));
	EXPECT_STREQ("connect=0 errno=0\nconnect=-1 errno=111\nend\n", self->out);
	close(l1);
	close(l2);
}

/* Where address @addr of process @pid is in the file mapped there: *path, *off. */
static int file_offset(pid_t pid, uint64_t addr, char *path, size_t len, uint64_t *off)
{
	unsigned long lo, hi, pgoff;
	char name[64], line[512], file[400];
	int found = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	f = fopen(name, "r");
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %399s", &lo, &hi, &pgoff, file) == 4 &&
		    addr >= lo && addr < hi) {
			snprintf(path, len, "%s", file);
			*off = addr - lo + pgoff;
			found = 1;
		}
	if (f)
		fclose(f);
	return found ? 0 : -ENOENT;
}

/*
 * Run the injectee with @args (released: it reports where libc's getpid
 * is) and point @sp at that function: its file in @lib (@len bytes).
 */
static int spawn_at_getpid(struct _test_data_inject *self, const char *const *args,
			   struct insight_inject_spec *sp, char *lib, size_t len)
{
	uint64_t off;

	if (spawn(self, args) || target_release(&self->t) || self->t.nsites != 1 ||
	    file_offset(self->t.pid, self->t.site[0], lib, len, &off))
		return -1;
	sp->offset = off;
	sp->lib = lib;
	return 0;
}

TEST_F(inject, a_library_function_returns_the_value_in_the_component_only)
{
	const char *args[] = { "wait", "getpid", NULL };
	struct insight_inject_spec sp = {
		.nr = INSIGHT_INJECT_NR_LIBRARY, .action = INSIGHT_INJECT_RETURN,
		.retval = 4242,
	};
	char lib[400], want[64], line[128];
	uint32_t id;
	pid_t other;
	int st, p[2];
	ssize_t n;

	/* the injectee is running: the uprobe goes into its mm only */
	ASSERT_EQ(0, spawn_at_getpid(self, args, &sp, lib, sizeof(lib)));
	ASSERT_EQ(0, inject_tree(self, sp, &id));
	/* the same file run outside the component: its getpid is its own */
	ASSERT_EQ(0, pipe(p));
	other = fork();
	ASSERT_LE(0, other);
	if (!other) {
		dup2(p[1], 1);
		execl(INJECTEE, INJECTEE, "getpid", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ASSERT_EQ(other, waitpid(other, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	line[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "getpid=%d real=%d\n", other, other);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	ASSERT_EQ(0, go(self, line, sizeof(line)));
	snprintf(want, sizeof(want), "getpid=4242 real=%d\n", self->t.pid);
	EXPECT_STREQ(want, line);
	EXPECT_EQ(1, count_of(self, id).injected);
	EXPECT_EQ(1, count_of(self, id).matched);	/* the other run: not seen */
}

/*
 * Two injections of one function: each call is seen by each until one
 * takes it, in the order they were added; the function returns once.
 */
TEST_F(inject, two_injections_of_one_function_return_once)
{
	const char *args[] = { "wait", "getpid", "getpid", NULL };
	struct insight_inject_spec sp = {
		.nr = INSIGHT_INJECT_NR_LIBRARY, .action = INSIGHT_INJECT_RETURN,
		.retval = 4242, .nth = 1,
	};
	char lib[400], want[64];
	uint32_t a, b;

	ASSERT_EQ(0, spawn_at_getpid(self, args, &sp, lib, sizeof(lib)));
	ASSERT_EQ(0, inject_tree(self, sp, &a));
	sp.retval = 4343;	/* its first call: the one a does not take */
	ASSERT_EQ(0, inject_tree(self, sp, &b));
	ASSERT_EQ(0, go(self, self->out, sizeof(self->out)));
	snprintf(want, sizeof(want), "getpid=4242 real=%d\n", self->t.pid);
	EXPECT_STREQ(want, self->out);	/* the second not run: the stack is whole */
	ASSERT_EQ(0, target_line(&self->t, self->out, sizeof(self->out)));
	snprintf(want, sizeof(want), "getpid=4343 real=%d\n", self->t.pid);
	EXPECT_STREQ(want, self->out);
	EXPECT_EQ(2, count_of(self, a).matched);
	EXPECT_EQ(1, count_of(self, b).matched);	/* a took the first call */
	EXPECT_EQ(1, count_of(self, a).injected);
	EXPECT_EQ(1, count_of(self, b).injected);
	ASSERT_EQ(0, target_line(&self->t, self->out, sizeof(self->out)));
	EXPECT_STREQ("end\n", self->out);
}

/*
 * insight inject on the injectee for @seconds (NULL: until a signal):
 * its stdout in *@out_fd; it has said the injection is in place when
 * this returns its pid.
 */
static pid_t cli_inject(pid_t pid, const char *seconds, int *out_fd)
{
	char p_arg[16], line[256];
	int out[2], err[2];
	FILE *f;
	pid_t c;

	snprintf(p_arg, sizeof(p_arg), "%d", pid);
	if (pipe(out) || pipe(err))
		return -1;
	c = fork();
	if (!c) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execl(insight_cli(), "insight", "inject", "--json", "--pid", p_arg,
		      "--syscall", "openat", "--errno", "EACCES", "--path", DIR_,
		      seconds ? "--for" : NULL, seconds, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	f = fdopen(err[0], "r");
	while (f && fgets(line, sizeof(line), f) && !strstr(line, "in place"))
		;
	if (f)
		fclose(f);
	*out_fd = out[0];
	return c;
}

/* What the CLI printed on @out once it has ended; its exit status. */
static int cli_result(pid_t cli, int out, char *json, size_t len)
{
	ssize_t n;
	int st;

	if (waitpid(cli, &st, 0) != cli)
		return -1;
	n = read(out, json, len - 1);
	close(out);
	json[n > 0 ? n : 0] = '\0';
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

TEST_F(inject, the_cli_injects_until_interrupted_and_prints_the_counts)
{
	const char *args[] = { "wait", "open:" FILE_A, NULL };
	char line[128], json[256] = "";
	pid_t cli;
	int out;

	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, target_release(&self->t));
	cli = cli_inject(self->t.pid, NULL, &out);
	ASSERT_LT(0, cli);
	ASSERT_EQ(0, go(self, line, sizeof(line)));
	EXPECT_STREQ("open=-1 errno=13\n", line);
	ASSERT_EQ(0, kill(cli, SIGINT));
	EXPECT_EQ(0, cli_result(cli, out, json, sizeof(json)));
	EXPECT_NE(NULL, strstr(json, "\"matched\":1,\"injected\":1}")) TH_LOG("%s", json);
}

TEST_F(inject, the_cli_ends_when_its_time_is_up_and_the_injection_goes_with_it)
{
	const char *args[] = { "wait", "open:" FILE_A, NULL };
	char line[128], json[256] = "";
	pid_t cli;
	int out;

	ASSERT_EQ(0, spawn(self, args));
	ASSERT_EQ(0, target_release(&self->t));
	cli = cli_inject(self->t.pid, "0.2", &out);
	ASSERT_LT(0, cli);
	EXPECT_EQ(0, cli_result(cli, out, json, sizeof(json)));	/* by itself */
	EXPECT_NE(NULL, strstr(json, "\"matched\":0,\"injected\":0}")) TH_LOG("%s", json);
	ASSERT_EQ(0, go(self, line, sizeof(line)));
	EXPECT_STREQ("open=3 errno=0\n", line);
}

TEST_F(inject, bad_requests_get_their_errno)
{
	struct insight_component none = { .pid = 0 }, gone = { .pid = 999999 };
	struct insight_component notcg = { .cgroup = "/tmp" };
	struct insight_component me = { .pid = getpid() };
	struct insight_inject_spec sp = open_fails(ENOENT), bad = open_fails(0);
	uint32_t id;

	EXPECT_EQ(-ERANGE, insight_inject_add(self->h, &none, &sp, &id));	/* pid 0 */
	EXPECT_EQ(-ESRCH, insight_inject_add(self->h, &gone, &sp, &id));
	EXPECT_EQ(-EBADF, insight_inject_add(self->h, &notcg, &sp, &id));
	EXPECT_EQ(-EINVAL, insight_inject_add(self->h, &me, &bad, &id));	/* ERRNO, no errno */
	bad.action = INSIGHT_INJECT_DELAY;
	EXPECT_EQ(-EINVAL, insight_inject_add(self->h, &me, &bad, &id));	/* no delay */
	bad.action = INSIGHT_INJECT_RETURN;
	EXPECT_EQ(-EINVAL, insight_inject_add(self->h, &me, &bad, &id));	/* a syscall */
	EXPECT_EQ(-ENOENT, insight_inject_del(self->h, 12345));
}

TEST_F(inject, a_socket_holds_at_most_64)
{
	struct insight_component me = { .pid = getpid() };
	struct insight_inject_spec sp = open_fails(ENOENT);
	uint32_t id;
	int i;

	strcpy(sp.path, "/nonexistent/prefix");	/* nothing of ours matches */
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, insight_inject_add(self->h, &me, &sp, &id));
	EXPECT_EQ(-ENOSPC, insight_inject_add(self->h, &me, &sp, &id));
}

TEST_F(inject, an_unprivileged_user_is_refused)
{
	int st;
	pid_t c = fork();

	ASSERT_LE(0, c);
	if (!c) {
		struct insight_component me = { .pid = getpid() };
		struct insight_inject_spec sp = open_fails(ENOENT);
		struct insight_nl *h;
		uint32_t id;

		if (setgid(65534) || setuid(65534) || insight_nl_open(&h))
			_exit(2);
		_exit(insight_inject_add(h, &me, &sp, &id) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(c, waitpid(c, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_HARNESS_MAIN
