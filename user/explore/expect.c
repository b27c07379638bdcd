// SPDX-License-Identifier: GPL-2.0
/*
 * What the shadow must reproduce: the record's outputs of counted kinds,
 * in order with the writes that failed in production (kept as
 * environment: any output of the shadow takes their place, since there
 * the same write succeeds).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "explore.h"
#include "syscalls.h"

/* A write-like call of the record that failed (kept as environment). */
static bool failed_write(const struct insight_record_item *it)
{
	switch (it->nr) {
	case SYS_write:
	case SYS_pwrite64:
	case SYS_writev:
	case SYS_pwritev:
	case SYS_pwritev2:
	case SYS_sendto:
	case SYS_sendmsg:
		return it->ret < 0 && it->fd >= 0;
	default:
		return false;
	}
}

/* The record's next item in sequence order: an output or an environment entry. */
static const struct insight_record_item *next_item(const struct insight_record *rec,
						   size_t *k, size_t *e)
{
	if (*e < rec->nenv && (*k == rec->nout || rec->env[*e].seq < rec->outputs[*k].seq))
		return &rec->env[(*e)++];
	return *k < rec->nout ? &rec->outputs[(*k)++] : NULL;
}

int expect_build(struct expect *x, const struct insight_record *rec,
		 const struct insight_match_opts *opts)
{
	const struct insight_record_item *it;
	size_t k = 0, e = 0, n = rec->nout + rec->nenv;
	bool env;

	memset(x, 0, sizeof(*x));
	x->out = calloc(n ? n : 1, sizeof(*x->out));
	x->cut = calloc(n ? n : 1, sizeof(*x->cut));
	if (!x->out || !x->cut) {
		expect_free(x);
		return -ENOMEM;
	}
	while ((it = next_item(rec, &k, &e))) {
		env = it >= rec->env && it < rec->env + rec->nenv;
		if (env && !failed_write(it))
			continue;
		if (it->fd_kind >= 32 || !(opts->kinds & (1U << it->fd_kind)))
			continue;
		x->out[x->n].fd_kind = it->fd_kind;
		x->out[x->n].data = it->data;
		x->out[x->n].len = it->len;
		x->out[x->n].any = failed_write(it);
		x->cut[x->n++] = (long long)it->len < it->ret;
	}
	return 0;
}

void expect_free(struct expect *x)
{
	free(x->out);
	free(x->cut);
	memset(x, 0, sizeof(*x));
}

const struct insight_record_item *expect_evidence(const struct insight_record *rec,
						  const char *callee)
{
	const char *name;
	size_t i;

	if (!callee || !callee[0])
		return NULL;
	for (i = 0; i < rec->nenv; i++) {
		name = insight_syscall_name(rec->env[i].nr);
		if (name && strstr(name, callee) && rec->env[i].ret < 0)
			return &rec->env[i];	/* open: openat; read: read, pread64 */
	}
	return NULL;
}
