// SPDX-License-Identifier: GPL-2.0
/* Stopping a process of the shadow's (stop.h). */
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include "stop.h"

#define STOP_STEP_MS 20

void stop_process(pid_t pid, int wait_ms)
{
	int i;

	kill(pid, SIGTERM);
	for (i = 0; i < wait_ms / STOP_STEP_MS && !kill(pid, 0); i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(STOP_STEP_MS * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);	/* at once if it is not ours */
}
