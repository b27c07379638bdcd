// SPDX-License-Identifier: GPL-2.0
/*
 * The clone (clone.h), with qemu 7.2's QMP:
 *  1. migrate to "exec:cat > DIR/state" with pause-before-switchover: RAM
 *     is copied while production runs; qemu then stops the VM and waits;
 *  2. in that pause, blockdev-snapshot-sync puts each writable disk under
 *     a new overlay: production writes there from now on, and the image
 *     below (the base) stays as it was at the stop, for the shadow too;
 *  3. migrate-continue: the last dirty pages and the device state go to
 *     the file; then cont.
 * The pause (STOP to RESUME) is bounded: past c->max_pause_ms the
 * migration is cancelled and production resumed.  The resume guard
 * (guard.c, started by user/cmd_shadow.c) covers insight shadow's own
 * death.  INSIGHT_SHADOW_TEST_KILL=STEP (tests only) kills insight shadow
 * at STEP: migrating, paused, snapshot, completed, starting.  (qemu's
 * background-snapshot is not used: Documentation/shadow.rst says why.)
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clone.h"

#define CLONE_PRECOPY_MS 120000
#define CLONE_MEM_MARGIN (256LL << 20)
#define CLONE_JOB_MS 120000

void shadow_test_kill(const char *step)
{
	const char *at = getenv("INSIGHT_SHADOW_TEST_KILL");

	if (at && !strcmp(at, step))
		raise(SIGKILL);
}

static long long mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/*
 * Is @file production's overlay of a shadow that still exists?  One shadow
 * of a VM at a time: a second would stack its overlay on the first's, and
 * the first one's destroy would fold both.
 */
static int has_shadow(const char *file, char *why, size_t whylen)
{
	const char *slash = strrchr(file, '/');
	char json[600];

	if (!slash || strncmp(slash + 1, "production-", 11))
		return 0;
	snprintf(json, sizeof(json), "%.*s/shadow.json", (int)(slash - file), file);
	if (access(json, F_OK))
		return 0;
	snprintf(why, whylen, "the VM has a shadow already (%.*s): destroy it first",
		 (int)(slash - file), file);
	return 1;
}

static int check_disk(struct clone *c, struct json_object *dev, char *why, size_t whylen)
{
	struct json_object *ins, *ro, *image, *vs;
	const char *name = qmp_str(dev, "device"), *drv, *file;
	struct clone_disk *d;

	if (!json_object_object_get_ex(dev, "inserted", &ins))
		return 0;
	if (json_object_object_get_ex(ins, "ro", &ro) && json_object_get_boolean(ro))
		return 0;
	drv = qmp_str(ins, "drv");
	file = qmp_str(ins, "file");
	if (!name || !*name || !drv || !file) {
		snprintf(why, whylen, "a writable disk without a device name (use -drive with if= or id=)");
		return -1;
	}
	if (strcmp(drv, "qcow2")) {
		snprintf(why, whylen, "disk %s (%s) is %s, not qcow2: the clone needs qcow2 overlays",
			 name, file, drv);
		return -1;
	}
	if (c->ndisks == CLONE_MAX_DISKS) {
		snprintf(why, whylen, "more than %d writable disks", CLONE_MAX_DISKS);
		return -1;
	}
	if (has_shadow(file, why, whylen))
		return -1;
	d = &c->disks[c->ndisks++];
	snprintf(d->device, sizeof(d->device), "%s", name);
	snprintf(d->base, sizeof(d->base), "%s", file);
	snprintf(d->prod, sizeof(d->prod), "%s/production-%s.qcow2", c->dir, name);
	snprintf(d->shadow, sizeof(d->shadow), "%s/shadow-%s.qcow2", c->dir, name);
	if (json_object_object_get_ex(ins, "image", &image) &&
	    json_object_object_get_ex(image, "virtual-size", &vs))
		d->size = json_object_get_int64(vs);
	return 0;
}

/*
 * The VM's run state (query-status) into @st: 1 if it is "running", 0 if
 * not, -1 with @why if qemu does not answer.
 */
