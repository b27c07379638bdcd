/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A session on a target that stops itself (SIGSTOP) once it has printed
 * what the test needs, so that the session is set up before it goes on.
 */
#ifndef INSIGHT_TEST_SESSION_H
#define INSIGHT_TEST_SESSION_H

#include <stdint.h>

#include "libinsight.h"
#include "target.h"

/*
 * Start @argv, read @nextra more lines of its output into @extra (each
 * @len bytes), wait until it has stopped itself, open a session attached
 * to it and add its first site (if it printed one) under @policy.
 * 0 or -errno; on error nothing is left open but the target.
 */
int stopped_session(struct target *t, char *const argv[], char *extra,
		    int nextra, size_t len, struct insight_nl **h,
		    uint32_t policy);

/* /proc/@pid/stat's state letter, or '?'. */
char proc_state(int pid);
/* A thread of @pid other than its leader, or -errno. */
int proc_other_thread(int pid);
/* "Threads:" of /proc/@pid/status, or -errno. */
int proc_threads(int pid);

#endif /* INSIGHT_TEST_SESSION_H */
