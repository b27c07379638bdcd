// SPDX-License-Identifier: GPL-2.0
/*
 * insight campaign: Automatic Failure-Path Inference's staging phase on
 * a stack (Documentation/campaign.rst).  Start the stack, watch a dry
 * run for each component's interface, build the fault list, then for
 * every (component, method, fault) triple restart the stack, inject the
 * fault while the workload runs, and add an f-map edge for every other
 * component that failed; then, with --pairs, the pairs of faults in two
 * components that each alone were handled.  The f-map is saved after
 * each run: a campaign run again resumes where it stopped.
 */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "campaign/advise.h"
#include "campaign/detect.h"
#include "campaign/faultlist.h"
#include "campaign/fmap.h"
#include "campaign/run.h"
#include "campaign/runner.h"
#include "campaign/stack.h"
#include "campaign/watch.h"
#include "cli.h"
#include "libinsight.h"
#include "manerrors.h"

struct campaign_opts {
	const char *out, *only, *class, *expected, *mandir, *stack, *advise;
	int max_pairs;
	double watch_for;	/* --for: seconds (0: until a signal) */
	bool pairs, list, fresh, watch;
	regex_t only_re;
};

const struct option campaign_options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "only", required_argument, NULL, 'O' },
	{ "pairs", no_argument, NULL, 'p' },
	{ "max-pairs", required_argument, NULL, 'P' },
	{ "class", required_argument, NULL, 'c' },
	{ "expected", required_argument, NULL, 'e' },
	{ "man", required_argument, NULL, 'm' },
	{ "list", no_argument, NULL, 'l' },
	{ "fresh", no_argument, NULL, 'f' },
	{ "watch", no_argument, NULL, 'w' },
	{ "for", required_argument, NULL, 't' },
	{ "advise", required_argument, NULL, 'a' },
	{ NULL, 0, NULL, 0 },
};

static volatile int stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: insight campaign [--out DIR] [--only REGEX] [--pairs [--max-pairs N]]\n"
			"         [--class CLASS] [--expected FILE] [--man DIR] [--list] [--fresh] STACK\n"
			"       insight campaign --watch [--for SECONDS] [--out DIR] [--class CLASS]\n"
			"         [--expected FILE] STACK\n"
			"       insight campaign --advise NODE [--out DIR]\n");
}

static bool known_class(const char *c)
{
	static const char *const classes[] = { "network", "disk", "memory", "crash", "slow",
					       "other", "production", NULL };
	int i;

	for (i = 0; classes[i]; i++)
		if (!strcmp(classes[i], c))
			return true;
	return false;
}

static int parse_opts(int argc, char **argv, struct campaign_opts *o)
{
	char *end;
	int c;

	*o = (struct campaign_opts){ .out = "campaign", .mandir = MAN_DIR, .max_pairs = 50 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "", campaign_options, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'O': o->only = optarg; break;
		case 'p': o->pairs = true; break;
		case 'c': o->class = optarg; break;
		case 'e': o->expected = optarg; break;
		case 'm': o->mandir = optarg; break;
		case 'l': o->list = true; break;
		case 'f': o->fresh = true; break;
		case 'w': o->watch = true; break;
		case 'a': o->advise = optarg; break;
		case 't':
			o->watch_for = strtod(optarg, &end);
			if (*end || end == optarg || !(o->watch_for > 0)) {
				cli_err("--for: a number of seconds above 0");
				return -1;
			}
			break;
		case 'P':
			o->max_pairs = strtol(optarg, &end, 10);
			if (*end || end == optarg || o->max_pairs < 1 || o->max_pairs > 100000) {
				cli_err("--max-pairs: a number from 1 to 100000");
				return -1;
			}
			break;
		default:
			usage();
			return -1;
		}
	}
	if (optind != argc - (o->advise ? 0 : 1)) {
		usage();
		return -1;
	}
	o->stack = o->advise ? NULL : argv[optind];
	if (o->watch_for && !o->watch) {
		cli_err("--for goes with --watch");
		return -1;
	}
	if (o->watch && (o->pairs || o->list || o->only)) {
		cli_err("--watch injects nothing: no --pairs, --list or --only");
		return -1;
	}
	if (o->class && !known_class(o->class)) {
		cli_err("--class: one of network, disk, memory, crash, slow, other, production");
		return -1;
	}
	if (o->only && regcomp(&o->only_re, o->only, REG_EXTENDED | REG_NOSUB)) {
		cli_err("--only: not an extended regular expression: %s", o->only);
		return -1;
	}
	return 0;
}

