/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A QMP client (qemu's machine protocol, JSON over a unix socket, parsed
 * with json-c): connect, negotiate, run commands, wait for events; the
 * same for qemu's guest agent, which speaks the protocol without a greeting.
 */
#ifndef INSIGHT_QMP_H
#define INSIGHT_QMP_H

#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

struct qmp {
	int fd;
	pid_t peer;		/* qemu's pid (SO_PEERCRED) */
	char buf[65536];
	size_t len;
	long next_id;		/* commands carry ids; replies are matched by them */
	/* the last STOP and RESUME events' arrival, CLOCK_MONOTONIC ms */
	double stop_ms, resume_ms;
	char migration[32];	/* the last MIGRATION event's status */
	char job[32];		/* the last block job event (BLOCK_JOB_READY, ...) */
};

/*
 * Connect to the QMP server at @path and leave it in command mode.
 * 0, or -1 with a one-line reason in @why (no such socket, not qemu).
 */
int qmp_open(struct qmp *q, const char *path, char *why, size_t whylen);
void qmp_close(struct qmp *q);

/* Connect to a qemu guest agent's socket (same protocol, no greeting). */
int qmp_open_agent(struct qmp *q, const char *path, char *why, size_t whylen);

/*
 * Run @cmd (its arguments @args, taken; may be NULL).  Returns its
 * "return" value (put it with json_object_put), or NULL with qemu's
 * error description (or the transport's) in @why.
 */
struct json_object *qmp_exec(struct qmp *q, const char *cmd, struct json_object *args,
			     char *why, size_t whylen);

/* qmp_exec for commands whose return value is not needed: 0 or -1. */
int qmp_run(struct qmp *q, const char *cmd, struct json_object *args, char *why, size_t whylen);

/*
 * A client on an open connection @fd (the resume guard's, on the fd it
 * shares with insight shadow): replies to commands not its own are skipped.
 */
void qmp_attach(struct qmp *q, int fd);

/* Read events for up to @ms milliseconds (qmp.stop_ms and the rest). */
void qmp_poll_events(struct qmp *q, int ms);

/* The string member @key of object @o, or NULL. */
const char *qmp_str(struct json_object *o, const char *key);

/*
 * query-migrate's status into @st ("none" before any migration): 0, or
 * -1 with @why.
 */
int qmp_migration_status(struct qmp *q, char *st, size_t len, char *why, size_t whylen);

double qmp_now_ms(void);

#endif /* INSIGHT_QMP_H */
