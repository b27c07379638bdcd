// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's fault rules (xb_ops.fault): a probe's syscall made
 * to fail with an errno, every call of that number or only those whose
 * path argument is a given string, as insight.ko's FAULT_ADD does.  The
 * syscall-enter stop (sandbox.c) asks first; a rule's call is skipped and
 * returns -errno.  A probe's copies start with no rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <insight/inject_args.h>
#include <linux/insight.h>

#include "ptrace.h"

struct pt_fault {
	long nr;
	int err;
	char *path;		/* NULL: every call of @nr */
};

int pt_fault_add(struct xb *b, uint32_t probe, int nr, int err, const char *path)
{
	struct pt_probe *p = pt_probe_get(b, probe);
	struct pt_fault *more;

	if (!p)
		return -ENOENT;
	if (path && (insight_inject_path_arg(nr) < 0 || strlen(path) >= INSIGHT_FAULT_PATH_MAX))
		return -EINVAL;
	if (p->nfaults >= INSIGHT_FAULTS_MAX)
		return -ENOSPC;
	more = realloc(p->faults, (p->nfaults + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	p->faults = more;
	more[p->nfaults].nr = nr;
	more[p->nfaults].err = err;
	more[p->nfaults].path = path ? strdup(path) : NULL;
	if (path && !more[p->nfaults].path)
		return -ENOMEM;
	p->nfaults++;
	return 0;
}

/* The path argument of @t's call @nr (arguments @a), into @buf: 0 or -1. */
static int pt_fault_path(const struct pt_task *t, long nr, const __u64 *a,
			 char *buf, size_t len)
{
	ssize_t n = pt_peek(t->tid, a[insight_inject_path_arg(nr)], buf, len);

	if (n <= 0 || !memchr(buf, '\0', n))
		return -1;
	return 0;
}

/* The errno a rule of @t's probe gives its call @nr (arguments @a), or 0. */
int pt_fault_of(const struct pt_task *t, long nr, const __u64 *a)
{
	const struct pt_probe *p = t->probe;
	char path[INSIGHT_FAULT_PATH_MAX];
	bool read = false, have = false;
	size_t i;

	for (i = 0; i < p->nfaults; i++) {
		if (p->faults[i].nr != nr)
			continue;
		if (!p->faults[i].path)
			return p->faults[i].err;
		if (!read) {
			read = true;
			have = !pt_fault_path(t, nr, a, path, sizeof(path));
		}
		if (have && !strcmp(p->faults[i].path, path))
			return p->faults[i].err;
	}
	return 0;
}

void pt_faults_free(struct pt_probe *p)
{
	size_t i;

	for (i = 0; i < p->nfaults; i++)
		free(p->faults[i].path);
	free(p->faults);
}
