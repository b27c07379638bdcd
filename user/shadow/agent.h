/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands run in a VM through qemu-guest-agent (guest-exec), the agent
 * admins already run: insight shadow runs them in the shadow.
 */
#ifndef INSIGHT_AGENT_H
#define INSIGHT_AGENT_H

#include <stddef.h>

/*
 * Run "/bin/sh -c @cmd" in the VM whose agent listens on @sock, for at
 * most @timeout_s seconds; its output is copied to our stdout and stderr.
 * Returns its exit status (0-255), or -1 with @why.
 */
int agent_exec(const char *sock, const char *cmd, int timeout_s, char *why, size_t whylen);

#endif /* INSIGHT_AGENT_H */