static int vm_running(struct qmp *q, char *st, size_t len, char *why, size_t whylen)
{
	struct json_object *r = qmp_exec(q, "query-status", NULL, why, whylen);

	if (!r)
		return -1;
	snprintf(st, len, "%s", qmp_str(r, "status") ?: "?");
	json_object_put(r);
	return !strcmp(st, "running");
}

int clone_check(struct qmp *q, struct clone *c, char *why, size_t whylen)
{
	struct json_object *blk, *mem, *v;
	long long avail;
	char st[32];
	size_t i;
	int err = 0, running = vm_running(q, st, sizeof(st), why, whylen);

	if (running < 0)
		return -1;
	if (!running) {
		snprintf(why, whylen, "the VM is not running (status %s)", st);
		return -1;
	}
	mem = qmp_exec(q, "query-memory-size-summary", NULL, why, whylen);
	if (!mem)
		return -1;
	c->mem_bytes = json_object_object_get_ex(mem, "base-memory", &v) ? json_object_get_int64(v) : 0;
	json_object_put(mem);
	avail = mem_available();
	if (avail >= 0 && avail < c->mem_bytes + CLONE_MEM_MARGIN) {
		snprintf(why, whylen, "not enough host memory for a shadow: %lld MiB available, %lld MiB needed",
			 avail >> 20, (c->mem_bytes + CLONE_MEM_MARGIN) >> 20);
		return -1;
	}
	blk = qmp_exec(q, "query-block", NULL, why, whylen);
	if (!blk)
		return -1;
	c->ndisks = 0;
	for (i = 0; !err && i < json_object_array_length(blk); i++)
		err = check_disk(c, json_object_array_get_idx(blk, i), why, whylen);
	json_object_put(blk);
	return err;
}

static struct json_object *cap(const char *name, int on)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "capability", json_object_new_string(name));
	json_object_object_add(o, "state", json_object_new_boolean(on));
	return o;
}

static int setup(struct qmp *q, struct clone *c, char *why, size_t whylen)
{
	struct json_object *caps = json_object_new_array(), *a = json_object_new_object();
	struct json_object *p = json_object_new_object();

	json_object_array_add(caps, cap("pause-before-switchover", 1));
	json_object_array_add(caps, cap("events", 1));
	json_object_object_add(a, "capabilities", caps);
	if (qmp_run(q, "migrate-set-capabilities", a, why, whylen)) {
		json_object_put(p);
		return -1;
	}
	/* qemu stops the VM when what is left would take this long to copy */
	json_object_object_add(p, "downtime-limit", json_object_new_int64(c->max_pause_ms / 4 ?: 1));
	json_object_object_add(p, "max-bandwidth", json_object_new_int64(8LL << 30));
	return qmp_run(q, "migrate-set-parameters", p, why, whylen);
}

/* The migration's status, waiting for one of @until (NULL-terminated list). */
static const char *wait_migration(struct qmp *q, const char *const *until, double deadline,
				  char *why, size_t whylen)
{
	static char status[32];

	for (;;) {
		const char *const *u;

		if (qmp_migration_status(q, status, sizeof(status), why, whylen))
			return NULL;
		for (u = until; *u; u++)
			if (!strcmp(status, *u))
				return status;
		if (!strcmp(status, "failed") || !strcmp(status, "cancelled") || !strcmp(status, "none")) {
			snprintf(why, whylen, "the migration %s", status);
			return NULL;
		}
		if (qmp_now_ms() > deadline) {
			snprintf(why, whylen, "the migration did not reach %s in time (status %s)",
				 until[0], status);
			return NULL;
		}
		qmp_poll_events(q, 5);
	}
}

/* Are the disks' active images still those clone_check saw (no other clone meanwhile)? */
static int same_disks(struct qmp *q, struct clone *c, char *why, size_t whylen)
{
	struct json_object *blk = qmp_exec(q, "query-block", NULL, why, whylen), *ins;
	size_t i;
	int j, same = !!blk;

	for (i = 0; blk && i < json_object_array_length(blk); i++) {
		struct json_object *dev = json_object_array_get_idx(blk, i);
		const char *name = qmp_str(dev, "device") ?: "";

		for (j = 0; j < c->ndisks; j++)
			if (!strcmp(name, c->disks[j].device) &&
			    json_object_object_get_ex(dev, "inserted", &ins) &&
			    strcmp(qmp_str(ins, "file") ?: "", c->disks[j].base))
				same = 0;
	}
	json_object_put(blk);
	if (blk && !same)
		snprintf(why, whylen, "another clone of this VM changed its disks meanwhile");
	return same ? 0 : -1;
}

