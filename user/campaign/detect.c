// SPDX-License-Identifier: GPL-2.0
/*
 * A component failed in a run when a line its log gained during the run
 * matches its "fail" regex (a 5xx in an access log, an [error] line), or
 * when it ended and "exit_fails" (a crash, an injected kill).  The
 * evidence is the line, or the way it ended.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "detect.h"
#include "run.h"

void detect_mark(struct stack *s)
{
	struct stat st;
	int i;

	for (i = 0; i < s->n; i++)
		s->c[i].log_off = s->c[i].log && !stat(s->c[i].log, &st) ? st.st_size : 0;
}

/*
 * The first line of @c's log past its mark that matches, into @evidence;
 * with @advance, the mark moves past what was read (a watch reads each
 * line once).
 */
static bool log_failed(struct stack_component *c, char *evidence, size_t len, bool advance)
{
	char line[1024];
	bool found = false;
	struct stat st;
	FILE *f;

	if (!c->log || !(f = fopen(c->log, "r")))
		return false;
	if (fstat(fileno(f), &st) || st.st_size < c->log_off)
		c->log_off = 0;	/* truncated since: all of it is new */
	fseeko(f, c->log_off, SEEK_SET);
	while (!found && fgets(line, sizeof(line), f)) {
		if (regexec(&c->fail_re, line, 0, NULL, 0))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(evidence, len, "%s", line);
		found = true;
	}
	if (advance && (!found || (c->log_off = ftello(f)) < 0))
		c->log_off = st.st_size;
	fclose(f);
	return found;
}

/* How @c ended, into @evidence, if it has and its end is a failure. */
static bool end_failed(struct stack_component *c, char *evidence, size_t len)
{
	if (!c->exit_fails || !stack_ended(c))
		return false;
	if (c->ended && c->status > 128)
		snprintf(evidence, len, "ended by signal %d", c->status - 128);
	else if (c->ended)
		snprintf(evidence, len, "exited with status %d", c->status);
	else
		snprintf(evidence, len, "its process %d is gone", c->root);
	return true;
}

bool detect_failed(struct stack_component *c, char *evidence, size_t len)
{
	return log_failed(c, evidence, len, false) || end_failed(c, evidence, len);
}

bool detect_new(struct stack_component *c, char *evidence, size_t len)
{
	if (log_failed(c, evidence, len, true))
		return true;
	if (!end_failed(c, evidence, len))
		return false;
	c->root = 0;	/* said once */
	return true;
}
