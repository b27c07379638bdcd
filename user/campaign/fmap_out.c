// SPDX-License-Identifier: GPL-2.0
/*
 * The f-map's other forms: text, DOT, SVG (graphviz's dot), and the
 * comparison with the dependency graph the stack's configs declare.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fmap.h"
#include "run.h"

void fmap_print(const struct fmap *m, const struct stack *s, const char *class)
{
	int e[FMAP_NODES][FMAP_NODES], u, v, i, shown;

	fmap_edges(m, class, e);
	printf("f-map%s%s: %d runs (%d faults, %d of %d pairs)\n", class ? " of " : "",
	       class ? class : "", m->n, m->faults, m->pairs_run, m->pairs_total);
	for (u = 0; u < FMAP_NODES; u++) {
		for (v = 0; v < FMAP_NODES; v++) {
			if (!e[u][v])
				continue;
			printf("  %s -> %s: %d", fmap_node_name(s, u), fmap_node_name(s, v), e[u][v]);
			for (shown = 0, i = 0; i < m->n && shown < 3; i++) {
				if (!fmap_counts(&m->o[i], class) || !fmap_edge_from(&m->o[i], u, v))
					continue;
				printf("%s%s", shown++ ? ", " : " (", m->o[i].fault);
			}
			printf("%s\n", shown == 3 && e[u][v] > 3 ? ", ...)" : shown ? ")" : "");
		}
	}
}

static int write_dot(const struct fmap *m, const struct stack *s, const char *class,
		     const char *path)
{
	int e[FMAP_NODES][FMAP_NODES], u, v;
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fmap_edges(m, class, e);
	fprintf(f, "digraph fmap {\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (u = 0; u <= s->n; u++)
		fprintf(f, "\t\"%s\";\n", fmap_node_name(s, u == s->n ? FMAP_CLIENT : u));
	for (u = 0; u < FMAP_NODES; u++)
		for (v = 0; v < FMAP_NODES; v++)
			if (e[u][v])
				fprintf(f, "\t\"%s\" -> \"%s\" [label=\"%d\"];\n",
					fmap_node_name(s, u), fmap_node_name(s, v), e[u][v]);
	fprintf(f, "}\n");
	return fclose(f) ? -errno : 0;
}

int fmap_write(const struct fmap *m, const struct stack *s, const char *class,
	       const char *json, const char *dot, const char *svg)
{
	char cmd[8192], tmp[4096];
	struct json_object *root;
	int err = 0, rc;

	if (json) {
		root = fmap_json(m, s, class);
		err = fmap_write_json(root, json);
		json_object_put(root);
	}
	if (!err && dot)
		err = write_dot(m, s, class, dot);
	if (err || !svg)
		return err;
	if (!dot) {
		snprintf(tmp, sizeof(tmp), "%s.dot", svg);
		err = write_dot(m, s, class, tmp);
		if (err)
			return err;
	}
	snprintf(cmd, sizeof(cmd), "dot -Tsvg -o '%s' '%s'", svg, dot ? dot : tmp);
	rc = run_cmd(cmd, 60, NULL, 0, NULL, NULL, NULL);
	if (rc && rc != 127)
		fprintf(stderr, "insight: campaign: graphviz's dot failed (%d) on %s\n", rc,
			dot ? dot : tmp);
	if (!dot)
		remove(tmp);
	return rc == 127 ? -ENOENT : rc ? -EIO : 0;
}

/* @p trimmed of blanks at both ends, in place. */
static char *trim(char *p)
{
	char *end;

	p += strspn(p, " \t");
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return p;
}

/* Whether @line is "FROM -> TO" with known nodes: them in *@u, *@v. */
static int expected_edge(const struct stack *s, char *line, int *u, int *v)
{
	char *arrow = strstr(line, "->"), *from, *to;

	if (!arrow)
		return -1;
	*arrow = '\0';
	from = trim(line);
	to = trim(arrow + 2);
	*u = fmap_node_of(s, from);
	*v = fmap_node_of(s, to);
	return *u < 0 || *v < 0 ? -1 : 0;
}

int fmap_compare(const struct fmap *m, const struct stack *s, const char *expected)
{
	bool want[FMAP_NODES][FMAP_NODES] = { { false } };
	int e[FMAP_NODES][FMAP_NODES], u, v, lineno = 0;
	char line[256];
	FILE *f = fopen(expected, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		if (!line[strspn(line, " \t")])
			continue;
		if (expected_edge(s, line, &u, &v)) {
			fprintf(stderr, "insight: %s:%d: not \"FROM -> TO\" of the stack's components\n",
				expected, lineno);
			fclose(f);
			return -EINVAL;
		}
		want[u][v] = true;
	}
	fclose(f);
	fmap_edges(m, NULL, e);
	printf("found, not in %s:\n", expected);
	for (u = 0; u < FMAP_NODES; u++)
		for (v = 0; v < FMAP_NODES; v++)
			if (e[u][v] && !want[u][v])
				printf("  %s -> %s (%d)\n", fmap_node_name(s, u), fmap_node_name(s, v),
				       e[u][v]);
	printf("in %s, never seen:\n", expected);
	for (u = 0; u < FMAP_NODES; u++)
		for (v = 0; v < FMAP_NODES; v++)
			if (want[u][v] && !e[u][v])
				printf("  %s -> %s\n", fmap_node_name(s, u), fmap_node_name(s, v));
	return 0;
}
