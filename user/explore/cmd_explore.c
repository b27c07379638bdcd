// SPDX-License-Identifier: GPL-2.0
/*
 * insight explore --record FAILURE.json [--pid P] [--in-place] [--quota N]
 *                 [--timeout S] [--backend kmod|ptrace] [--json] [--lib NAME]
 *                 [--all-sites] [--verbose]
 *
 * Find the execution path of a recorded failed request in a running copy
 * of the program, without source code: in a shadow VM (insight shadow
 * marks it), or with --in-place in the production process itself, which
 * only insight.ko's sandbox keeps from the world:
 *
 * 1. Sites: the conditional jumps of the program (user/sites.c), each
 *    classified by what its condition depends on.
 * 2. The request is replayed through the backend's sandbox (replay.c):
 *    the target works on it naturally, its writes captured and
 *    suppressed, while its first trap leaves a held copy, the root.
 * 3. The exploration (explore.c): a natural failure is ranked
 *    (suspects.c), else the search deviates from the root (search.c).
 * 4. The report (report.c), from the exploration's result (result.c).
 *
 * This file: the options, and the order of those steps.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/advise.h"
#include "cli.h"
#include "explore.h"
#include "replay.h"
#include "shadow/mark.h"

struct explore_opts {
	pid_t pid;
	const char *record, *lib;
	const char *fmap, *at;	/* --fmap FILE --at NODE: the f-map's advice */
	const struct xb_ops *ops;
	unsigned int quota;
	double timeout;
	bool json, all_sites, verbose, in_place;
};

/*
 * Outputs are compared with error messages normalised (see match.h); in
 * log lines (written to a file, stamped with the time) every number too:
 * a log line carries counters (a connection's serial number: the
 * shadow's replayed request comes on a connection of its own), pids and
 * durations that move on between production and the shadow.  A reply's
 * numbers, and those of any other output, are compared.
 */
static const struct insight_match_opts match_opts = {
	INSIGHT_NORM_DEFAULT | INSIGHT_NORM_ERRNO, INSIGHT_KINDS_DEFAULT,
	INSIGHT_NORM_NUMBERS,
};

static void usage(void)
{
	fprintf(stderr, "usage: insight explore --record FAILURE.json [--pid P] [--in-place] "
		"[--quota N] [--timeout S] [--backend kmod|ptrace] [--json] [--lib NAME] "
		"[--all-sites] [--verbose]\n");
}

/* One option into @o; EXIT_USAGE after a message, 0 for --help, -1 to go on. */
static int parse_opt(struct explore_opts *o, int c, const char *arg)
{
	char *end;

	switch (c) {
	case 'p':
		o->pid = cli_pid(arg);
		return o->pid ? -1 : EXIT_USAGE;
	case 'r':
		o->record = arg;
		return -1;
	case 'q':
		o->quota = strtoul(arg, &end, 10);
		if (*end || !*arg) {
			cli_err("--quota takes a number of probes (not '%s')", arg);
			return EXIT_USAGE;
		}
		if (!o->quota) {
			cli_err("--quota must be at least 1");
			return EXIT_USAGE;
		}
		return -1;
	case 't':
		o->timeout = strtod(arg, &end);
		if (*end || o->timeout <= 0) {
			cli_err("--timeout takes seconds (not '%s')", arg);
			return EXIT_USAGE;
		}
		return -1;
	case 'b':
		o->ops = !strcmp(arg, "kmod") ? &xb_kmod_ops :
			 !strcmp(arg, "ptrace") ? &xb_ptrace_ops : NULL;
		if (!o->ops) {
			cli_err("--backend is kmod or ptrace (not '%s')", arg);
			return EXIT_USAGE;
		}
		return -1;
	case 'j':
		o->json = true;
		return -1;
	case 'l':
		o->lib = arg;
		return -1;
	case 'a':
		o->all_sites = true;
		return -1;
	case 'v':
		o->verbose = true;
		return -1;
	case 'f':
		o->fmap = arg;
		return -1;
	case 'A':
		o->at = arg;
		return -1;
	case 'i':
		o->in_place = true;
		return -1;
	case 'h':
		usage();
		return 0;
	default:
		usage();
		return EXIT_USAGE;
	}
}

