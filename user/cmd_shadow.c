// SPDX-License-Identifier: GPL-2.0
/*
 * insight shadow: on the VM host, clone the production VM whose qemu
 * answers QMP on a unix socket, while it keeps running (a pause of the
 * stop-and-copy only, bounded), and start the clone as a shadow VM with
 * its own disks, sockets and an isolated network; with --explore, wait
 * for production's failure record (--watch), explore it in the shadow and
 * destroy the shadow; --destroy removes a shadow and folds production's
 * overlays back (Documentation/shadow.rst).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "cli.h"
#include "shadow/agent.h"
#include "shadow/clone.h"
#include "shadow/cmdline.h"
#include "shadow/guard.h"
#include "shadow/inshadow.h"
#include "shadow/launch.h"
#include "shadow/qmp.h"
#include "shadow/replay.h"

const struct option shadow_options[] = {
	{ "qmp", required_argument, NULL, 'q' },
	{ "dir", required_argument, NULL, 'd' },
	{ "max-pause", required_argument, NULL, 'p' },
	{ "destroy", no_argument, NULL, 'D' },
	{ "json", no_argument, NULL, 'j' },
	{ "exec", required_argument, NULL, 'e' },
	{ "explore", required_argument, NULL, 'x' },
	{ "watch", no_argument, NULL, 'w' },
	{ "module", required_argument, NULL, 'm' },
	{ "timeout", required_argument, NULL, 't' },
	{ "keep", no_argument, NULL, 'k' },
	{ "peer", required_argument, NULL, 'P' },
	{ "net-log", required_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 }
};

struct shadow_args {
	const char *qmp, *dir, *exec;
	const char *record, *module;	/* --explore RECORD [--module KO] */
	const char *net_log;
	struct peers peers;		/* --peer ADDR:PORT=POLICY... */
	int max_pause_ms, timeout_s;
	bool destroy, json, watch, keep;
};

/* A number option in [@lo, @hi] into @v: 0, or -1 after a message. */
static int number(const char *opt, const char *arg, long lo, long hi, const char *unit, int *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || !*arg || n < lo || n > hi) {
		cli_err("--%s takes %s, %ld to %ld", opt, unit, lo, hi);
		return -1;
	}
	*v = n;
	return 0;
}

#define SHADOW_USAGE "usage: insight shadow --qmp SOCKET --dir DIR [--max-pause MS] " \
	"[--peer ADDR:PORT=replay|forward|drop]... [--net-log FILE] [--exec CMD] " \
	"[--explore RECORD [--watch] [--module KO] [--timeout S] [--keep]] [--json] | " \
	"--destroy --dir DIR"

/* Options that go together: 0, or -1 after the usage line. */
static int check_args(const struct shadow_args *a)
{
	bool explore_opts = a->watch || a->module || a->keep || a->timeout_s;

	bool net_opts = a->net_log || a->peers.n;

	if (!a->dir || (!a->destroy && !a->qmp) ||
	    (a->destroy && (a->qmp || a->exec || a->record || explore_opts || net_opts)) ||
	    (!a->record && explore_opts)) {
		cli_err(SHADOW_USAGE);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct shadow_args *a)
{
	char why[256];
	int c, err = 0;

	a->max_pause_ms = 500;
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "", shadow_options, NULL)) != -1) {
		switch (c) {
		case 'q': a->qmp = optarg; break;
		case 'd': a->dir = optarg; break;
		case 'D': a->destroy = true; break;
		case 'j': a->json = true; break;
		case 'e': a->exec = optarg; break;
		case 'x': a->record = optarg; break;
		case 'w': a->watch = true; break;
		case 'm': a->module = optarg; break;
		case 'k': a->keep = true; break;
		case 'l': a->net_log = optarg; break;
		case 'P':
			err = peers_parse(&a->peers, optarg, why, sizeof(why));
			if (err)
				cli_err("%s", why);
			break;
		case 'p':
			err = number("max-pause", optarg, 1, 60000, "milliseconds", &a->max_pause_ms);
			break;
		case 't':
			err = number("timeout", optarg, 1, 3600, "seconds", &a->timeout_s);
			break;
		default:
			return -1;
		}
	}
	if (err)
		return -1;
	if (optind != argc) {
		cli_err(SHADOW_USAGE);
		return -1;
	}
	return check_args(a);
}

