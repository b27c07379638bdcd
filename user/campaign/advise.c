// SPDX-License-Identifier: GPL-2.0
/*
 * Beyond AFPI: a failure seen at the front (haproxy's 503, the client's
 * error) is best explored first in the component whose faults most often
 * produced failures there.  The saved f-map's edges into that node,
 * ranked by their runs, give the order; campaign and production runs
 * count alike.  Only the JSON file is read: explore needs no stack file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "advise.h"

#define ADVISE_MAX	16

struct origin {
	const char *name;
	int runs;
};

static int by_runs(const void *a, const void *b)
{
	const struct origin *x = a, *y = b;

	return y->runs - x->runs;
}

/* The edges into @node, into @o (at most ADVISE_MAX): how many. */
static int origins(struct json_object *edges, const char *node, struct origin *o)
{
	struct json_object *e, *from, *to, *count;
	int n = 0;
	size_t i;

	for (i = 0; i < json_object_array_length(edges) && n < ADVISE_MAX; i++) {
		e = json_object_array_get_idx(edges, i);
		if (!json_object_object_get_ex(e, "from", &from) ||
		    !json_object_object_get_ex(e, "to", &to) ||
		    !json_object_object_get_ex(e, "count", &count) ||
		    strcmp(json_object_get_string(to), node))
			continue;
		o[n].name = json_object_get_string(from);
		o[n++].runs = json_object_get_int(count);
	}
	return n;
}

int fmap_advise(const char *path, const char *node, char *line, size_t len)
{
	struct json_object *root = json_object_from_file(path), *edges;
	struct origin o[ADVISE_MAX];
	size_t used;
	int n, i;

	if (!root || !json_object_object_get_ex(root, "edges", &edges) ||
	    !json_object_is_type(edges, json_type_array)) {
		json_object_put(root);
		return -EINVAL;
	}
	n = origins(edges, node, o);
	if (!n) {
		json_object_put(root);
		return -ENOENT;
	}
	qsort(o, n, sizeof(o[0]), by_runs);
	used = snprintf(line, len, "shadow %s first: its faults made %s fail in %d runs",
			o[0].name, node, o[0].runs);
	for (i = 1; i < n && used < len; i++)
		used += snprintf(line + used, len - used, "%s%s (%d)", i == 1 ? "; then " : ", ",
				 o[i].name, o[i].runs);
	json_object_put(root);
	return 0;
}
