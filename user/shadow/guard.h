/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The resume guard: a child process that holds the production VM's QMP
 * connection while a clone is taken; if insight shadow dies before it
 * says the clone is over (SIGKILL included), the guard undoes the clone
 * (user/shadow/clone.c: migration cancelled, VM resumed, disks folded).
 */
#ifndef INSIGHT_GUARD_H
#define INSIGHT_GUARD_H

#include <sys/types.h>

struct guard {
	pid_t pid;
	int pipe;	/* our end: closed without a byte, the guard acts */
};

/*
 * Start the guard on the connection @qmp_fd: if insight shadow dies
 * unreleased, the guard calls @undo(@qmp_fd, @arg) (as it was at this
 * call: the guard is a fork).  0, or -errno.
 */
int guard_start(struct guard *g, int qmp_fd, void (*undo)(int fd, void *arg), void *arg);

/* The clone is over (production running): the guard exits quietly. */
void guard_release(struct guard *g);

#endif /* INSIGHT_GUARD_H */
