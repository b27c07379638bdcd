// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks that run in the guest, each against a baseline measured in
 * the same run.  Prints one line per record:
 *   BENCH name value unit baseline baseline_value guest
 * (tools/bench/run.sh turns them into bench.json).
 *
 *   kmod.load        insmod+rmmod of insight.ko   vs the trivial module
 *   kmod.genl.version VERSION round trip           vs nlctrl GETFAMILY
 *   kmod.branch.{natural,forced,fork}  ns per trapped branch vs a bare
 *                    uprobe trap (a tracefs uprobe event that filters out
 *                    every hit) on the same instruction
 *   kmod.fork.{small,256m}  ns per branch forked by insight.ko vs fork()
 *                    in the same loop of the same process
 *   kmod.fork.small.vs_ptrace  vs the same fork driven with ptrace
 *   kmod.sandbox.syscall.{unrelated,probe}  ns per getppid() of a process
 *                    that is no probe while a sandboxed session is hooked,
 *                    and of a sandboxed probe (the call runs), vs the same
 *                    loop with no session at all
 *   kmod.inject.syscall.{component,unrelated}  ns per getppid() of a
 *                    process in a component with an injection on another
 *                    syscall (openat: its untouched syscalls), and of one
 *                    outside it, vs the same loop with no injection
 * INSIGHT_BENCH=sandbox runs only the sandbox's two; =inject the injection's.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "libinsight.h"
#include "target.h"

#define BRANCH_TARGET "/insight/bench/branch_target"
#define PTRACE_FORK "/insight/bench/ptrace_fork"
#define SYSLOOP "/insight/bench/sysloop"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double load_unload_once_ms(const char *path, const char *name)
{
	double t0 = now_us();
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) ||
	    syscall(SYS_delete_module, name, O_NONBLOCK)) {
		fprintf(stderr, "bench: cannot load/unload %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	close(fd);
	return (now_us() - t0) / 1e3;
}

/*
 * Median load+unload time of @ko and of the trivial module @base, in
 * milliseconds, measured alternately so both see the same conditions.
 */
static void load_unload_ms(const char *ko, const char *base, int n,
			   double *v, double *bv)
{
	double a[64], b[64];
	int i;

	for (i = 0; i < n; i++) {
		b[i] = load_unload_once_ms(base, "insight_trivial");
		a[i] = load_unload_once_ms(ko, "insight");
	}
	*v = median(a, n);
	*bv = median(b, n);
}

/* Median round trip of a VERSION request, in microseconds. */
static double version_rtt_us(int n)
{
	struct insight_version v;
	struct insight_nl *h;
	double t[2048];
	int i;

	if (insight_nl_open(&h)) {
		fprintf(stderr, "bench: insight.ko not loaded\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (insight_version(h, &v))
			exit(1);
		t[i] = now_us() - t0;
	}
	insight_nl_close(h);
	return median(t, n);
}

/* Median round trip of the kernel's own nlctrl GETFAMILY, in microseconds. */
static double getfamily_rtt_us(int n)
{
	struct nl_sock *sk = nl_socket_alloc();
	double t[2048];
	int i;

	if (!sk || genl_connect(sk))
		exit(1);
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (genl_ctrl_resolve(sk, INSIGHT_GENL_NAME) < 0)
			exit(1);
		t[i] = now_us() - t0;
	}
	nl_socket_free(sk);
	return median(t, n);
}

static void record(const char *name, double v, const char *unit,
		   const char *base, double bv)
{
	printf("BENCH %s %.3f %s %s %.3f guest\n", name, v, unit, base, bv);
}

static void fail(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Start branch_target with N, MODE and MiB as arguments (via a shell). */
static void start_branch_target(struct target *t, long n, const char *mode,
				long mib)
{
	char script[256];
	FILE *f = fopen("/tmp/bt.sh", "w");

	if (!f)
		fail("/tmp/bt.sh");
	fprintf(f, "#!/bin/sh\nexec %s %ld %s %ld\n", BRANCH_TARGET, n, mode, mib);
	fclose(f);
	chmod("/tmp/bt.sh", 0755);
	snprintf(script, sizeof(script), "/tmp/bt.sh");
	if (target_start(t, script, 0))
		fail("start branch_target");
}

/* Run the loop, return its ns per iteration. */
static double run_loop(struct target *t)
{
	char line[64];

	if (target_send(t, 0) || target_line(t, line, sizeof(line)))
		fail("branch_target output");
	target_stop(t);
	return atof(line);
}

/* ns per iteration with the site under insight.ko's @policy */
static double kmod_loop(long n, const char *mode, long mib, uint32_t policy)
{
	struct insight_nl *h;
	struct target t;
	double ns;
	int err;

	start_branch_target(&t, n, mode, mib);
	if (insight_nl_open(&h) || insight_session_new(h) ||
	    insight_attach(h, t.pid) ||
	    insight_sites_add(h, &t.site[0], &policy, 1, &err) || err)
		fail("session");
	ns = run_loop(&t);
	insight_nl_close(h);
	return ns;
}

/* File offset of @addr in @pid's mappings, for a uprobe event. */
static unsigned long file_offset(pid_t pid, unsigned long addr)
{
	unsigned long start, end, off;
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		fail("maps");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &off) == 3 &&
		    addr >= start && addr < end) {
			fclose(f);
			return addr - start + off;
		}
	fclose(f);
	fail("site not mapped");
	return 0;
}

