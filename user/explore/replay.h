/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the recorded request reaches the target: a new connection to the
 * TCP port it listens on (its siblings sharing that socket stopped, so
 * only the target can accept it), or the fd the record names (stdin).
 * The backend's sandbox then serves the request's bytes to its reads.
 */
#ifndef INSIGHT_EXPLORE_REPLAY_H
#define INSIGHT_EXPLORE_REPLAY_H

#include <stddef.h>
#include <sys/types.h>

#include "record.h"

#define REPLAY_MAX_SIBLINGS 64

struct replay {
	pid_t pid;
	int port;		/* 0: not a socket */
	unsigned long ino;	/* the listening socket's inode */
	pid_t sib[REPLAY_MAX_SIBLINGS];
	int nsib;
	int conn;
};

/*
 * Where the request goes: *in_fd gets the fd the target will read it
 * from.  -errno and a one-line reason in @why.
 */
int replay_prepare(struct replay *rp, pid_t pid, const struct insight_record *rec,
		   int *in_fd, char *why, size_t whylen);
/* Send it: stop the siblings, connect, write the bytes (for epoll). */
int replay_send(struct replay *rp, const struct insight_record *rec, char *why,
		size_t whylen);
/* Close the connection and let the siblings run again. */
void replay_end(struct replay *rp);

#endif /* INSIGHT_EXPLORE_REPLAY_H */