/* The shadow as JSON: its directory, endpoints and the clone's figures. */
static struct json_object *shadow_json(const struct shadow *s)
{
	struct json_object *o = json_object_new_object();
	char qmp[PATH_MAX + 16];

	snprintf(qmp, sizeof(qmp), "%s/qmp.sock", s->c.dir);
	json_object_object_add(o, "dir", json_object_new_string(s->c.dir));
	json_object_object_add(o, "pid", json_object_new_int(s->pid));
	json_object_object_add(o, "qmp", json_object_new_string(qmp));
	json_object_object_add(o, "pause_ms", json_object_new_double(s->c.pause_ms));
	json_object_object_add(o, "downtime_ms", json_object_new_int64(s->c.downtime_ms));
	json_object_object_add(o, "load_ms", json_object_new_double(s->load_ms));
	json_object_object_add(o, "disks", json_object_new_int(s->c.ndisks));
	json_object_object_add(o, "memory", json_object_new_int64(s->c.mem_bytes));
	if (s->gw.nnets)
		json_object_object_add(o, "network_log", json_object_new_string(s->gw.log));
	return o;
}

static void shadow_text(const struct shadow *s, bool kept)
{
	printf("shadow: running, pid %d, QMP %s/qmp.sock\n", s->pid, s->c.dir);
	printf("  production paused %.1f ms (qemu's downtime %lld ms, bound %d ms)\n",
	       s->c.pause_ms, s->c.downtime_ms, s->c.max_pause_ms);
	printf("  state loaded in %.0f ms; %d disk(s) on overlays; %lld MiB of memory\n",
	       s->load_ms, s->c.ndisks, s->c.mem_bytes >> 20);
	if (s->gw.nnets)
		printf("  %d user network(s) behind the gateway; what the shadow sends: %s\n",
		       s->gw.nnets, s->gw.log);
	if (kept)
		printf("  remove it with: insight shadow --destroy --dir %s\n", s->c.dir);
	fflush(stdout);
}

