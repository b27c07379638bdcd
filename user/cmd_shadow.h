/* SPDX-License-Identifier: GPL-2.0 */
/*
 * insight shadow's parts (user/cmd_shadow.c): its options
 * (cmd_shadow_args.c) and what it does through the guest agents
 * (cmd_shadow_agent.c).
 */
#ifndef INSIGHT_CMD_SHADOW_H
#define INSIGHT_CMD_SHADOW_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "shadow/launch.h"
#include "shadow/peers.h"

struct shadow_args {
	const char *qmp, *dir, *exec;
	const char *record, *module;	/* --explore RECORD [--module KO] */
	const char *net_log;
	struct peers peers;		/* --peer ADDR:PORT=POLICY... */
	int max_pause_ms, timeout_s;
	bool destroy, json, watch, keep;
};

struct agent_at {
	char id[128];		/* its chardev: the socket DIR/ID.sock in the shadow */
	char production[PATH_MAX];	/* production's socket, for --watch */
};

/* The options into @a: 0, or -1 after a message. */
int shadow_parse(int argc, char **argv, struct shadow_args *a);

/*
 * The guest agent's sockets into @ag (none: ag->id is empty): 0, or -1
 * after a one-line message if --exec or --explore needs the agent.
 */
int shadow_agent_of(pid_t qemu, const struct shadow_args *a, struct agent_at *ag);

/* --watch: wait for the failure record in production: 0, or 1 after a message. */
int shadow_watch(const struct shadow_args *a, const struct agent_at *ag);

/* --exec: CMD in the shadow, its output ours; 0 if it exited 0, else 1. */
int shadow_exec(const char *sock, const char *cmd);

/*
 * --explore: insight explore in the shadow, its report on our stdout (or,
 * with --json, parsed into @o's "report"): its exit status, 1 if it
 * could not run.
 */
int shadow_explore(const char *sock, const struct shadow_args *a, struct json_object *o);

/*
 * The gateway's log and peers: --net-log, --peer, and with --explore the
 * peers of the record, read from production (best effort: without them,
 * a replay peer refuses).
 */
void shadow_net_of(const struct shadow_args *a, const struct agent_at *ag, struct shadow *s);

#endif /* INSIGHT_CMD_SHADOW_H */
