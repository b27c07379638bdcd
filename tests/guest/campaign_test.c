// SPDX-License-Identifier: GPL-2.0
/*
 * insight campaign on a real stack, in the guest: Debian's haproxy ->
 * nginx -> an application (fcgiwrap running a CGI program that uses
 * redis-cli) -> redis, as tests/stack/stack.json describes it, the
 * workload curl.  A fixed subset of its fault list: the edges that must
 * appear (a redis crash reaches every tier and the client; the
 * application refused by redis makes nginx and haproxy fail, not
 * redis), those that must not; pairs of handled faults; a map of one
 * fault class; the comparison with the configured graph.  Then the bad
 * cases: a component that does not start, one that does not come back,
 * a workload that hangs, and Ctrl-C (progress saved, resumed after);
 * none leaves a process of the stack behind.
 */
#include <dirent.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <json-c/json.h>

#include "kselftest_harness.h"
#include "util.h"

#define STACK "/insight/stack/stack.json"
#define OUT "/tmp/campaign-test"
#define SMALL "/tmp/campaign-small.json"

static char out[65536];

/* insight campaign ARGS...: its exit status, its output in out. */
static int campaign(const char *first, ...)
{
	char *argv[24] = { (char *)insight_cli(), "campaign" };
	va_list ap;
	int i = 2, st;

	va_start(ap, first);
	for (argv[i] = (char *)first; argv[i] && i < 22; argv[i] = va_arg(ap, char *))
		i++;
	va_end(ap);
	argv[i] = NULL;
	st = run_capture(argv, out, sizeof(out));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* How many processes run @comm (the stack's: none may be left behind). */
static int running(const char *comm)
{
	char path[300], name[64];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc");
	FILE *f;

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) && !strncmp(name, comm, strlen(comm)))
			n++;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

static int stack_left(void)
{
	return running("redis-server") + running("fcgiwrap") + running("nginx") +
	       running("haproxy") + running("sleep");
}

/* Whether the f-map @map has edge @from -> @to. */
static bool has_edge(struct json_object *map, const char *from, const char *to)
{
	struct json_object *edges, *e, *f, *t;
	size_t i;

	if (!json_object_object_get_ex(map, "edges", &edges))
		return false;
	for (i = 0; i < json_object_array_length(edges); i++) {
		e = json_object_array_get_idx(edges, i);
		if (json_object_object_get_ex(e, "from", &f) && json_object_object_get_ex(e, "to", &t) &&
		    !strcmp(json_object_get_string(f), from) && !strcmp(json_object_get_string(t), to))
			return true;
	}
	return false;
}

static int int_of(struct json_object *map, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(map, key, &v) ? json_object_get_int(v) : -1;
}

FIXTURE(campaign) {
	int before;	/* stack_left() before the test: others' processes */
};

FIXTURE_SETUP(campaign)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	self->before = stack_left();
	system("rm -rf " OUT "; dot -c >/dev/null 2>&1");	/* graphviz's plugins */
}

FIXTURE_TEARDOWN(campaign)
{
	system("rm -rf " OUT " " SMALL " /tmp/campaign-once");
}

/*
 * The fixed subset: redis's crash (at its busiest call), the
 * application's connect to redis refused, nginx's connect to the
 * application refused, and faults each tier handles (EINTR of the
 * event loops' waits), for the pairs.
 */
#define SUBSET "^(redis/[a-z_0-9]+/crash|app/connect@socket:6379/ECONNREFUSED|" \
	       "nginx/connect@socket/ECONNREFUSED|redis/epoll_wait/EINTR|haproxy/epoll_wait/EINTR)$"

