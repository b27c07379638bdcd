// SPDX-License-Identifier: GPL-2.0
/*
 * insight faults: a component's fault list, from its interface, not
 * written by hand (the AFPI campaign's step 2): the syscalls it made in a
 * dry run (watched here with the eBPF stream while the workload runs, or
 * an `insight trace --format jsonl` of it),
 * and the library functions its binaries import, each with the errors
 * its manual page's ERRORS section names (user/manerrors.c); then the
 * environment faults, each as the injection that makes it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "cli.h"
#include "elfsym.h"
#include "manerrors.h"
#include "stream.h"
#include "syscalls.h"

#define FAULTS_MAX_CALLS	512
#define FAULTS_MAX_ERRS		64

/* One method of the component: a syscall or an imported function. */
struct method {
	char name[64];
	const char *from;	/* the binary that imports it; NULL: a syscall */
	unsigned long calls;	/* in the dry run (syscalls) */
	int errs[FAULTS_MAX_ERRS];
	int nerrs;		/* -ENOENT: no manual page */
};

struct faults {
	struct method m[FAULTS_MAX_CALLS];
	int n;
	const char *mandir;
	const char *binary;	/* while reading a binary's imports */
};

/* The environment faults, each as an injection (Documentation/explore.rst). */
static const struct {
	const char *fault, *as;
} environment[] = {
	{ "partition", "connect, sendto, sendmsg to the peer's port fail ECONNREFUSED; "
		       "read, recvfrom ECONNRESET (--port)" },
	{ "slow-peer", "read, recvfrom of the peer's socket wait (--delay, --port)" },
	{ "disk-full", "write, pwrite64, fallocate of files fail ENOSPC (--fd-kind file)" },
	{ "disk-error", "read, write of files fail EIO (--fd-kind file)" },
	{ "out-of-memory", "mmap, brk fail ENOMEM; malloc, calloc return NULL" },
	{ "crash", "the component is killed at its next syscall (--kill)" },
};

static struct method *method_of(struct faults *f, const char *name, const char *from)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->m[i].name, name) && !f->m[i].from == !from)
			return &f->m[i];
	if (f->n == FAULTS_MAX_CALLS || strlen(name) >= sizeof(f->m[0].name))
		return NULL;
	memset(&f->m[f->n], 0, sizeof(f->m[0]));
	strcpy(f->m[f->n].name, name);
	f->m[f->n].from = from;
	return &f->m[f->n++];
}

/* The syscalls of a jsonl trace, with their counts: 0, or -errno. */
static int read_trace(struct faults *f, const char *path)
{
	char line[8192];
	FILE *in = fopen(path, "r");
	struct json_object *o, *sc;
	struct method *m;
	int err = 0;

	if (!in)
		return -errno;
	while (fgets(line, sizeof(line), in)) {
		o = json_tokener_parse(line);
		if (!o)
			continue;	/* a line cut by the size above: skipped */
		if (json_object_object_get_ex(o, "syscall", &sc) &&
		    json_object_is_type(sc, json_type_string)) {
			m = method_of(f, json_object_get_string(sc), NULL);
			if (m)
				m->calls++;
		}
		json_object_put(o);
	}
	if (ferror(in))
		err = -EIO;
	fclose(in);
	return err;
}

