/* SPDX-License-Identifier: GPL-2.0 */
/*
 * insight record's state, shared by its two files: the recorder proper
 * (cmd_record.c: requests, triggers, the record) and its command line
 * (record_opts.c).
 */
#ifndef INSIGHT_RECORDER_H
#define INSIGHT_RECORDER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <sys/types.h>

#include "record.h"
#include "stream.h"

#define MAX_REQS	64
#define MAX_ITEMS	256	/* outputs, or environment entries, per request */

struct request {
	bool used;
	pid_t pid;
	int fd, fd_kind;
	char peer[32];
	char exe[256];		/* named at its first read: a per-connection child is gone at the end */
	unsigned long long first_seq, last_seq;
	unsigned char *input;
	size_t in_len;
	bool in_truncated;
	struct insight_record_item *out, *env;	/* grown on demand, charged to --max-bytes */
	int nout, nenv, outcap, envcap;
	bool out_truncated, env_truncated;
	size_t bytes;		/* memory it holds, against --max-bytes */
};

struct recorder {
	struct request req[MAX_REQS];
	struct { pid_t tid; int req; } active[MAX_REQS];	/* tid -> request */
	size_t bytes, max_bytes;
	unsigned long dropped_requests;
	regex_t log_re, resp_re;
	bool has_log, has_resp, has_errno, has_exit;
	int errno_nr, errno_val, exit_status;	/* exit: wait status */
	/* what fired */
	const char *kind;
	char detail[256];
	unsigned long long trigger_seq;
	int fired_req;
	bool fired;		/* a trigger fired: its request is being finished */
	bool done;		/* the record can be written */
	struct timespec fired_at;
	double settle;		/* after a trigger, seconds its request may go on */
};

/* The command line, besides the triggers (kept in the recorder). */
struct record_opts {
	pid_t pid;
	const char *cgroup, *out;
	double duration;
	struct insight_stream_opts so;
};

/* The options into @r and @o: 0, or -1 (after the reason) for a usage error. */
int record_parse_opts(int argc, char **argv, struct recorder *r, struct record_opts *o);
/* What can be checked before anything is loaded: 0, or -1 after the reason. */
int record_check_opts(const struct recorder *r, struct record_opts *o);

#endif /* INSIGHT_RECORDER_H */
