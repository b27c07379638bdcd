/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow's machine definition: the production qemu's own command
 * line (/proc/PID/cmdline), rewritten so that the shadow has the same
 * machine and devices but its own disks (qcow2 overlays), sockets,
 * serial files and an isolated network, and waits for the clone's state.
 */
#ifndef INSIGHT_CMDLINE_H
#define INSIGHT_CMDLINE_H

#include <stddef.h>
#include <sys/types.h>

#include "netns.h"

/* A writable disk of the production VM and the shadow's overlay for it. */
struct disk_map {
	const char *file;	/* as production opened it */
	const char *shadow;	/* the shadow's file instead */
};

struct qemu_argv {
	char **argv;	/* NULL-terminated */
	int argc;
};

/* Read the command line of process @pid: 0, or -errno. */
int cmdline_read(pid_t pid, struct qemu_argv *out);

/* What the shadow has of its own. */
struct shadow_devices {
	const struct disk_map *disks;
	int ndisks;
	const int *taps;	/* the gateway's tap per user network, or NULL */
	const char *dir;	/* its directory, for its sockets and files */
};

/*
 * The shadow's command line from production's @in: 0, or -1 with the
 * reason in @why (an option the shadow cannot reproduce isolated).
 */
int cmdline_shadow(const struct qemu_argv *in, const struct shadow_devices *dev,
		   struct qemu_argv *out, char *why, size_t whylen);

/*
 * Production's user networks (-netdev user), in order, the first @max
 * into @nets: how many there are, or -1 if one's addresses do not parse.
 */
int cmdline_user_nets(const struct qemu_argv *in, struct user_net *nets, int max);

void cmdline_free(struct qemu_argv *a);

/*
 * The id of the socket chardev behind the VM's guest agent port (a
 * virtserialport named org.qemu.guest_agent.0), malloc'd; NULL if none.
 * In the shadow it is the socket DIR/ID.sock.  If @path is not NULL, it
 * gets production's socket path (malloc'd; NULL if it has none).
 */
char *cmdline_agent(const struct qemu_argv *in, char **path);

#endif /* INSIGHT_CMDLINE_H */
