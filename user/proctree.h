/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Processes as /proc shows them: a process's state and parent, and the
 * processes that descend from one now.
 */
#ifndef INSIGHT_PROCTREE_H
#define INSIGHT_PROCTREE_H

#include <sys/types.h>

/* From /proc/@pid/stat: its state in *@state, its parent in *@ppid: 0, or -1. */
int proc_stat(pid_t pid, char *state, pid_t *ppid);
/* The processes that descend from @root now, up to @max into @out: how many. */
int proc_descendants(pid_t root, pid_t *out, int max);

#endif /* INSIGHT_PROCTREE_H */
