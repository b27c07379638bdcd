/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cloning a running VM (user/shadow/clone.c): its RAM and device state
 * by a pre-copy migration into a file, its disks by qcow2 overlays taken
 * in the same pause; production is paused for the stop-and-copy only.
 */
#ifndef INSIGHT_CLONE_H
#define INSIGHT_CLONE_H

#include <stddef.h>

#include "qmp.h"

#define CLONE_MAX_DISKS 8

struct clone_disk {
	char device[64];
	char base[512];		/* the image both overlays are backed by */
	char prod[512];		/* production's overlay, written from the clone on */
	char shadow[512];	/* the shadow's overlay */
	long long size;
};

struct clone {
	const char *dir;
	int max_pause_ms;
	/* results */
	double pause_ms;	/* STOP to RESUME, as the QMP events came */
	long long downtime_ms;	/* qemu's own figure */
	long long mem_bytes;
	struct clone_disk disks[CLONE_MAX_DISKS];
	int ndisks;
};

/*
 * Check the VM can be cloned (running, disks qcow2, host memory), without
 * touching it: 0, or -1 with the reason in @why.
 */
int clone_check(struct qmp *q, struct clone *c, char *why, size_t whylen);

/*
 * Take the clone into c->dir (state, overlays); production is running
 * again when this returns, whatever happened: 0, or -1 with @why.
 */
int clone_take(struct qmp *q, struct clone *c, char *why, size_t whylen);

/*
 * Fold production's overlays that exist in c->dir back into their bases
 * (live block-commit, production running), then remove them: 0 or -1.
 */
int clone_fold(struct qmp *q, struct clone *c, char *why, size_t whylen);

/* A clone that will not be used: production resumed, folded, c->dir removed. */
void clone_undo(struct qmp *q, struct clone *c);

/* Tests only: SIGKILL ourselves at @step if INSIGHT_SHADOW_TEST_KILL names it. */
void shadow_test_kill(const char *step);

/* Remove the directory @dir and the files in it. */
void clone_remove_dir(const char *dir);

#endif /* INSIGHT_CLONE_H */
