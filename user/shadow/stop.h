/* SPDX-License-Identifier: GPL-2.0 */
/* Stopping a process of the shadow's (user/shadow/stop.c): its qemu, its gateway. */
#ifndef INSIGHT_STOP_H
#define INSIGHT_STOP_H

#include <sys/types.h>

/* SIGTERM @pid, wait up to @wait_ms for it to go, then SIGKILL it; reaped if ours. */
void stop_process(pid_t pid, int wait_ms);

#endif /* INSIGHT_STOP_H */
