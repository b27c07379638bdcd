/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands run in a VM through qemu-guest-agent (guest-exec), the agent
 * admins already run: insight shadow runs them in the shadow.
 */
#ifndef INSIGHT_AGENT_H
#define INSIGHT_AGENT_H

#include <stddef.h>
#include <stdio.h>

/*
 * Run "/bin/sh -c @cmd" in the VM whose agent listens on @sock, for at
 * most @timeout_s seconds; its output is copied to @out and @err.
 * Returns its exit status (0-255), or -1 with @why.
 */
int agent_exec(const char *sock, const char *cmd, int timeout_s, FILE *out, FILE *err,
	       char *why, size_t whylen);

/* How often agent_wait_file looks. */
#define AGENT_WATCH_MS 200

/*
 * Wait until @path exists in the VM whose agent listens on @sock (its
 * writer renames it into place whole): 0, or -1 with @why.
 */
int agent_wait_file(const char *sock, const char *path, char *why, size_t whylen);

/* Copy the file @path of the VM to @out (guest-file-read): 0, or -1 with @why. */
int agent_fetch(const char *sock, const char *path, FILE *out, char *why, size_t whylen);

#endif /* INSIGHT_AGENT_H */