static int snapshot(struct qmp *q, struct clone *c, char *why, size_t whylen)
{
	int i;

	if (same_disks(q, c, why, whylen))
		return -1;

	for (i = 0; i < c->ndisks; i++) {
		struct json_object *a = json_object_new_object();

		json_object_object_add(a, "device", json_object_new_string(c->disks[i].device));
		json_object_object_add(a, "snapshot-file", json_object_new_string(c->disks[i].prod));
		json_object_object_add(a, "format", json_object_new_string("qcow2"));
		if (qmp_run(q, "blockdev-snapshot-sync", a, why, whylen))
			return -1;
	}
	return 0;
}

/* Has the migration ended (so that the disks are production's again)? */
static int migration_over(struct qmp *q)
{
	static const char *const over[] = { "none", "completed", "cancelled", "failed", NULL };
	char why[256], st[32];
	const char *const *o;
	int done = 0;

	/* no answer: nothing more to wait for on this connection */
	if (qmp_migration_status(q, st, sizeof(st), why, sizeof(why)))
		return 1;
	for (o = over; *o; o++)
		done |= !strcmp(st, *o);
	return done;
}

/*
 * Production running, and the migration over: 0, or -1 with @why.  Not
 * cont alone: qemu leaves finish-migrate a moment after "completed".
 * A qemu that does not answer is given up on at once (each try would wait
 * for QMP's reply timeout).
 */
static int run_again(struct qmp *q, char *why, size_t whylen)
{
	char st[32];
	int i, running = 0;

	for (i = 0; i < 250; i++) {
		running = vm_running(q, st, sizeof(st), why, whylen);
		if (running < 0)
			return -1;
		if (!running)
			qmp_run(q, "cont", NULL, why, whylen);
		else if (migration_over(q))
			return 0;
		qmp_poll_events(q, 20);
	}
	snprintf(why, whylen, "production does not run again (status %s)", st);
	return -1;
}

/*
 * Production running again, whatever state the migration is in, and the
 * migration over.  qemu 7.2 restarts a VM whose migration was cancelled
 * after the disks were inactivated without reactivating them (its writes
 * would fail, a block-commit finds the node read-only); cont reactivates
 * every disk, and only a stopped VM takes it: so stop and cont once more
 * (a few ms, on this error path only).
 */
static void resume(struct qmp *q)
{
	char why[256];

	qmp_run(q, "migrate_cancel", NULL, why, sizeof(why));
	if (run_again(q, why, sizeof(why)))
		return;
	qmp_run(q, "stop", NULL, why, sizeof(why));
	qmp_run(q, "cont", NULL, why, sizeof(why));
	run_again(q, why, sizeof(why));
}

static int migrate(struct qmp *q, struct clone *c, char *why, size_t whylen)
{
	static const char *const paused[] = { "pre-switchover", NULL };
	static const char *const done[] = { "completed", NULL };
	struct json_object *a = json_object_new_object();
	char uri[600];
	double bound;

	snprintf(uri, sizeof(uri), "exec:cat > '%s/state'", c->dir);
	json_object_object_add(a, "uri", json_object_new_string(uri));
	if (qmp_run(q, "migrate", a, why, whylen))
		return -1;
	shadow_test_kill("migrating");
	if (!wait_migration(q, paused, qmp_now_ms() + CLONE_PRECOPY_MS, why, whylen))
		return -1;
	if (!q->stop_ms)
		q->stop_ms = qmp_now_ms();
	bound = q->stop_ms + c->max_pause_ms;
	shadow_test_kill("paused");
	if (snapshot(q, c, why, whylen))
		return -1;
	shadow_test_kill("snapshot");
	a = json_object_new_object();
	json_object_object_add(a, "state", json_object_new_string("pre-switchover"));
	if (qmp_run(q, "migrate-continue", a, why, whylen))
		return -1;
	if (!wait_migration(q, done, bound, why, whylen)) {
		if (qmp_now_ms() > bound)
			snprintf(why, whylen, "the stop-and-copy passed the pause bound (%d ms)",
				 c->max_pause_ms);
		return -1;
	}
	shadow_test_kill("completed");
	return run_again(q, why, whylen);
}

