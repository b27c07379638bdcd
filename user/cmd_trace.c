// SPDX-License-Identifier: GPL-2.0
/*
 * insight trace (--pid P | --cgroup PATH | --from RECORD) [--format text|jsonl|chrome]
 *               [-o FILE] [--payload BYTES] [--duration SECONDS]
 *               [--ring BYTES]
 *
 * The live syscall stream of a process (and the children it forks from
 * now on) or of a cgroup v2.  With --pid it ends when they have all
 * exited; otherwise at the duration, SIGINT or SIGTERM.  Event and drop
 * counts go to stderr at the end (every second too when writing a file).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "record.h"
#include "stream.h"

#define MAX_PIDS 4096

struct trace {
	struct insight_fmt *fmt;
	unsigned long events;
	pid_t pids[MAX_PIDS];	/* processes still alive, with --pid */
	int npids;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void pid_del(struct trace *t, pid_t pid)
{
	int i;

	for (i = 0; i < t->npids; i++)
		if (t->pids[i] == pid) {
			t->pids[i] = t->pids[--t->npids];
			return;
		}
}

static int on_event(const struct insight_sys_event *e, const void *payload,
		    void *arg)
{
	struct trace *t = arg;

	t->events++;
	insight_fmt_event(t->fmt, e, payload);
	if (e->kind == INSIGHT_EV_FORK && t->npids && t->npids < MAX_PIDS)
		t->pids[t->npids++] = e->args[0];
	if (e->kind == INSIGHT_EV_EXIT)
		pid_del(t, e->pid);
	return 0;
}

/* Feed one record item to the formatter as an exit record. */
static void feed_item(struct insight_fmt *fmt, const struct insight_record *r,
		      const struct insight_record_item *it)
{
	struct insight_sys_event e = {
		.seq = it->seq, .pid = r->pid, .tid = r->pid,
		.kind = INSIGHT_EV_SYS_EXIT, .nr = it->nr, .ret = it->ret,
		.fd = it->fd, .fd_kind = it->fd_kind,
		.payload_len = it->len > INSIGHT_PAYLOAD_MAX ? INSIGHT_PAYLOAD_MAX : it->len,
	};

	e.args[0] = it->fd;
	e.args[2] = it->len;
	if (it->nr == 55) {		/* the record keeps getsockopt(SO_ERROR)s */
		e.args[1] = 1;
		e.args[2] = 4;
	}
	if (it->nr == 2 || it->nr == 257) {	/* open flags are not recorded */
		e.args[0] = it->nr == 257 ? -100 : 0;
		e.args[1] = e.args[2] = 0;
	}
	insight_fmt_event(fmt, &e, it->data);
}

static int from_record(const char *path, enum insight_format format, FILE *out)
{
	struct insight_record r;
	struct insight_record_item in;
	struct insight_fmt *fmt;
	size_t o = 0, v = 0;
	char why[512];

	if (insight_record_load(path, &r, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	fmt = insight_fmt_new(out, format);
	if (!fmt) {
		insight_record_free(&r);
		return 1;
	}
	in = (struct insight_record_item){ .nr = 0, .fd = r.in_fd, .fd_kind = r.in_kind,
		.ret = r.input_len, .data = r.input, .len = r.input_len };
	feed_item(fmt, &r, &in);
	while (o < r.nout || v < r.nenv) {	/* merge by sequence number */
		if (v == r.nenv || (o < r.nout && r.outputs[o].seq < r.env[v].seq))
			feed_item(fmt, &r, &r.outputs[o++]);
		else
			feed_item(fmt, &r, &r.env[v++]);
	}
	insight_fmt_end(fmt);
	insight_record_free(&r);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: insight trace (--pid P | --cgroup PATH | --from RECORD) [--format text|jsonl|chrome]\n"
			"                     [-o FILE] [--payload BYTES] [--duration SECONDS] [--ring BYTES] [-v]\n");
}

/* The command line of insight trace. */
struct trace_opts {
	struct insight_stream_opts so;
	enum insight_format format;
	const char *out_path, *cgroup, *from;
	double duration;
	pid_t pid;
};

/* The options of insight trace (its --help: user/help.c). */
const struct option trace_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "payload", required_argument, NULL, 'b' },
	{ "duration", required_argument, NULL, 'd' },
	{ "ring", required_argument, NULL, 'r' },
	{ "from", required_argument, NULL, 'F' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

/* The options into @o: 0, or -1 (after the reason) for a usage error. */
static int parse_opts(int argc, char **argv, struct trace_opts *o)
{
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:c:f:o:b:d:r:v", trace_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->pid = cli_pid(optarg);
			if (!o->pid)
				return -1;
			break;
		case 'c':
			o->cgroup = optarg;
			break;
		case 'F':
			o->from = optarg;
			break;
		case 'f':
			if (insight_fmt_parse(optarg, &o->format)) {
				cli_err("unknown format '%s' (text, jsonl, chrome)", optarg);
				return -1;
			}
			break;
		case 'o':
			o->out_path = optarg;
			break;
		case 'b':
			o->so.payload_max = strtoul(optarg, &end, 10);
			if (*end || o->so.payload_max > INSIGHT_PAYLOAD_MAX) {
				cli_err("--payload takes 0 to %d bytes", INSIGHT_PAYLOAD_MAX);
				return -1;
			}
			break;
		case 'r':
			o->so.ring_bytes = strtoul(optarg, &end, 10);
			if (*end || o->so.ring_bytes < 4096 ||
			    (o->so.ring_bytes & (o->so.ring_bytes - 1))) {
				cli_err("--ring takes a power of two >= 4096");
				return -1;
			}
			break;
		case 'v':
			insight_stream_verbose(true);
			break;
		case 'd':
			o->duration = strtod(optarg, &end);
			if (*end || o->duration <= 0) {
				cli_err("bad duration '%s'", optarg);
				return -1;
			}
			break;
		default:
			usage();
			return -1;
		}
	}
	if (optind != argc || (!!o->pid + !!o->cgroup + !!o->from) != 1) {
		usage();
		return -1;
	}
	if (cli_stream_target(o->pid, o->cgroup, &o->so.cgroup_id))
		return -1;
	return 0;
}

