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
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "cli.h"
#include "cmd_shadow.h"
#include "shadow/clone.h"
#include "shadow/guard.h"
#include "shadow/inshadow.h"
#include "shadow/launch.h"
#include "shadow/netlog.h"
#include "shadow/qmp.h"

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
 * Before the shadow is destroyed: what it sent on its networks, by peer
 * (text, or @o's "network"), from the gateway's log.
 */
static void net_summary(const struct shadow *s, struct json_object *o)
{
	struct netlog_sum sum[NETLOG_SUM_MAX];
	struct json_object *arr;
	int i, n;

	if (!s->gw.nnets)
		return;
	n = netlog_summary(s->gw.log, sum, NETLOG_SUM_MAX);
	if (!o) {
		printf("\nshadow: what it sent on its network, by peer (every byte: %s)\n", s->gw.log);
		if (n <= 0)
			printf("  nothing\n");
	}
	arr = o ? json_object_new_array() : NULL;
	for (i = 0; i < n; i++) {
		const struct netlog_sum *e = &sum[i];
		bool reached = !strcmp(e->policy, "forward");

		if (arr) {
			struct json_object *p = json_object_new_object();

			json_object_object_add(p, "proto", json_object_new_string(e->proto));
			json_object_object_add(p, "peer", json_object_new_string(e->peer));
			json_object_object_add(p, "policy", json_object_new_string(e->policy));
			json_object_object_add(p, "packets", json_object_new_int64(e->packets));
			json_object_object_add(p, "bytes", json_object_new_int64(e->bytes));
			json_object_object_add(p, "connection_attempts", json_object_new_int64(e->syns));
			json_object_array_add(arr, p);
			continue;
		}
		printf("  %-4s %-21s %-7s %ld connection attempt(s), %ld byte(s): %s\n", e->proto,
		       e->peer, e->policy, e->syns, e->bytes,
		       reached ? "relayed to the peer" : "none reached the peer");
	}
	if (arr)
		json_object_object_add(o, "network", arr);
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
		rc = shadow_exec(sock, a->exec);
	if (!rc && a->record)
		rc = shadow_explore(sock, a, o);
	guard_release(&g);
	if (end)
		net_summary(s, o);
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
	if (shadow_agent_of(q.peer, a, &ag)) {
		qmp_close(&q);
		return EXIT_USAGE;
	}
	if (shadow_watch(a, &ag)) {
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
	shadow_net_of(a, &ag, &s);
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

	if (shadow_parse(argc, argv, &a))
		return EXIT_USAGE;
	if (!a.destroy)
		return clone_and_start(&a);
	if (shadow_destroy(a.dir, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	return 0;
}