/* Append @s to @path (no fopen "a": it seeks to the end, which tracefs refuses) */
static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		fail(path);
	close(fd);
}

/* ns per iteration with a bare kernel uprobe (trace event, filtered out) */
static double bare_trap_loop(long n)
{
	const char *tr = "/sys/kernel/tracing";
	char buf[256], path[128];
	struct target t;
	double ns;

	start_branch_target(&t, n, "plain", 0);
	snprintf(buf, sizeof(buf), "p:insight_bench/bare %s:%#lx\n", BRANCH_TARGET,
		 file_offset(t.pid, t.site[0]));
	snprintf(path, sizeof(path), "%s/uprobe_events", tr);
	write_file(path, buf);
	snprintf(path, sizeof(path), "%s/events/insight_bench/bare/filter", tr);
	write_file(path, "common_pid == 0\n");
	snprintf(path, sizeof(path), "%s/events/insight_bench/bare/enable", tr);
	write_file(path, "1\n");
	ns = run_loop(&t);
	write_file(path, "0\n");
	snprintf(path, sizeof(path), "%s/uprobe_events", tr);
	write_file(path, "-:insight_bench/bare\n");
	return ns;
}

/* ns per iteration when a ptrace tracer forks the target at the site */
static double ptrace_loop(long n)
{
	char cmd[256], line[64];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s %ld", PTRACE_FORK, BRANCH_TARGET, n);
	p = popen(cmd, "r");
	if (!p || !fgets(line, sizeof(line), p))
		fail("ptrace_fork");
	pclose(p);
	return atof(line);
}

#define REPEAT 5

/* Median of REPEAT runs of @f(@n) (TCG timings vary run to run). */
static double median_of(double (*f)(long, uint32_t, long), long n, uint32_t policy,
			long mib)
{
	double v[REPEAT];
	int i;

	for (i = 0; i < REPEAT; i++)
		v[i] = f(n, policy, mib);
	return median(v, REPEAT);
}

/* policy: an insight policy, or ~0 for the baseline named by mib < 0 */
#define BASE_BARE	0x100
#define BASE_FORK	0x101
#define BASE_PTRACE	0x102

static double one_run(long n, uint32_t policy, long mib)
{
	struct target t;

	switch (policy) {
	case BASE_BARE:
		return bare_trap_loop(n);
	case BASE_FORK:
		start_branch_target(&t, n, "fork", mib);
		return run_loop(&t);
	case BASE_PTRACE:
		return ptrace_loop(n);
	default:
		return kmod_loop(n, "plain", mib, policy);
	}
}

