// SPDX-License-Identifier: GPL-2.0
/*
 * insight shadow: on the VM host, clone the production VM whose qemu
 * answers QMP on a unix socket, while it keeps running (a pause of the
 * stop-and-copy only, bounded), and start the clone as a shadow VM with
 * its own disks, sockets and an isolated network; --destroy removes a
 * shadow and folds production's overlays back (Documentation/shadow.rst).
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
#include "shadow/launch.h"
#include "shadow/qmp.h"

const struct option shadow_options[] = {
	{ "qmp", required_argument, NULL, 'q' },
	{ "dir", required_argument, NULL, 'd' },
	{ "max-pause", required_argument, NULL, 'p' },
	{ "destroy", no_argument, NULL, 'D' },
	{ "json", no_argument, NULL, 'j' },
	{ "exec", required_argument, NULL, 'e' },
	{ NULL, 0, NULL, 0 }
};

struct shadow_args {
	const char *qmp, *dir, *exec;
	int max_pause_ms;
	bool destroy, json;
};

static int parse(int argc, char **argv, struct shadow_args *a)
{
	char *end;
	long v;
	int c;

	a->max_pause_ms = 500;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", shadow_options, NULL)) != -1) {
		switch (c) {
		case 'q': a->qmp = optarg; break;
		case 'd': a->dir = optarg; break;
		case 'D': a->destroy = true; break;
		case 'j': a->json = true; break;
		case 'e': a->exec = optarg; break;
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 60000) {
				cli_err("--max-pause takes milliseconds, 1 to 60000");
				return -1;
			}
			a->max_pause_ms = v;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || !a->dir || (!a->destroy && !a->qmp) ||
	    (a->destroy && (a->qmp || a->exec))) {
		cli_err("usage: insight shadow --qmp SOCKET --dir DIR [--max-pause MS] [--exec CMD] [--json] | "
			"--destroy --dir DIR");
		return -1;
	}
	return 0;
}

static void report(const struct shadow *s, bool json)
{
	struct json_object *o;
	char qmp[PATH_MAX + 16];

	snprintf(qmp, sizeof(qmp), "%s/qmp.sock", s->c.dir);
	if (!json) {
		printf("shadow: running, pid %d, QMP %s\n", s->pid, qmp);
		printf("  production paused %.1f ms (qemu's downtime %lld ms, bound %d ms)\n",
		       s->c.pause_ms, s->c.downtime_ms, s->c.max_pause_ms);
		printf("  state loaded in %.0f ms; %d disk(s) on overlays; %lld MiB of memory\n",
		       s->load_ms, s->c.ndisks, s->c.mem_bytes >> 20);
		printf("  remove it with: insight shadow --destroy --dir %s\n", s->c.dir);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "dir", json_object_new_string(s->c.dir));
	json_object_object_add(o, "pid", json_object_new_int(s->pid));
	json_object_object_add(o, "qmp", json_object_new_string(qmp));
	json_object_object_add(o, "pause_ms", json_object_new_double(s->c.pause_ms));
	json_object_object_add(o, "downtime_ms", json_object_new_int64(s->c.downtime_ms));
	json_object_object_add(o, "load_ms", json_object_new_double(s->load_ms));
	json_object_object_add(o, "disks", json_object_new_int(s->c.ndisks));
	json_object_object_add(o, "memory", json_object_new_int64(s->c.mem_bytes));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

#define SHADOW_EXEC_S 600

/*
 * With --exec, the guest agent's chardev (its socket in the shadow will be
 * DIR/ID.sock) into @id: 0, or -1 after a one-line message.
 */
static int agent_of(pid_t qemu, const struct shadow_args *a, char *id, size_t len)
{
	struct qemu_argv argv;
	char *ch;

	if (!a->exec)
		return 0;
	if (cmdline_read(qemu, &argv)) {
		cli_err("cannot read production qemu's command line (pid %d)", (int)qemu);
		return -1;
	}
	ch = cmdline_agent(&argv);
	cmdline_free(&argv);
	if (!ch) {
		cli_err("--exec needs qemu-guest-agent in the VM: no virtserialport named "
			"org.qemu.guest_agent.0 on a socket chardev");
		return -1;
	}
	snprintf(id, len, "%s", ch);
	free(ch);
	return 0;
}

/* --exec: CMD in the shadow, its output ours; 0 if it exited 0, else 1. */
static int exec_in(const struct shadow *s, const char *agent, const char *cmd)
{
	char sock[PATH_MAX + 80], why[512];
	int st;

	snprintf(sock, sizeof(sock), "%s/%s.sock", s->c.dir, agent);
	st = agent_exec(sock, cmd, SHADOW_EXEC_S, why, sizeof(why));
	if (st < 0) {
		cli_err("--exec in the shadow: %s", why);
		return 1;
	}
	if (st)
		cli_err("--exec in the shadow: the command exited with status %d", st);
	return st ? 1 : 0;
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

static int clone_and_start(const struct shadow_args *a)
{
	struct shadow s = { .production_qmp = a->qmp };
	char why[512], dir[PATH_MAX], agent[128];
	struct qmp q;
	int rc = 1;

	if (qmp_open(&q, a->qmp, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	s.production_pid = q.peer;
	s.c.max_pause_ms = a->max_pause_ms;
	if (agent_of(q.peer, a, agent, sizeof(agent))) {
		qmp_close(&q);
		return EXIT_USAGE;
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
	rc = take(&q, &s);
	if (!rc) {
		report(&s, a->json);
		rc = a->exec ? exec_in(&s, agent, a->exec) : 0;
	}
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