/* The options of insight explore (its --help: user/help.c). */
const struct option explore_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "record", required_argument, NULL, 'r' },
	{ "quota", required_argument, NULL, 'q' },
	{ "timeout", required_argument, NULL, 't' },
	{ "backend", required_argument, NULL, 'b' },
	{ "json", no_argument, NULL, 'j' },
	{ "lib", required_argument, NULL, 'l' },
	{ "all-sites", no_argument, NULL, 'a' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "fmap", required_argument, NULL, 'f' },
	{ "at", required_argument, NULL, 'A' },
	{ "in-place", no_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Where the exploration runs: in a shadow VM (its mark, written by insight
 * shadow), or in place when asked.  -1 to go on, EXIT_USAGE after a message.
 */
static int isolated(struct explore_opts *o)
{
	if (!access(SHADOW_MARK, F_OK)) {
		o->in_place = false;
		return -1;
	}
	if (o->in_place)
		return -1;
	cli_err("this is not a shadow VM (no %s): take one with insight shadow, or explore "
		"the production process itself with --in-place (unisolated: see "
		"insight-explore(8))", SHADOW_MARK);
	return EXIT_USAGE;
}

static int parse_opts(struct explore_opts *o, int argc, char **argv)
{
	int c, ret;

	*o = (struct explore_opts){ .ops = &xb_kmod_ops, .quota = 4, .timeout = 60 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "", explore_options, NULL)) != -1)
		if ((ret = parse_opt(o, c, optarg)) >= 0)
			return ret;
	if (optind != argc || !o->record) {
		usage();
		return EXIT_USAGE;
	}
	if (!o->fmap != !o->at) {
		cli_err("--fmap and --at go together: the f-map, and where the failure was seen");
		return EXIT_USAGE;
	}
	return isolated(o);
}

/*
 * The f-map's advice, on stderr: which component's faults most often
 * made the node where this failure was seen fail (Documentation/campaign.rst).
 */
static int advise(const struct explore_opts *o)
{
	char line[1024];
	int err;

	if (!o->fmap)
		return 0;
	err = fmap_advise(o->fmap, o->at, line, sizeof(line));
	if (err == -EINVAL) {
		cli_err("--fmap %s: not an f-map (insight campaign writes one)", o->fmap);
		return EXIT_USAGE;
	}
	if (err)
		fprintf(stderr, "insight: f-map: no failure of %s in %s\n", o->at, o->fmap);
	else
		fprintf(stderr, "insight: f-map: %s\n", line);
	return 0;
}

/* Whether process @pid's comm is @name. */
static bool comm_is(pid_t pid, const char *name)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return comm[0] && !strcmp(comm, name);
}

/*
 * The record, checked against the process (by default the one that read
 * the request in production: a shadow's pids are production's): 0, or
 * EXIT_USAGE after a message.
 */
