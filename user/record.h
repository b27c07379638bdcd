/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading failure records (Documentation/record.rst), for insight trace
 * --from and for the explorer.
 */
#ifndef INSIGHT_RECORD_H
#define INSIGHT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define INSIGHT_RECORD_VERSION 1

struct insight_record_item {
	uint64_t seq;
	int nr;			/* syscall number */
	int fd;			/* -1 when none */
	unsigned int fd_kind;	/* an enum insight_fd_kind */
	long long ret;
	uint8_t *data;		/* output data, or an open's path */
	size_t len;
};

struct insight_record {
	int version;
	char trigger[32];
	int pid;		/* the request's process */
	char exe[256];		/* its executable's name, or "" if not known */
	int in_fd;
	unsigned int in_kind;
	uint8_t *input;
	size_t input_len;
	struct insight_record_item *outputs, *env;
	size_t nout, nenv;
};

/*
 * Load @path into @r.  On error, returns -errno and a one-line reason in
 * @why: unreadable, not JSON or truncated, not a failure record, another
 * version.
 */
int insight_record_load(const char *path, struct insight_record *r,
			char *why, size_t whylen);
void insight_record_free(struct insight_record *r);

#endif /* INSIGHT_RECORD_H */