static void branch_benchmarks(void)
{
	double bare, natural, forced, fork_k, fork_base, big_k, big_base, ptr;

	/* probes are reparented to us (CLONE_PARENT): reap them as fork()'s are */
	signal(SIGCHLD, SIG_IGN);
	bare = median_of(one_run, 2000, BASE_BARE, 0);
	natural = median_of(one_run, 2000, INSIGHT_POLICY_NATURAL, 0);
	forced = median_of(one_run, 2000, INSIGHT_POLICY_TAKEN, 0);
	record("kmod.branch.natural", natural, "ns", "bare_uprobe_trap", bare);
	record("kmod.branch.forced", forced, "ns", "bare_uprobe_trap", bare);

	fork_k = median_of(one_run, 200, INSIGHT_POLICY_FORK, 0);
	fork_base = median_of(one_run, 200, BASE_FORK, 0);
	record("kmod.branch.fork", fork_k, "ns", "bare_uprobe_trap", bare);
	record("kmod.fork.small", fork_k, "ns", "fork_syscall.small", fork_base);
	big_k = median_of(one_run, 40, INSIGHT_POLICY_FORK, 256);
	big_base = median_of(one_run, 40, BASE_FORK, 256);
	record("kmod.fork.256m", big_k, "ns", "fork_syscall.256m", big_base);
	ptr = median_of(one_run, 100, BASE_PTRACE, 0);
	record("kmod.fork.small.vs_ptrace", fork_k, "ns", "ptrace_fork.small", ptr);
}

/* tools/bench/sysloop, started with pipes, "ready" read. */
struct sysloop {
	pid_t pid;
	FILE *in, *out;
};