/* Load and attach the stream, formatting to @out: 0, or the exit status. */
static int start(struct insight_stream **st, struct trace *t, struct trace_opts *o, FILE *out)
{
	int err;

	t->fmt = insight_fmt_new(out, o->format);
	err = t->fmt ? insight_stream_open(st, &o->so, on_event, t) : -ENOMEM;
	if (err) {
		cli_err("cannot load the BPF stream: %s%s", strerror(-err),
			err == -EPERM ? " (BPF not permitted: run as root)" : "");
		return EXIT_USAGE;
	}
	if (o->pid) {
		t->pids[t->npids++] = o->pid;
		err = insight_stream_add_pid(*st, o->pid);
		if (err) {
			cli_err("cannot trace pid %d: %s", o->pid, strerror(-err));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o->pid)
		fprintf(stderr, "insight: tracing pid %d\n", o->pid);
	else
		fprintf(stderr, "insight: tracing cgroup %s\n", o->cgroup);
	return 0;
}

/* Format the stream until the traced processes are gone, the duration is
 * over or a signal; the counts to stderr.  0, or 1 after the reason. */
static int run(struct insight_stream *st, struct trace *t, const struct trace_opts *o,
	       FILE *out)
{
	long long t0 = time(NULL), last = 0;
	int err;

	while (!stop) {
		err = insight_stream_poll(st, 50);
		if (err < 0 && err != -EINTR) {
			cli_err("reading the stream: %s", strerror(-err));
			return 1;
		}
		if (o->pid && !t->npids)
			break;		/* every traced process has exited */
		if (o->pid && kill(o->pid, 0) && t->npids == 1 && t->pids[0] == o->pid)
			break;		/* it was gone before we could see it */
		if (o->duration && time(NULL) - t0 >= o->duration)
			break;
		if (out != stdout && time(NULL) != last) {
			last = time(NULL);
			fprintf(stderr, "insight: %lu events, %llu dropped\r", t->events,
				(unsigned long long)insight_stream_drops(st));
		}
	}
	while (insight_stream_poll(st, 0) > 0)
		;
	fprintf(stderr, "insight: %lu events, %llu dropped\n", t->events,
		(unsigned long long)insight_stream_drops(st));
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_opts o = { .format = INSIGHT_FMT_TEXT };
	struct insight_stream *st = NULL;
	FILE *out = stdout;
	struct trace *t;
	int err;

	if (parse_opts(argc, argv, &o))
		return EXIT_USAGE;
	t = calloc(1, sizeof(*t));
	if (!t)
		return 1;
	if (o.out_path) {
		out = fopen(o.out_path, "w");
		if (!out) {
			cli_err("cannot write %s: %s", o.out_path, strerror(errno));
			free(t);
			return EXIT_USAGE;
		}
	}
	if (o.from)
		err = from_record(o.from, o.format, out);
	else
		err = start(&st, t, &o, out) ?: run(st, t, &o, out);
	insight_stream_close(st);
	if (t->fmt)
		insight_fmt_end(t->fmt);
	if (out != stdout && fclose(out) && !err) {
		cli_err("writing %s: %s", o.out_path, strerror(errno));
		err = 1;
	}
	free(t);
	return err;
}
