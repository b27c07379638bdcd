/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What insight shadow does inside the shadow VM, through its guest agent
 * (DIR/ID.sock): mark it a shadow (mark.h), load insight.ko, run insight
 * explore on the failure record production wrote, fetch the report.
 */
#ifndef INSIGHT_INSHADOW_H
#define INSIGHT_INSHADOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct inshadow {
	const char *sock;	/* the shadow's agent socket */
	const char *record;	/* the failure record's path in the VM */
	const char *module;	/* insight.ko's path in the VM; NULL: modprobe insight */
	int timeout_s;		/* insight explore's --timeout */
	bool json;		/* the report as JSON */
};

/* Write the shadow's mark, naming production's QMP socket: 0, or -1 with @why. */
int inshadow_mark(const char *sock, const char *production, char *why, size_t whylen);

/*
 * Load insight.ko if it is not loaded, explore the record's process and
 * copy the report to @out; explore's messages go to our stderr.  Returns
 * insight explore's exit status (0 found, 1 partial or failed, 2 bad
 * input), or -1 with @why when it could not run.
 */
int inshadow_explore(const struct inshadow *e, FILE *out, char *why, size_t whylen);

#endif /* INSIGHT_INSHADOW_H */