static void sysloop_start(struct sysloop *l, long n)
{
	char arg[32], line[32];
	int in[2], out[2];

	snprintf(arg, sizeof(arg), "%ld", n);
	if (pipe(in) || pipe(out))
		fail("pipe");
	l->pid = fork();
	if (l->pid < 0)
		fail("fork");
	if (!l->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(SYSLOOP, SYSLOOP, arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	l->in = fdopen(in[1], "w");
	l->out = fdopen(out[0], "r");
	if (!l->in || !l->out || !fgets(line, sizeof(line), l->out))
		fail("sysloop ready");
}

/* Let it run its loop: ns per syscall; it exits and is reaped. */
static double sysloop_run(struct sysloop *l)
{
	char line[32] = "";

	fputs("go\n", l->in);
	fflush(l->in);
	if (!fgets(line, sizeof(line), l->out))
		fail("sysloop output");
	fclose(l->in);
	fclose(l->out);
	waitpid(l->pid, NULL, 0);
	return atof(line);
}

/* A session on @pid with the sandbox on (no replayed input): hooked. */
static struct insight_nl *sandboxed(pid_t pid)
{
	struct insight_nl *h;

	if (insight_nl_open(&h) || insight_session_new(h) || insight_attach(h, pid) ||
	    insight_sandbox(h, 256, -1, NULL, 0))
		fail("sandbox session");
	return h;
}

#define SYSLOOP_N	200000
#define SYSLOOP_RUNS	5

/*
 * ns per getppid() of a process that is no probe, with no session (@hooked
 * false) or while another process's sandboxed session is hooked.
 */
static double unrelated_syscall_ns(bool hooked)
{
	struct sysloop idle, l;
	struct insight_nl *h = NULL;
	double ns;

	if (hooked) {
		sysloop_start(&idle, 1);
		h = sandboxed(idle.pid);
	}
	sysloop_start(&l, SYSLOOP_N);
	ns = sysloop_run(&l);
	if (hooked) {
		insight_nl_close(h);
		sysloop_run(&idle);
	}
	return ns;
}

/*
 * ns per getppid() of a sandboxed probe (the target): the call runs.  Its
 * figure is a write, captured by the sandbox: read from its outputs.
 */
static double probe_syscall_ns(void)
{
	struct insight_output_info out;
	struct insight_nl *h;
	struct sysloop l;
	unsigned int n = 0;
	uint64_t lost;

	sysloop_start(&l, SYSLOOP_N);
	h = sandboxed(l.pid);
	fputs("go\n", l.in);
	fflush(l.in);
	waitpid(l.pid, NULL, 0);
	if (insight_outputs_get(h, 0, 0, &out, 1, &n, &lost) || n != 1 ||
	    out.captured >= sizeof(out.data))
		fail("the probe's output");
	out.data[out.captured] = '\0';
	insight_nl_close(h);
	fclose(l.in);
	fclose(l.out);
	return atof((const char *)out.data);
}

static void sandbox_benchmarks(void)
{
	double base[SYSLOOP_RUNS], unrel[SYSLOOP_RUNS], probe[SYSLOOP_RUNS];
	int i;

	signal(SIGCHLD, SIG_DFL);	/* each sysloop is waited for */
	for (i = 0; i < SYSLOOP_RUNS; i++) {	/* interleaved: same conditions */
		base[i] = unrelated_syscall_ns(false);
		unrel[i] = unrelated_syscall_ns(true);
		probe[i] = probe_syscall_ns();
	}
	record("kmod.sandbox.syscall.unrelated", median(unrel, SYSLOOP_RUNS), "ns",
	       "syscall.untraced", median(base, SYSLOOP_RUNS));
	record("kmod.sandbox.syscall.probe", median(probe, SYSLOOP_RUNS), "ns",
	       "syscall.untraced", median(base, SYSLOOP_RUNS));
}

/*
 * ns per getppid() while an injection on openat is in place: for the
 * loop's own process tree (@component), or for another process's.
 */
static double inject_syscall_ns(bool component)
{
	struct insight_inject_spec sp = {
		.nr = SYS_openat, .action = INSIGHT_INJECT_ERRNO, .err = ENOENT,
	};
	struct insight_component c;
	struct sysloop idle, l;
	struct insight_nl *h;
	uint32_t id;
	double ns;

	sysloop_start(&idle, 1);
	sysloop_start(&l, SYSLOOP_N);
	c.cgroup = NULL;
	c.pid = component ? l.pid : idle.pid;
	if (insight_nl_open(&h) || insight_inject_add(h, &c, &sp, &id))
		fail("inject");
	ns = sysloop_run(&l);
	insight_nl_close(h);
	sysloop_run(&idle);
	return ns;
}

static void inject_benchmarks(void)
{
	double base[SYSLOOP_RUNS], comp[SYSLOOP_RUNS], unrel[SYSLOOP_RUNS];
	int i;

	signal(SIGCHLD, SIG_DFL);
	for (i = 0; i < SYSLOOP_RUNS; i++) {
		base[i] = unrelated_syscall_ns(false);
		comp[i] = inject_syscall_ns(true);
		unrel[i] = inject_syscall_ns(false);
	}
	record("kmod.inject.syscall.component", median(comp, SYSLOOP_RUNS), "ns",
	       "syscall.untraced", median(base, SYSLOOP_RUNS));
	record("kmod.inject.syscall.unrelated", median(unrel, SYSLOOP_RUNS), "ns",
	       "syscall.untraced", median(base, SYSLOOP_RUNS));
}

static int load(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
		perror("bench: load insight.ko");
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *ko = argc > 1 ? argv[1] : "/insight/insight.ko";
	const char *triv = argc > 2 ? argv[2] : "/insight/modules/insight_trivial.ko";
	const char *only = getenv("INSIGHT_BENCH");
	double base, v;

	if (only && (!strcmp(only, "sandbox") || !strcmp(only, "inject"))) {
		if (load(ko))
			return 1;
		if (!strcmp(only, "sandbox"))
			sandbox_benchmarks();
		else
			inject_benchmarks();
		syscall(SYS_delete_module, "insight", O_NONBLOCK);
		return 0;
	}
	load_unload_ms(ko, triv, 21, &v, &base);
	record("kmod.load", v, "ms", "trivial_module.load", base);

	if (load(ko))
		return 1;
	base = getfamily_rtt_us(1001);
	v = version_rtt_us(1001);
	record("kmod.genl.version", v, "us", "nlctrl.getfamily", base);
	branch_benchmarks();
	sandbox_benchmarks();
	inject_benchmarks();
	syscall(SYS_delete_module, "insight", O_NONBLOCK);
	return 0;
}