static void clock_str(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5);

	snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

/* "[i/n] what  0:01:02 elapsed, ~0:10:00 left" on stderr. */
static void progress(int i, int n, const char *what, time_t t0)
{
	double el = difftime(time(NULL), t0);
	char e[32], l[32];

	clock_str(el, e, sizeof(e));
	clock_str(i ? el / i * (n - i) : 0, l, sizeof(l));
	fprintf(stderr, "%s[%d/%d] %-48.48s %s elapsed, ~%s left%s", isatty(2) ? "\r" : "",
		i + 1, n, what, e, i ? l : "?", isatty(2) ? "" : "\n");
}

struct campaign {
	struct campaign_opts o;
	struct stack s;
	struct faultlist fl;
	struct fmap map;
	struct insight_nl *h;
	char path[4096];	/* OUT/fmap.json: the map and the progress */
	time_t t0;
};

/* Whether the user asked for fault @f (--only). */
static bool selected(const struct campaign *c, const struct fault *f)
{
	return !c->o.only || !regexec(&c->o.only_re, f->id, 0, NULL, 0);
}

/*
 * The setup, the first start, the dry run (no fault: the workload must
 * pass and no detector fire), the fault list.  0, or an exit status
 * after the reason.
 */
static int prepare(struct campaign *c)
{
	struct outcome none = { .fault = "" };
	char why[256];
	int rc, i;

	if (c->s.setup && (rc = run_cmd(c->s.setup, 300, NULL, 0, NULL, NULL, &stop))) {
		cli_err("%s: the setup command failed (%d)", c->s.path, rc);
		return EXIT_USAGE;
	}
	if (stack_start(&c->s, why, sizeof(why), &stop)) {
		cli_err("%s: a component does not start: %s", c->s.path, why);
		return EXIT_USAGE;
	}
	detect_mark(&c->s);
	rc = faultlist_dry_run(&c->fl, &c->s, &stop);
	if (rc == -EINTR)
		return 130;
	if (rc == -ETIMEDOUT || rc > 0) {
		if (rc > 0)
			cli_err("the workload fails with no fault injected (status %d)", rc);
		else
			cli_err("the workload does not end in %.0f s with no fault injected",
				c->s.timeout);
		return 1;
	}
	if (rc)
		return EXIT_USAGE;	/* the stream said why */
	for (i = 0; i < c->s.n; i++) {
		if (detect_failed(&c->s.c[i], none.evidence[i], sizeof(none.evidence[i]))) {
			cli_err("%s: %s fails with no fault injected: %s", c->s.path,
				c->s.c[i].name, none.evidence[i]);
			return EXIT_USAGE;
		}
	}
	if (faultlist_build(&c->fl, &c->s, c->o.mandir))
		return 1;
	if (c->fl.no_manual)
		fprintf(stderr, "insight: campaign: %d methods have no manual page under %s: "
			"their errno faults are left out\n", c->fl.no_manual, c->o.mandir);
	return 0;
}

static void print_list(const struct campaign *c)
{
	int i;

	for (i = 0; i < c->fl.nf; i++)
		if (selected(c, &c->fl.f[i]))
			printf("%s %s\n", c->fl.f[i].id, c->fl.f[i].class);
}

/* Run @f (@nf faults, id @id) unless it has an outcome: 0, or -EINTR. */
static int run_one(struct campaign *c, const struct fault *const *f, int nf, const char *id)
{
	struct outcome o;
	int err, k;

	if (fmap_find(&c->map, id))
		return 0;
	memset(&o, 0, sizeof(o));
	snprintf(o.fault, sizeof(o.fault), "%s", id);
	for (k = 0; k < nf; k++)
		o.comp[o.ncomp++] = f[k]->comp;
	snprintf(o.class, sizeof(o.class), "%s", f[0]->class);
	err = runner_run(&c->s, c->h, f, nf, &o, &stop);
	if (err)
		return err;	/* interrupted: not an outcome */
	if (fmap_add(&c->map, &o) || fmap_save(&c->map, &c->s, c->path))
		fprintf(stderr, "\ninsight: campaign: cannot save %s\n", c->path);
	return 0;
}

