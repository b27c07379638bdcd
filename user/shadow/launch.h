/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow VM's life (user/shadow/launch.c): started from a clone's
 * state in its directory, described there (shadow.json), destroyed with
 * everything it used, production's disks folded back.
 */
#ifndef INSIGHT_LAUNCH_H
#define INSIGHT_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

#include "clone.h"
#include "gateway.h"
#include "qmp.h"

struct shadow {
	const char *production_qmp;
	pid_t production_pid;
	pid_t pid;		/* the shadow's qemu */
	double load_ms;		/* the state loaded into the shadow */
	struct clone c;
	struct gateway gw;	/* its user networks' gateway (gw.log, gw.peers: set) */
};

/*
 * Start the shadow qemu for @s (its machine from production's command
 * line), its user networks behind a gateway, describe it in
 * DIR/shadow.json and load the clone's state into it; it runs when this
 * returns: 0, or -1 with @why (the shadow and gateway, if started, killed).
 */
int shadow_start(struct shadow *s, char *why, size_t whylen);

/* Kill the shadow qemu and gateway that @dir's shadow.json names, if ours. */
void shadow_kill(const char *dir);

/*
 * End shadow @s on production's QMP connection @q: its qemu and gateway
 * killed, production's disks folded back, its directory removed: 0 or -1
 * with @why.
 */
int shadow_end(struct qmp *q, struct shadow *s, char *why, size_t whylen);

/*
 * Destroy the shadow described in @dir: its qemu killed, production's
 * disks folded back, the directory removed: 0 or -1 with @why.
 */
int shadow_destroy(const char *dir, char *why, size_t whylen);

#endif /* INSIGHT_LAUNCH_H */