static int on_sys(const struct insight_sys_event *e, const void *payload, void *arg)
{
	struct faults *f = arg;
	struct method *m;

	(void)payload;
	if (e->kind == INSIGHT_EV_SYS_EXIT && insight_syscall_name(e->nr)) {
		m = method_of(f, insight_syscall_name(e->nr), NULL);
		if (m)
			m->calls++;
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * The dry run: the syscalls of process tree @pid or cgroup @cgroup for
 * @seconds (or until the process is gone, or a signal), from the eBPF
 * stream.  0, or the exit status after the reason.
 */
static int watch(struct faults *f, pid_t pid, const char *cgroup, double seconds)
{
	struct insight_stream_opts so = { .payload_max = 0 };
	struct insight_stream *st;
	time_t t0 = time(NULL);
	int err;

	if (cli_stream_target(pid, cgroup, &so.cgroup_id))
		return EXIT_USAGE;
	err = insight_stream_open(&st, &so, on_sys, f);
	if (err) {
		cli_err("cannot load the BPF stream: %s%s", strerror(-err),
			err == -EPERM ? " (BPF not permitted: run as root)" : "");
		return EXIT_USAGE;
	}
	if (pid && (err = insight_stream_add_pid(st, pid))) {
		cli_err("cannot watch pid %d: %s", pid, strerror(-err));
		insight_stream_close(st);
		return 1;
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	if (pid)
		fprintf(stderr, "insight: watching pid %d\n", pid);
	else
		fprintf(stderr, "insight: watching cgroup %s\n", cgroup);
	while (!stop && difftime(time(NULL), t0) < seconds && !(pid && kill(pid, 0)))
		insight_stream_poll(st, 50);
	while (insight_stream_poll(st, 0) > 0)
		;
	insight_stream_close(st);
	return 0;
}

static void add_import(const char *name, void *arg)
{
	struct faults *f = arg;

	method_of(f, name, f->binary);
}

/*
 * Each method's errors, from its manual page: section 2 for a syscall;
 * for a function 3, else 2 (libc's wrappers of syscalls: read, connect).
 */
static void read_errors(struct faults *f)
{
	struct method *m;
	int i;

	for (i = 0; i < f->n; i++) {
		m = &f->m[i];
		m->nerrs = man_errors(f->mandir, m->name, m->from ? 3 : 2, m->errs,
				      FAULTS_MAX_ERRS);
		if (m->nerrs == -ENOENT && m->from)
			m->nerrs = man_errors(f->mandir, m->name, 2, m->errs, FAULTS_MAX_ERRS);
	}
}

static void print_text(const struct faults *f)
{
	int i, k;

	for (i = 0; i < f->n; i++) {
		const struct method *m = &f->m[i];

		if (m->from)
			printf("function %s (%s):", m->name, m->from);
		else
			printf("syscall %s (%lu calls):", m->name, m->calls);
		if (m->nerrs < 0)
			printf(" no manual page");
		for (k = 0; k < m->nerrs; k++)
			printf(" %s", strerrorname_np(m->errs[k]));
		putchar('\n');
	}
	for (i = 0; i < (int)(sizeof(environment) / sizeof(environment[0])); i++)
		printf("environment %s: %s\n", environment[i].fault, environment[i].as);
}

static void print_json(const struct faults *f)
{
	struct json_object *root = json_object_new_object();
	struct json_object *calls = json_object_new_array(), *fns = json_object_new_array();
	struct json_object *env = json_object_new_array(), *o, *errs;
	int i, k;

	for (i = 0; i < f->n; i++) {
		const struct method *m = &f->m[i];

		o = json_object_new_object();
		errs = json_object_new_array();
		json_object_object_add(o, "name", json_object_new_string(m->name));
		if (m->from)
			json_object_object_add(o, "binary", json_object_new_string(m->from));
		else
			json_object_object_add(o, "calls", json_object_new_int64(m->calls));
		json_object_object_add(o, "manual", json_object_new_boolean(m->nerrs >= 0));
		for (k = 0; k < m->nerrs; k++)
			json_object_array_add(errs,
					      json_object_new_string(strerrorname_np(m->errs[k])));
		json_object_object_add(o, "errnos", errs);
		json_object_array_add(m->from ? fns : calls, o);
	}
	for (i = 0; i < (int)(sizeof(environment) / sizeof(environment[0])); i++) {
		o = json_object_new_object();
		json_object_object_add(o, "fault", json_object_new_string(environment[i].fault));
		json_object_object_add(o, "as", json_object_new_string(environment[i].as));
		json_object_array_add(env, o);
	}
	json_object_object_add(root, "syscalls", calls);
	json_object_object_add(root, "functions", fns);
	json_object_object_add(root, "environment", env);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
}

static void usage(void)
{
	fprintf(stderr, "usage: insight faults [--trace TRACE.jsonl | --pid P [--duration S] |\n"
			"                      --cgroup PATH --duration S] [--binary FILE]... "
			"[--man DIR] [--json]\n");
}

/* The options of insight faults (its --help: user/help.c). */
const struct option faults_options[] = {
	{ "trace", required_argument, NULL, 't' },
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "binary", required_argument, NULL, 'b' },
	{ "man", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

int cmd_faults(int argc, char **argv)
{
	static struct faults f;
	const char *binaries[16], *cgroup = NULL;
	int c, nb = 0, i, err;
	bool json = false, traced = false;
	double seconds = 0;
	pid_t pid = 0;
	char *end;

	memset(&f, 0, sizeof(f));
	f.mandir = MAN_DIR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", faults_options, NULL)) != -1) {
		switch (c) {
		case 't':
			err = read_trace(&f, optarg);
			if (err) {
				cli_err("%s: %s", optarg, strerror(-err));
				return EXIT_USAGE;
			}
			traced = true;
			break;
		case 'p':
			pid = cli_pid(optarg);
			if (!pid)
				return EXIT_USAGE;
			break;
		case 'c':
			cgroup = optarg;
			break;
		case 'd':
			seconds = strtod(optarg, &end);
			if (*end || seconds <= 0) {
				cli_err("bad duration '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'b':
			if (nb == 16) {
				cli_err("at most 16 --binary");
				return EXIT_USAGE;
			}
			binaries[nb++] = optarg;
			break;
		case 'm':
			f.mandir = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (optind < argc || (!traced && !nb && !pid && !cgroup) || (!!pid + !!cgroup) > 1 ||
	    (!seconds && cgroup) || (seconds && !pid && !cgroup)) {
		usage();
		return EXIT_USAGE;
	}
	if (pid || cgroup) {
		err = watch(&f, pid, cgroup, seconds ? seconds : 1e9);
		if (err)
			return err;
	}
	for (i = 0; i < nb; i++) {
		f.binary = binaries[i];
		err = elf_imports(binaries[i], add_import, &f);
		if (err < 0) {
			cli_err("%s: %s", binaries[i],
				err == -ENOEXEC ? "not an ELF file" : strerror(-err));
			return EXIT_USAGE;
		}
	}
	read_errors(&f);
	if (json)
		print_json(&f);
	else
		print_text(&f);
	return 0;
}