static int run_faults(struct campaign *c)
{
	const struct fault *f;
	int i, n = 0, done = 0;

	for (i = 0; i < c->fl.nf; i++)
		n += selected(c, &c->fl.f[i]);
	c->map.faults = n;
	for (i = 0; i < c->fl.nf && !stop; i++) {
		f = &c->fl.f[i];
		if (!selected(c, f))
			continue;
		if (!fmap_find(&c->map, f->id))
			progress(done, n, f->id, c->t0);
		if (run_one(c, &f, 1, f->id))
			return -EINTR;
		done++;
	}
	if (n && isatty(2))
		fputc('\n', stderr);
	return stop ? -EINTR : 0;
}

/* Whether fault @f ran, was injected, and nothing but its own component failed. */
static bool handled(const struct campaign *c, const struct fault *f)
{
	const struct outcome *o = fmap_find(&c->map, f->id);

	return o && !o->error[0] && o->injected && !(o->failed & ~(1u << f->comp));
}

/* Whether faults @i and @k make a pair to run: two components, each handled. */
static bool candidate(const struct campaign *c, int i, int k)
{
	const struct fault *a = &c->fl.f[i], *b = &c->fl.f[k];

	return a->comp != b->comp && selected(c, a) && selected(c, b) && handled(c, a) &&
	       handled(c, b);
}

/*
 * The pairs (C1 != C2) of the cross product of the selected faults; run
 * only those of two faults that each alone were handled (a fault that
 * propagated alone already has its edges: with another it shows the
 * same), at most --max-pairs of them, spread evenly over the candidates
 * (every stride-th in order), not the first fault's pairs alone.
 */
static int run_pairs(struct campaign *c)
{
	int i, k, total = 0, cand = 0, q = 0, stride, want, done = 0;
	char id[2 * FAULT_ID_MAX + 2];
	const struct fault *p[2];
	time_t t0 = time(NULL);

	for (i = 0; i < c->fl.nf; i++)
		for (k = i + 1; k < c->fl.nf; k++) {
			total += c->fl.f[i].comp != c->fl.f[k].comp && selected(c, &c->fl.f[i]) &&
				 selected(c, &c->fl.f[k]);
			cand += candidate(c, i, k);
		}
	c->map.pairs_total = total;
	want = cand < c->o.max_pairs ? cand : c->o.max_pairs;
	stride = want ? cand / want : 1;
	for (i = 0; i < c->fl.nf && done < want && !stop; i++) {
		for (k = i + 1; k < c->fl.nf && done < want && !stop; k++) {
			if (!candidate(c, i, k) || q++ % stride)
				continue;
			p[0] = &c->fl.f[i];
			p[1] = &c->fl.f[k];
			snprintf(id, sizeof(id), "%s+%s", p[0]->id, p[1]->id);
			if (!fmap_find(&c->map, id))
				progress(done, want, id, t0);
			if (run_one(c, p, 2, id))
				return -EINTR;
			done++;
		}
	}
	c->map.pairs_run = done;
	if (done && isatty(2))
		fputc('\n', stderr);
	return stop ? -EINTR : 0;
}

/* The map's files in OUT (and OUT/fmap-CLASS.* for --class), its text. */
static int finish(struct campaign *c)
{
	char json[4200], dot[4200], svg[4200];
	int err;

	snprintf(dot, sizeof(dot), "%s/fmap.dot", c->o.out);
	snprintf(svg, sizeof(svg), "%s/fmap.svg", c->o.out);
	err = fmap_save(&c->map, &c->s, c->path);
	if (!err)
		err = fmap_write(&c->map, &c->s, NULL, NULL, dot, svg);
	if (!err && c->o.class) {
		snprintf(json, sizeof(json), "%s/fmap-%s.json", c->o.out, c->o.class);
		snprintf(dot, sizeof(dot), "%s/fmap-%s.dot", c->o.out, c->o.class);
		snprintf(svg, sizeof(svg), "%s/fmap-%s.svg", c->o.out, c->o.class);
		err = fmap_write(&c->map, &c->s, c->o.class, json, dot, svg);
	}
	if (err == -ENOENT)
		fprintf(stderr, "insight: campaign: no SVG: graphviz's dot is not installed\n");
	else if (err)
		cli_err("cannot write the f-map in %s: %s", c->o.out, strerror(-err));
	fmap_print(&c->map, &c->s, c->o.class);
	if (c->o.expected && fmap_compare(&c->map, &c->s, c->o.expected))
		return EXIT_USAGE;
	return err && err != -ENOENT ? 1 : 0;
}

