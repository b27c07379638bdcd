// SPDX-License-Identifier: GPL-2.0
/*
 * What insight shadow does through the guest agents (cmd_shadow.h):
 * production's, to wait for the failure record and read its peers; the
 * shadow's, to run --exec and insight explore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_shadow.h"
#include "shadow/agent.h"
#include "shadow/cmdline.h"
#include "shadow/inshadow.h"
#include "shadow/replay.h"

#define SHADOW_EXEC_S 600
#define SHADOW_EXPLORE_S 60	/* insight explore's own default */

/*
 * The guest agent's sockets into @ag (none: ag->id is empty): 0, or -1
 * after a one-line message if --exec or --explore needs the agent.
 */
int shadow_agent_of(pid_t qemu, const struct shadow_args *a, struct agent_at *ag)
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
int shadow_watch(const struct shadow_args *a, const struct agent_at *ag)
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
int shadow_exec(const char *sock, const char *cmd)
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
int shadow_explore(const char *sock, const struct shadow_args *a, struct json_object *o)
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
 * The gateway's log and peers: --net-log, --peer, and with --explore the
 * peers of the record, read from production (best effort: without them,
 * a replay peer refuses).
 */
void shadow_net_of(const struct shadow_args *a, const struct agent_at *ag, struct shadow *s)
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