static void json_print(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

#define SHADOW_EXEC_S 600
#define SHADOW_EXPLORE_S 60	/* insight explore's own default */

struct agent_at {
	char id[128];		/* its chardev: the socket DIR/ID.sock in the shadow */
	char production[PATH_MAX];	/* production's socket, for --watch */
};

/*
 * The guest agent's sockets into @ag (none: ag->id is empty): 0, or -1
 * after a one-line message if --exec or --explore needs the agent.
 */
static int agent_of(pid_t qemu, const struct shadow_args *a, struct agent_at *ag)
{
	bool needed = a->exec || a->record;
	struct qemu_argv argv;
	char *ch, *path = NULL;

	if (cmdline_read(qemu, &argv)) {
		cli_err("cannot read production qemu's command line (pid %d)", (int)qemu);
		return -1;
	}
	ch = cmdline_agent(&argv, &path);
	cmdline_free(&argv);
	if (!needed && !ch)
		return 0;
	if (!ch || (a->watch && !path)) {
		cli_err("--%s needs qemu-guest-agent in the VM: no virtserialport named "
			"org.qemu.guest_agent.0 on a socket chardev%s",
			a->exec ? "exec" : "explore", ch ? " with a path" : "");
		free(ch);
		free(path);
		return -1;
	}
	snprintf(ag->id, sizeof(ag->id), "%s", ch);
	snprintf(ag->production, sizeof(ag->production), "%s", path ?: "");
	free(ch);
	free(path);
	return 0;
}

/* --watch: wait for the failure record in production: 0, or 1 after a message. */
static int watch(const struct shadow_args *a, const struct agent_at *ag)
{
	char why[512];

	if (!a->watch)
		return 0;
	fprintf(stderr, "insight: waiting for %s in production (through %s)\n", a->record,
		ag->production);
	if (agent_wait_file(ag->production, a->record, why, sizeof(why))) {
		cli_err("--watch: %s", why);
		return 1;
	}
	return 0;
}

/* --exec: CMD in the shadow, its output ours; 0 if it exited 0, else 1. */
static int exec_in(const char *sock, const char *cmd)
{
	char why[512];
	int st = agent_exec(sock, cmd, SHADOW_EXEC_S, stdout, stderr, why, sizeof(why));

	if (st < 0) {
		cli_err("--exec in the shadow: %s", why);
		return 1;
	}
	if (st)
		cli_err("--exec in the shadow: the command exited with status %d", st);
	return st ? 1 : 0;
}

/*
 * --explore: insight explore in the shadow, its report on our stdout (or,
 * with --json, parsed into @o's "report"): its exit status, 1 if it
 * could not run.
 */
static int explore_in(const char *sock, const struct shadow_args *a, struct json_object *o)
{
	struct inshadow e = {
		.sock = sock, .record = a->record, .module = a->module, .json = a->json,
		.timeout_s = a->timeout_s ?: SHADOW_EXPLORE_S,
	};
	char why[512], *buf = NULL;
	size_t len = 0;
	FILE *out = a->json ? open_memstream(&buf, &len) : stdout;
	int st;

	if (!out) {
		cli_err("out of memory");
		return 1;
	}
	if (!a->json)
		printf("\nshadow: insight explore --record %s, in the shadow\n\n", a->record);
	fflush(stdout);
	st = inshadow_explore(&e, out, why, sizeof(why));
	if (a->json) {
		fclose(out);
		json_object_object_add(o, "explore_status", json_object_new_int(st < 0 ? 1 : st));
		if (len)
			json_object_object_add(o, "report", json_tokener_parse(buf));
		free(buf);
	}
	if (st < 0)
		cli_err("--explore in the shadow: %s", why);
	return st < 0 ? 1 : st;
}

/*
 * The guard's undo, in its fork, if insight shadow died between the
 * clone's start and the shadow running: the shadow qemu killed (if it
 * was started), production resumed and folded back, DIR removed.
 */
static void undo_in_guard(int fd, void *arg)
{
	struct shadow *s = arg;
	struct qmp q;

	shadow_kill(s->c.dir);
	qmp_attach(&q, fd);
	clone_undo(&q, &s->c);
}

/* The guard's undo while the shadow is used, unless --keep: destroy it. */
static void end_in_guard(int fd, void *arg)
{
	struct shadow *s = arg;
	char why[512];
	struct qmp q;

	qmp_attach(&q, fd);
	shadow_end(&q, s, why, sizeof(why));
}

/* Clone, start the shadow; on failure production is as it was: 0 or 1. */
static int take(struct qmp *q, struct shadow *s)
{
	struct guard g = { 0 };
	char why[512];
	int err = guard_start(&g, q->fd, undo_in_guard, s);

	if (err) {
		cli_err("cannot start the resume guard: %s", strerror(-err));
		clone_remove_dir(s->c.dir);
		return 1;
	}
	err = 1;
	if (clone_take(q, &s->c, why, sizeof(why))) {
		cli_err("clone failed, production resumed: %s", why);
		clone_undo(q, &s->c);
	} else if (shadow_start(s, why, sizeof(why))) {
		cli_err("shadow failed: %s", why);
		clone_undo(q, &s->c);
	} else {
		err = 0;
	}
	guard_release(&g);
	return err;
}

/*
 * The shadow runs: mark it, run --exec and --explore in it, then (with
 * --explore, unless --keep) destroy it.  The exit code.
 */
static int use(struct qmp *q, struct shadow *s, const struct shadow_args *a,
	       const struct agent_at *ag)
{
	bool end = a->record && !a->keep;
	struct json_object *o = a->json ? shadow_json(s) : NULL;
	struct guard g = { 0 };
	char sock[PATH_MAX + 140], why[512];
	int rc = 0;

	if (!a->json)
		shadow_text(s, !end);
	snprintf(sock, sizeof(sock), "%s/%s.sock", s->c.dir, ag->id);
	if (end && guard_start(&g, q->fd, end_in_guard, s))
		g.pid = 0;	/* unguarded: a kill now leaves the shadow to --destroy */
	if (end)
		shadow_test_kill("exploring");
	if (ag->id[0] && inshadow_mark(sock, a->qmp, why, sizeof(why))) {
		/* only what runs through the agent needs the mark */
		cli_err("the shadow's guest agent: %s", why);
		rc = a->exec || a->record;
	}
	if (o && !a->record)
		json_print(o);
	if (!rc && a->exec)
		rc = exec_in(sock, a->exec);
	if (!rc && a->record)
		rc = explore_in(sock, a, o);
	guard_release(&g);
	if (end && shadow_end(q, s, why, sizeof(why))) {
		cli_err("cannot destroy the shadow: %s", why);
		rc = 1;
	} else if (end && !a->json) {
		printf("\nshadow: destroyed; production's disks folded back, %s removed\n",
		       s->c.dir);
	}
	if (o && a->record) {
		json_object_object_add(o, "destroyed", json_object_new_boolean(end));
		json_print(o);
	}
	return rc;
}

/*
 * The gateway's log and peers: --net-log, --peer, and with --explore the
 * peers of the record, read from production (best effort: without them,
 * a replay peer refuses).
 */
static void net_of(const struct shadow_args *a, const struct agent_at *ag, struct shadow *s)
{
	char copy[PATH_MAX + 16], why[512];

	s->gw.peers = a->peers;
	if (a->net_log)
		snprintf(s->gw.log, sizeof(s->gw.log), "%s", a->net_log);
	if (!a->record || !ag->production[0])
		return;
	snprintf(copy, sizeof(copy), "%s/record.json", s->c.dir);
	if (replay_peers(ag->production, a->record, copy, &s->gw.peers, why, sizeof(why)))
		fprintf(stderr, "insight: the record's peers are not known (%s): replay peers "
			"refuse\n", why);
}

static int clone_and_start(const struct shadow_args *a)
{
	struct shadow s = { .production_qmp = a->qmp };
	struct agent_at ag = { .id = "" };
	char why[512], dir[PATH_MAX];
	struct qmp q;
	int rc = 1;

	if (qmp_open(&q, a->qmp, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	s.production_pid = q.peer;
	s.c.max_pause_ms = a->max_pause_ms;
	if (agent_of(q.peer, a, &ag)) {
		qmp_close(&q);
		return EXIT_USAGE;
	}
	if (watch(a, &ag)) {
		qmp_close(&q);
		return 1;
	}
	if (mkdir(a->dir, 0700) || !realpath(a->dir, dir)) {
		cli_err("cannot create the shadow directory %s: %s", a->dir, strerror(errno));
		qmp_close(&q);
		return EXIT_USAGE;
	}
	s.c.dir = dir;
	if (clone_check(&q, &s.c, why, sizeof(why))) {
		cli_err("%s", why);
		rmdir(dir);
		qmp_close(&q);
		return EXIT_USAGE;
	}
	net_of(a, &ag, &s);
	rc = take(&q, &s);
	if (!rc)
		rc = use(&q, &s, a, &ag);
	qmp_close(&q);
	return rc;
}

int cmd_shadow(int argc, char **argv)
{
	struct shadow_args a = { 0 };
	char why[512];

	if (parse(argc, argv, &a))
		return EXIT_USAGE;
	if (!a.destroy)
		return clone_and_start(&a);
	if (shadow_destroy(a.dir, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	return 0;
}