/* Resume from OUT/fmap.json, unless --fresh: 0, or an exit status. */
static int resume(struct campaign *c)
{
	int err;

	if (mkdir(c->o.out, 0755) && errno != EEXIST) {
		cli_err("--out %s: %s", c->o.out, strerror(errno));
		return EXIT_USAGE;
	}
	snprintf(c->path, sizeof(c->path), "%s/fmap.json", c->o.out);
	if (c->o.fresh)
		return 0;
	err = fmap_load(&c->map, &c->s, c->path);
	if (err == -EINVAL) {
		cli_err("%s: not a campaign of this stack (--fresh starts anew)", c->path);
		return EXIT_USAGE;
	}
	if (!err && c->map.n)
		fprintf(stderr, "insight: campaign: resuming: %d runs done in %s\n", c->map.n,
			c->path);
	return err == -ENOMEM ? 1 : 0;
}

/* The production phase: natural failures of the running stack into the map. */
static int watch(struct campaign *c)
{
	int rc = resume(c), err;

	if (rc)
		return rc;
	fprintf(stderr, "insight: campaign: watching %d components%s\n", c->s.n,
		c->o.watch_for ? "" : " until Ctrl-C");
	err = watch_run(&c->s, &c->map, c->path, c->o.watch_for, &stop);
	if (err) {
		cli_err("cannot save %s: %s", c->path, strerror(-err));
		return 1;
	}
	return finish(c);
}

static int campaign(struct campaign *c)
{
	int rc;

	if (c->o.watch)
		return watch(c);
	rc = resume(c);
	if (!rc)
		rc = prepare(c);
	if (rc || c->o.list) {
		if (!rc)
			print_list(c);
		return rc;
	}
	c->t0 = time(NULL);
	if (!run_faults(c) && c->o.pairs)
		run_pairs(c);
	if (stop) {
		fprintf(stderr, "\ninsight: campaign: interrupted; %d runs saved in %s "
			"(run it again to resume)\n", c->map.n, c->path);
		fmap_save(&c->map, &c->s, c->path);
		return 130;
	}
	return finish(c);
}

/* --advise NODE: which component to shadow first for a failure seen there. */
static int advise(const struct campaign_opts *o)
{
	char path[4096], line[1024];
	int err;

	snprintf(path, sizeof(path), "%s/fmap.json", o->out);
	err = fmap_advise(path, o->advise, line, sizeof(line));
	if (err == -ENOENT) {
		printf("the f-map in %s has no failure of %s\n", path, o->advise);
		return 0;
	}
	if (err) {
		cli_err("%s: not an f-map", path);
		return EXIT_USAGE;
	}
	puts(line);
	return 0;
}

int cmd_campaign(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct campaign c;
	char why[256];
	int rc;

	memset(&c, 0, sizeof(c));
	if (parse_opts(argc, argv, &c.o))
		return EXIT_USAGE;
	if (c.o.advise)
		return advise(&c.o);
	if (stack_load(&c.s, c.o.stack, why, sizeof(why))) {
		cli_err("%s", why);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = c.o.watch ? 0 : cli_open(&c.h);	/* a watch injects nothing */
	if (rc)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = campaign(&c);
	stack_stop(&c.s);	/* what the campaign started (a watch: nothing) */
	if (c.h)
		insight_nl_close(c.h);
out:
	faultlist_free(&c.fl);
	fmap_free(&c.map);
	stack_free(&c.s);
	if (c.o.only)
		regfree(&c.o.only_re);
	return rc;
}