static int load_record(struct explore_opts *o, struct insight_record *rec)
{
	char why[256], exe[256], link[64];
	const char *base;
	ssize_t n;

	if (insight_record_load(o->record, rec, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	if (!o->pid)
		o->pid = rec->pid;
	if (o->pid <= 0) {
		cli_err("%s names no process that read the request: give --pid", o->record);
		return EXIT_USAGE;
	}
	if (kill(o->pid, 0) && errno == ESRCH) {
		cli_err("no process %d", o->pid);
		return EXIT_USAGE;
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", o->pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	/* the record names the executable, or the comm of a process gone */
	if (rec->exe[0] && strcmp(rec->exe, base) && !comm_is(o->pid, rec->exe)) {
		cli_err("%s is a record of '%s', not of process %d (%s)", o->record, rec->exe,
			o->pid, exe);
		return EXIT_USAGE;
	}
	if (!rec->nout) {
		cli_err("%s records no output to reproduce", o->record);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The sites to trap: the program's own code when it has debug info (or
 * everything with --all-sites), else every jump.  0 or EXIT_USAGE.
 */
static int find_sites(const struct explore_opts *o, struct insight_jcc **out, size_t *n)
{
	struct insight_jcc *all = NULL;
	size_t nall = 0, k;
	bool have_dbg = false;
	char why[256];

	if (insight_find_jccs(o->pid, o->lib, &all, &nall, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	for (k = 0; k < nall; k++)
		have_dbg |= all[k].src[0] != '\0';
	for (*n = 0, k = 0; k < nall; k++)
		if (o->all_sites || !have_dbg || all[k].src[0])
			all[(*n)++] = all[k];
	*out = all;
	if (!*n) {
		cli_err("process %d: no conditional jump found to trap", o->pid);
		return EXIT_USAGE;
	}
	return 0;
}

/* Open the backend on the target: 0 or EXIT_USAGE after a message. */
static int open_backend(const struct explore_opts *o, struct ex *x,
			const struct insight_record *rec, int in_fd)
{
	struct xb_config cfg = {
		.pid = o->pid, .nsites = x->nj, .in_fd = in_fd,
		.input = rec->input, .input_len = rec->input_len, .max_held = 16,
	};
	uint64_t *addrs = calloc(x->nj, sizeof(*addrs));
	int *refused = calloc(x->nj, sizeof(*refused));
	char why[256];
	int ret = EXIT_USAGE;
	size_t k;

	if (!addrs || !refused) {
		cli_err("out of memory");
		goto out;
	}
	for (k = 0; k < x->nj; k++)
		addrs[k] = x->j[k].addr;
	cfg.sites = addrs;
	if (o->ops->open(&x->b, &cfg, refused, why, sizeof(why))) {
		cli_err("%s", why);
		goto out;
	}
	if (o->quota > o->ops->max_probes(x->b)) {
		cli_err("--quota %u is above the backend's cap of %u running probes", o->quota,
			o->ops->max_probes(x->b));
		o->ops->close(x->b);
		goto out;
	}
	ret = 0;
out:
	free(addrs);
	free(refused);
	return ret;
}

/* Replay, explore, report: the exit code. */
static int explore_and_report(const struct explore_opts *o, struct ex *x,
			      const struct insight_record *rec, struct replay *rp)
{
	struct explore_result res;
	struct run best = { 0 };
	size_t sus[MAX_SUSPECTS], nsus = 0;
	bool natural = false;
	char why[256];
	int err, ret = 1;

	if (replay_send(rp, rec, why, sizeof(why))) {
		cli_err("%s", why);
		return 1;
	}
	err = explore_run(x, &best, sus, &nsus, &natural);
	if (err == -ESRCH) {
		cli_err("the target %s without reaching a branch site after reading the "
			"request: no root snapshot",
			x->timed_out ? "timed out" : "finished the request");
		return 1;
	} else if (err) {
		cli_err("cannot read the natural path");
		return 1;
	}
	if (x->tty)
		fputc('\n', stderr);
	if (!result_build(&res, x, &best, sus, nsus, natural, rec)) {
		res.pid = o->pid;
		res.in_place = o->in_place;
		(o->json ? report_json : report_text)(stdout, &res);
		ret = res.status == EXPLORE_PARTIAL ? 1 : 0;
		result_free(&res);
	}
	run_free(&best);
	return ret;
}

int cmd_explore(int argc, char **argv)
{
	struct explore_opts o;
	struct insight_record rec = { 0 };
	struct insight_jcc *sites = NULL;
	struct expect exp = { 0 };
	struct replay rp = { .conn = -1 };
	struct ex x = { 0 };
	char why[256];
	int ret, in_fd;

	ret = parse_opts(&o, argc, argv);
	if (ret >= 0)
		return ret;
	ret = advise(&o);
	if (!ret)
		ret = load_record(&o, &rec);
	if (!ret)
		ret = find_sites(&o, &sites, &x.nj);
	if (!ret && (expect_build(&exp, &rec, &match_opts) || probes_init(&x))) {
		cli_err("out of memory");
		ret = 1;
	}
	if (!ret && replay_prepare(&rp, o.pid, &rec, &in_fd, why, sizeof(why))) {
		cli_err("%s", why);
		ret = EXIT_USAGE;
	}
	x.ops = o.ops;
	x.pid = o.pid;
	x.j = sites;
	x.exp = &exp;
	x.rec = &rec;
	x.match = &match_opts;
	x.quota = o.quota;
	x.verbose = o.verbose;
	x.tty = isatty(2) && !o.json;
	x.start = explore_now();
	x.deadline = x.start + o.timeout;
	if (!ret)
		ret = open_backend(&o, &x, &rec, in_fd);
	if (!ret) {
		ret = explore_and_report(&o, &x, &rec, &rp);
		x.ops->close(x.b);
	}
	replay_end(&rp);
	probes_free(&x);
	expect_free(&exp);
	free(sites);
	insight_record_free(&rec);
	return ret;
}