/* Wait until the block job @id is ready (@ready) or gone (!@ready). */
static int wait_job(struct qmp *q, const char *id, int ready, char *why, size_t whylen)
{
	double t0 = qmp_now_ms();

	while (qmp_now_ms() - t0 < CLONE_JOB_MS) {
		struct json_object *jobs = qmp_exec(q, "query-block-jobs", NULL, why, whylen), *v;
		int found = 0, is_ready = 0;
		size_t i;

		if (!jobs)
			return -1;
		for (i = 0; i < json_object_array_length(jobs); i++) {
			struct json_object *j = json_object_array_get_idx(jobs, i);

			if (json_object_object_get_ex(j, "device", &v) &&
			    !strcmp(json_object_get_string(v), id)) {
				found = 1;
				is_ready = json_object_object_get_ex(j, "ready", &v) &&
					   json_object_get_boolean(v);
			}
		}
		json_object_put(jobs);
		if (ready ? is_ready : !found)
			return 0;
		if (ready && !found) {
			snprintf(why, whylen, "block job %s ended before it was ready", id);
			return -1;
		}
		qmp_poll_events(q, 20);
	}
	snprintf(why, whylen, "block job %s did not finish in time", id);
	return -1;
}

int clone_fold(struct qmp *q, struct clone *c, char *why, size_t whylen)
{
	int i;

	for (i = 0; i < c->ndisks; i++) {
		struct clone_disk *d = &c->disks[i];
		struct json_object *a;
		char id[96];

		if (access(d->prod, F_OK))
			continue;
		a = json_object_new_object();
		snprintf(id, sizeof(id), "insight-fold-%s", d->device);
		json_object_object_add(a, "job-id", json_object_new_string(id));
		json_object_object_add(a, "device", json_object_new_string(d->device));
		json_object_object_add(a, "base", json_object_new_string(d->base));
		if (qmp_run(q, "block-commit", a, why, whylen) || wait_job(q, id, 1, why, whylen))
			return -1;
		a = json_object_new_object();
		json_object_object_add(a, "id", json_object_new_string(id));
		if (qmp_run(q, "job-complete", a, why, whylen) || wait_job(q, id, 0, why, whylen))
			return -1;
		unlink(d->prod);
	}
	return 0;
}

void clone_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

void clone_undo(struct qmp *q, struct clone *c)
{
	char why[256];

	resume(q);
	if (clone_fold(q, c, why, sizeof(why)))
		fprintf(stderr, "insight: production's overlays stay in %s (%s)\n", c->dir, why);
	else
		clone_remove_dir(c->dir);
}

int clone_take(struct qmp *q, struct clone *c, char *why, size_t whylen)
{
	struct json_object *r, *v;
	int err;

	if (strchr(c->dir, '\'')) {
		snprintf(why, whylen, "the shadow directory's path holds a quote");
		return -1;
	}
	if (setup(q, c, why, whylen))
		return -1;
	q->stop_ms = q->resume_ms = 0;
	err = migrate(q, c, why, whylen);
	if (err)
		resume(q);
	/* the RESUME event may come after cont's answer */
	while (!q->resume_ms && q->stop_ms && qmp_now_ms() - q->stop_ms < 5000)
		qmp_poll_events(q, 50);
	c->pause_ms = q->resume_ms && q->stop_ms ? q->resume_ms - q->stop_ms : 0;
	if (err)
		return -1;
	r = qmp_exec(q, "query-migrate", NULL, why, whylen);
	c->downtime_ms = r && json_object_object_get_ex(r, "downtime", &v) ? json_object_get_int64(v) : -1;
	json_object_put(r);
	if (c->pause_ms > c->max_pause_ms) {
		snprintf(why, whylen, "production was paused %.0f ms, past the pause bound (%d ms)",
			 c->pause_ms, c->max_pause_ms);
		return -1;
	}
	return 0;
}
