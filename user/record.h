/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The failure record (Documentation/record.rst): its in-memory form, and
 * the one reader and the one writer of its file.  insight record builds
 * one and saves it; insight trace --from and the explorer load one.  The
 * format's name, version, keys and base64 coding live in record.c only.
 */
#ifndef INSIGHT_RECORD_H
#define INSIGHT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INSIGHT_RECORD_VERSION 1

/* An output (a write or send) or an environment entry (an open, a
 * connect, a failed call) of the request. */
struct insight_record_item {
	uint64_t seq;		/* the stream's sequence number */
	int nr;			/* syscall number */
	int fd;			/* -1 when none */
	unsigned int fd_kind;	/* an enum insight_fd_kind */
	long long ret;		/* negative: -errno */
	uint8_t *data;		/* output data, or an open's path */
	size_t len;		/* bytes at @data */
	uint64_t moved;		/* an output's bytes moved by the call: more
				 * than @len when the data was cut */
	char peer[32];		/* "a.b.c.d:port" of a socket, or "" */
};

struct insight_record {
	int version;
	/* what was recorded: a process (@target_pid) or a cgroup */
	int target_pid;
	char target_cgroup[4096];
	/* the trigger that fired: "log", "response", "errno", "exit" */
	char trigger[32];
	uint64_t trigger_seq;
	char trigger_detail[256];
	/* the request: one input fd of one process */
	int pid;		/* the request's process */
	char exe[256];		/* its executable's name, or "" if not known */
	int in_fd;		/* -1 when no request was seen */
	unsigned int in_kind;
	char peer[32];
	uint8_t *input;
	size_t input_len;
	bool input_truncated;
	struct insight_record_item *outputs, *env;
	size_t nout, nenv;
	bool outputs_truncated;
	uint64_t dropped_events, dropped_requests;
};

/*
 * Load @path into @r.  On error, returns -errno and a one-line reason in
 * @why: unreadable, not JSON or truncated, not a failure record, another
 * version, a required key missing, bad base64.  What it allocates goes
 * with insight_record_free().
 */
int insight_record_load(const char *path, struct insight_record *r,
			char *why, size_t whylen);
void insight_record_free(struct insight_record *r);

/*
 * Write @r to @path atomically (a temporary file renamed into place);
 * @r->version is not read: the record is written in this insight's
 * version.  An environment entry's data is written as a path only for an
 * open or a failed lookup (stat, access and their *at forms; up to its
 * first NUL).  0 or -errno.  @r is only read: a builder
 * may point it at buffers it owns.
 */
int insight_record_save(const char *path, const struct insight_record *r);
/* The errno named @name ("ECONNREFUSED"), or 0 when none is. */
int insight_errno_named(const char *name);
/* Whether insight_record_save() could create its file for @path: 0 or
 * -errno (checked before recording, not after the failure). */
int insight_record_writable(const char *path);

#endif /* INSIGHT_RECORD_H */