TEST_F_TIMEOUT(campaign, the_real_stack_gives_the_edges_that_must_appear_and_no_others, 600)
{
	struct json_object *map, *net, *outs, *o, *cls;
	struct stat st;
	size_t i;

	ASSERT_EQ(0, campaign("--out", OUT, "--only", SUBSET, "--pairs", "--class", "network",
			      "--expected", "/insight/stack/expected", STACK, NULL)) TH_LOG("%s", out);
	map = json_object_from_file(OUT "/fmap.json");
	ASSERT_NE(NULL, map);
	/* a redis crash: every tier above it fails, and the client */
	EXPECT_TRUE(has_edge(map, "redis", "app"));
	EXPECT_TRUE(has_edge(map, "redis", "nginx"));
	EXPECT_TRUE(has_edge(map, "redis", "haproxy"));
	EXPECT_TRUE(has_edge(map, "redis", "client"));
	/* the application refused by redis: nginx and haproxy fail, redis does not */
	EXPECT_TRUE(has_edge(map, "app", "nginx"));
	EXPECT_TRUE(has_edge(map, "app", "haproxy"));
	EXPECT_FALSE(has_edge(map, "app", "redis"));
	/* nginx refused by the application: haproxy fails; nothing below nginx */
	EXPECT_TRUE(has_edge(map, "nginx", "haproxy"));
	EXPECT_FALSE(has_edge(map, "nginx", "app"));
	EXPECT_FALSE(has_edge(map, "nginx", "redis"));
	/* handled faults make no edge, alone or in pairs */
	EXPECT_FALSE(has_edge(map, "haproxy", "client"));
	EXPECT_EQ(5, int_of(map, "faults")) TH_LOG("%s", out);
	EXPECT_LE(1, int_of(map, "pairs_run")) TH_LOG("%s", out);
	EXPECT_LE(int_of(map, "pairs_run"), int_of(map, "pairs_total"));
	json_object_put(map);
	/* the network map has no crash in it */
	net = json_object_from_file(OUT "/fmap-network.json");
	ASSERT_NE(NULL, net);
	EXPECT_FALSE(has_edge(net, "redis", "app"));
	EXPECT_TRUE(has_edge(net, "app", "nginx"));
	ASSERT_TRUE(json_object_object_get_ex(net, "outcomes", &outs));
	for (i = 0; i < json_object_array_length(outs); i++) {
		o = json_object_array_get_idx(outs, i);
		ASSERT_TRUE(json_object_object_get_ex(o, "class", &cls));
		EXPECT_STREQ("network", json_object_get_string(cls));
	}
	json_object_put(net);
	EXPECT_EQ(0, stat(OUT "/fmap.svg", &st));
	EXPECT_LT(200, st.st_size);
	/* the configs say app -> nginx; the transitive edges are the f-map's own */
	EXPECT_NE(NULL, strstr(out, "found, not in /insight/stack/expected:\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(strstr(out, "found, not in"), "  redis -> haproxy (")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(strstr(out, "never seen:"), "app -> nginx")) TH_LOG("%s", out);
	EXPECT_EQ(self->before, stack_left());
}

/*
 * A stack of two: a, a shell that reads a file in a loop (its syscalls
 * are the fault list), and b, started with @last; the workload
 * @workload, bounded by @timeout.
 */
static void small_stack(const char *last, const char *workload, double timeout)
{
	FILE *f = fopen(SMALL, "w");

	fprintf(f, "{\"components\": [{\"name\": \"a\", \"start\": "
		   "\"while :; do cat /proc/uptime >/dev/null; sleep 0.2; done\"},"
		   " {\"name\": \"b\", \"start\": \"%s\"}],"
		   " \"workload\": {\"command\": \"%s\", \"timeout\": %g, \"runs\": 1,"
		   " \"settle\": 0}}", last, workload, timeout);
	fclose(f);
}

TEST_F(campaign, a_component_that_does_not_start_is_named_and_nothing_is_left)
{
	small_stack("echo no; exit 3", "true", 5);
	EXPECT_EQ(2, campaign("--out", OUT, SMALL, NULL));
	EXPECT_NE(NULL, strstr(out, "a component does not start: b: its start command ended "
			       "(status 3)")) TH_LOG("%s", out);
	EXPECT_EQ(self->before, stack_left());
}

TEST_F_TIMEOUT(campaign, a_component_that_does_not_come_back_is_recorded_and_the_campaign_goes_on,
	       120)
{
	struct json_object *map, *outs, *o, *err;

	small_stack("test -e /tmp/campaign-once && exit 1; touch /tmp/campaign-once; "
		    "exec sleep 1000", "sleep 1", 5);
	EXPECT_EQ(0, campaign("--out", OUT, "--only", "^a/.*/(EIO|crash)$", SMALL, NULL))
		TH_LOG("%s", out);
	map = json_object_from_file(OUT "/fmap.json");
	ASSERT_NE(NULL, map);
	ASSERT_TRUE(json_object_object_get_ex(map, "outcomes", &outs));
	ASSERT_LT(0, json_object_array_length(outs));
	o = json_object_array_get_idx(outs, 0);
	ASSERT_TRUE(json_object_object_get_ex(o, "error", &err));
	EXPECT_NE(NULL, strstr(json_object_get_string(err), "the stack did not come back: b:"));
	json_object_put(map);
	EXPECT_EQ(self->before, stack_left());
}

TEST_F(campaign, a_workload_that_hangs_is_bounded)
{
	small_stack("exec sleep 1000", "sleep 60", 1);
	EXPECT_EQ(1, campaign("--out", OUT, SMALL, NULL));
	EXPECT_NE(NULL, strstr(out, "the workload does not end in 1 s with no fault injected"))
		TH_LOG("%s", out);
	EXPECT_EQ(self->before, stack_left());
}

/* Run a campaign of @args, SIGINT once its stderr shows @when: its status. */
static int interrupted(char *const *args, const char *when)
{
	char line[512];
	int p[2], st;
	FILE *f;
	pid_t c;

	if (pipe(p))
		return -1;
	c = fork();
	if (!c) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(args[0], args);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (fgets(line, sizeof(line), f) && !strstr(line, when))
		;
	kill(c, SIGINT);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		strncat(out, line, sizeof(out) - strlen(out) - 1);
	fclose(f);
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* a's file faults: a handful of runs */
#define ONLY_A "^a/(openat|read@file)/"

TEST_F_TIMEOUT(campaign, ctrl_c_saves_the_progress_and_the_next_run_resumes, 300)
{
	char *args[] = { (char *)insight_cli(), "campaign", "--out", OUT, "--only", ONLY_A,
			 SMALL, NULL };
	struct json_object *map, *outs;
	int saved = 0, total;

	small_stack("exec sleep 1000", "sleep 1", 5);
	EXPECT_EQ(130, interrupted(args, "[2/"));
	EXPECT_NE(NULL, strstr(out, "interrupted; ")) TH_LOG("%s", out);
	EXPECT_EQ(1, sscanf(strstr(out, "interrupted; ") ?: "", "interrupted; %d runs saved",
			    &saved));
	EXPECT_LE(1, saved);
	EXPECT_EQ(self->before, stack_left());
	ASSERT_EQ(0, campaign("--out", OUT, "--only", ONLY_A, SMALL, NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "resuming: ")) TH_LOG("%s", out);
	map = json_object_from_file(OUT "/fmap.json");
	ASSERT_NE(NULL, map);
	total = int_of(map, "faults");
	ASSERT_TRUE(json_object_object_get_ex(map, "outcomes", &outs));
	EXPECT_EQ(total, (int)json_object_array_length(outs));	/* each once */
	EXPECT_LT(saved, total);
	json_object_put(map);
	EXPECT_EQ(self->before, stack_left());
}

/*
 * Start the stack of @stack by hand, as its operators would (each start
 * command in a process group of its own, each ready before the next):
 * the groups in @groups; how many, or -1.
 */
static int stack_up(const char *stack, pid_t *groups, int max)
{
	struct json_object *root = json_object_from_file(stack), *comps, *c, *v;
	const char *ready;
	char cmd[1024];
	int i, n, tries;

	if (!root || !json_object_object_get_ex(root, "components", &comps))
		return -1;
	n = json_object_array_length(comps);
	for (i = 0; i < n && i < max; i++) {
		c = json_object_array_get_idx(comps, i);
		json_object_object_get_ex(c, "start", &v);
		groups[i] = fork();
		if (!groups[i]) {
			setpgid(0, 0);
			execl("/bin/sh", "sh", "-c", json_object_get_string(v), (char *)NULL);
			_exit(127);
		}
		ready = json_object_object_get_ex(c, "ready", &v) ? json_object_get_string(v) : "true";
		snprintf(cmd, sizeof(cmd), "%s >/dev/null 2>&1", ready);
		for (tries = 0; tries < 100 && system(cmd); tries++)
			usleep(100 * 1000);
	}
	json_object_put(root);
	return i;
}

static void stack_down(pid_t *groups, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--)
		kill(-groups[i], SIGTERM);
	usleep(500 * 1000);
	for (i = n - 1; i >= 0; i--) {
		kill(-groups[i], SIGKILL);
		waitpid(groups[i], NULL, 0);
	}
}

/* The first outcome of @map marked production, or NULL. */
static struct json_object *production_outcome(struct json_object *map)
{
	struct json_object *outs, *o, *p;
	size_t i;

	if (!json_object_object_get_ex(map, "outcomes", &outs))
		return NULL;
	for (i = 0; i < json_object_array_length(outs); i++) {
		o = json_object_array_get_idx(outs, i);
		if (json_object_object_get_ex(o, "production", &p) && json_object_get_boolean(p))
			return o;
	}
	return NULL;
}

#define CURL "curl -s -o /dev/null --max-time 5 http://127.0.0.1:8080/visit"

TEST_F_TIMEOUT(campaign, a_natural_failure_in_production_adds_its_edges, 180)
{
	char *args[] = { (char *)insight_cli(), "campaign", "--watch", "--for", "12", "--out", OUT,
			 STACK, NULL };
	struct json_object *map, *o, *comps;
	pid_t groups[8], w;
	int n, st, redis = 0;
	FILE *f;

	ASSERT_EQ(0, system("sh /insight/stack/setup.sh"));
	n = stack_up(STACK, groups, 8);
	ASSERT_EQ(4, n);
	w = fork();
	if (!w) {
		execv(args[0], args);
		_exit(127);
	}
	sleep(1);
	EXPECT_EQ(0, system(CURL));	/* all well: nothing to add */
	f = fopen("/run/insight-stack/redis.pid", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%d", &redis));
	fclose(f);
	ASSERT_EQ(0, kill(redis, SIGKILL));	/* redis dies on its own */
	system(CURL "; " CURL);
	ASSERT_EQ(w, waitpid(w, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	stack_down(groups, n);
	map = json_object_from_file(OUT "/fmap.json");
	ASSERT_NE(NULL, map);
	o = production_outcome(map);
	ASSERT_NE(NULL, o) TH_LOG("%s", json_object_to_json_string(map));
	ASSERT_TRUE(json_object_object_get_ex(o, "components", &comps));
	EXPECT_STREQ("redis", json_object_get_string(json_object_array_get_idx(comps, 0)));
	EXPECT_TRUE(has_edge(map, "redis", "app"));
	EXPECT_TRUE(has_edge(map, "redis", "nginx"));
	EXPECT_TRUE(has_edge(map, "redis", "haproxy"));
	EXPECT_FALSE(has_edge(map, "app", "redis"));
	json_object_put(map);
	EXPECT_EQ(self->before, stack_left());
}

TEST_HARNESS_MAIN
