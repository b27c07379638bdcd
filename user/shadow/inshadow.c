// SPDX-License-Identifier: GPL-2.0
/*
 * insight shadow's work inside the shadow VM (inshadow.h), as shell
 * commands run by its guest agent: the shadow is production's own system,
 * so its insight, its insight.ko and its record are used where they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "inshadow.h"
#include "mark.h"

#define INSHADOW_STEP_S 60	/* the mark, the module: quick commands */
#define INSHADOW_SLACK_S 120	/* explore's timeout, and its start and end */
#define INSHADOW_REPORT "/run/insight/report"
#define INSHADOW_NO_MODULE 126

/* @s single-quoted for sh into @buf: 0, or -1 if it does not fit. */
static int quote(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (len < 3)
		return -1;
	buf[n++] = '\'';
	for (; *s; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t k = piece ? 4 : 1;

		if (n + k + 2 > len)
			return -1;
		memcpy(buf + n, piece ?: s, k);
		n += k;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return 0;
}

int inshadow_mark(const char *sock, const char *production, char *why, size_t whylen)
{
	char q[1024], cmd[1200];
	int st;

	if (quote(production, q, sizeof(q))) {
		snprintf(why, whylen, "production's QMP path is too long");
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "mkdir -p /run/insight && echo shadow of %s >%s", q, SHADOW_MARK);
	st = agent_exec(sock, cmd, INSHADOW_STEP_S, stdout, stderr, why, whylen);
	if (st > 0)
		snprintf(why, whylen, "cannot write %s in the shadow (status %d)", SHADOW_MARK, st);
	return st ? -1 : 0;
}

/* The commands: load insight.ko unless it is loaded, explore into the report. */
static int script(const struct inshadow *e, char *cmd, size_t len)
{
	char rec[1024], mod[1024], load[1100];

	if (quote(e->record, rec, sizeof(rec)) ||
	    (e->module && quote(e->module, mod, sizeof(mod))))
		return -1;
	if (e->module)
		snprintf(load, sizeof(load), "insmod %s", mod);
	else
		snprintf(load, sizeof(load), "modprobe insight");
	snprintf(cmd, len, "grep -q '^insight ' /proc/modules || %s || exit %d; "
		 "insight explore --record %s --timeout %d%s >%s", load, INSHADOW_NO_MODULE, rec,
		 e->timeout_s, e->json ? " --json" : "", INSHADOW_REPORT);
	return 0;
}

int inshadow_explore(const struct inshadow *e, FILE *out, char *why, size_t whylen)
{
	char cmd[2600];
	int st;

	if (script(e, cmd, sizeof(cmd))) {
		snprintf(why, whylen, "the record's or the module's path is too long");
		return -1;
	}
	st = agent_exec(e->sock, cmd, e->timeout_s + INSHADOW_SLACK_S, stdout, stderr, why,
			whylen);
	if (st < 0)
		return -1;
	if (st == INSHADOW_NO_MODULE) {
		snprintf(why, whylen, "cannot load insight.ko in the shadow (%s)",
			 e->module ?: "modprobe insight");
		return -1;
	}
	if (st > 2) {
		snprintf(why, whylen, "insight explore did not run in the shadow (status %d)", st);
		return -1;
	}
	/* a report, whole or partial, or nothing after bad input */
	if (st != 2 && agent_fetch(e->sock, INSHADOW_REPORT, out, why, whylen))
		return -1;
	return st;
}
