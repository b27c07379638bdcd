// SPDX-License-Identifier: GPL-2.0
/*
 * The failure-propagation map (AFPI): an edge (u, v) when a fault
 * injected into component u made component v fail (v's detector fired),
 * with the faults that did it; no edge when v handled it.  The
 * workload is a node too ("client"): an edge to it is a failure seen
 * from outside.  Each run's outcome is kept, so that the map is
 * rebuilt, filtered by fault class, and a campaign resumed, from the
 * same JSON file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fmap.h"
#include "run.h"

const char *fmap_node_name(const struct stack *s, int i)
{
	return i == FMAP_CLIENT ? "client" : s->c[i].name;
}

int fmap_node_of(const struct stack *s, const char *name)
{
	return !strcmp(name, "client") ? FMAP_CLIENT : stack_find(s, name);
}

const struct outcome *fmap_find(const struct fmap *m, const char *id)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->o[i].fault, id))
			return &m->o[i];
	return NULL;
}

int fmap_add(struct fmap *m, const struct outcome *o)
{
	struct outcome *grown;

	if (m->n == m->cap) {
		grown = realloc(m->o, (m->cap ? 2 * m->cap : 64) * sizeof(*m->o));
		if (!grown)
			return -ENOMEM;
		m->o = grown;
		m->cap = m->cap ? 2 * m->cap : 64;
	}
	m->o[m->n++] = *o;
	return 0;
}

static bool injected_into(const struct outcome *o, int node)
{
	int k;

	for (k = 0; k < o->ncomp; k++)
		if (o->comp[k] == node)
			return true;
	return false;
}

/* Whether @o makes edges in a map of class @class. */
bool fmap_counts(const struct outcome *o, const char *class)
{
	return !o->error[0] && (o->injected || o->production) &&
	       (!class || !strcmp(class, o->class));
}

/* The edge counts: @e[u][v] runs in which a fault in u made v fail. */
void fmap_edges(const struct fmap *m, const char *class, int e[FMAP_NODES][FMAP_NODES])
{
	int i, k, v;

	memset(e, 0, sizeof(int) * FMAP_NODES * FMAP_NODES);
	for (i = 0; i < m->n; i++) {
		const struct outcome *o = &m->o[i];

		if (!fmap_counts(o, class))
			continue;
		for (k = 0; k < o->ncomp; k++)
			for (v = 0; v < FMAP_NODES; v++)
				if ((o->failed & (1u << v)) && !injected_into(o, v))
					e[o->comp[k]][v]++;
	}
}

bool fmap_edge_from(const struct outcome *o, int u, int v)
{
	return injected_into(o, u) && (o->failed & (1u << v)) && !injected_into(o, v);
}

static struct json_object *outcome_json(const struct outcome *o, const struct stack *s)
{
	struct json_object *j = json_object_new_object(), *comps = json_object_new_array();
	struct json_object *failed = json_object_new_array(), *ev = json_object_new_object();
	int k;

	json_object_object_add(j, "fault", json_object_new_string(o->fault));
	for (k = 0; k < o->ncomp; k++)
		json_object_array_add(comps, json_object_new_string(fmap_node_name(s, o->comp[k])));
	json_object_object_add(j, "components", comps);
	json_object_object_add(j, "class", json_object_new_string(o->class));
	json_object_object_add(j, "injected", json_object_new_int64(o->injected));
	for (k = 0; k < FMAP_NODES; k++) {
		if (!(o->failed & (1u << k)))
			continue;
		json_object_array_add(failed, json_object_new_string(fmap_node_name(s, k)));
		json_object_object_add(ev, fmap_node_name(s, k), json_object_new_string(o->evidence[k]));
	}
	json_object_object_add(j, "failed", failed);
	json_object_object_add(j, "evidence", ev);
	if (o->error[0])
		json_object_object_add(j, "error", json_object_new_string(o->error));
	json_object_object_add(j, "production", json_object_new_boolean(o->production));
	return j;
}

static struct json_object *edges_json(const struct fmap *m, const struct stack *s,
				      const char *class)
{
	struct json_object *edges = json_object_new_array(), *e, *faults;
	int cnt[FMAP_NODES][FMAP_NODES], u, v, i;
	bool prod;

	fmap_edges(m, class, cnt);
	for (u = 0; u < FMAP_NODES; u++) {
		for (v = 0; v < FMAP_NODES; v++) {
			if (!cnt[u][v])
				continue;
			e = json_object_new_object();
			faults = json_object_new_array();
			prod = false;
			for (i = 0; i < m->n; i++) {
				if (!fmap_counts(&m->o[i], class) || !fmap_edge_from(&m->o[i], u, v))
					continue;
				json_object_array_add(faults, json_object_new_string(m->o[i].fault));
				prod |= m->o[i].production;
			}
			json_object_object_add(e, "from", json_object_new_string(fmap_node_name(s, u)));
			json_object_object_add(e, "to", json_object_new_string(fmap_node_name(s, v)));
			json_object_object_add(e, "count", json_object_new_int(cnt[u][v]));
			json_object_object_add(e, "faults", faults);
			json_object_object_add(e, "production", json_object_new_boolean(prod));
			json_object_array_add(edges, e);
		}
	}
	return edges;
}

struct json_object *fmap_json(const struct fmap *m, const struct stack *s,
				    const char *class)
{
	struct json_object *root = json_object_new_object(), *nodes = json_object_new_array();
	struct json_object *outs = json_object_new_array(), *n;
	int i, k, failures;

	json_object_object_add(root, "version", json_object_new_int(1));
	if (class)
		json_object_object_add(root, "class", json_object_new_string(class));
	for (k = 0; k <= s->n; k++) {
		int node = k == s->n ? FMAP_CLIENT : k;

		for (failures = 0, i = 0; i < m->n; i++)
			failures += fmap_counts(&m->o[i], class) && (m->o[i].failed & (1u << node));
		n = json_object_new_object();
		json_object_object_add(n, "name", json_object_new_string(fmap_node_name(s, node)));
		json_object_object_add(n, "failures", json_object_new_int(failures));
		json_object_array_add(nodes, n);
	}
	json_object_object_add(root, "nodes", nodes);
	json_object_object_add(root, "edges", edges_json(m, s, class));
	json_object_object_add(root, "faults", json_object_new_int(m->faults));
	json_object_object_add(root, "pairs_total", json_object_new_int(m->pairs_total));
	json_object_object_add(root, "pairs_run", json_object_new_int(m->pairs_run));
	for (i = 0; i < m->n; i++)
		if (!class || !strcmp(class, m->o[i].class))
			json_object_array_add(outs, outcome_json(&m->o[i], s));
	json_object_object_add(root, "outcomes", outs);
	return root;
}

/* Write @root to @path through a temporary file and a rename. */
int fmap_write_json(struct json_object *root, const char *path)
{
	char tmp[4096];
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED))
		err = -EIO;
	else if (rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int fmap_save(const struct fmap *m, const struct stack *s, const char *path)
{
	struct json_object *root = fmap_json(m, s, NULL);
	int err = fmap_write_json(root, path);

	json_object_put(root);
	return err;
}

/* One saved outcome back: 0, or -EINVAL (not one of this stack's). */
static int outcome_load(struct outcome *o, struct json_object *j, const struct stack *s)
{
	struct json_object *v, *ev = NULL, *e;
	const char *str;
	int k, node;

	memset(o, 0, sizeof(*o));
	if (!json_object_object_get_ex(j, "fault", &v) || !(str = json_object_get_string(v)) ||
	    strlen(str) >= sizeof(o->fault))
		return -EINVAL;
	strcpy(o->fault, str);
	if (!json_object_object_get_ex(j, "components", &v) ||
	    json_object_array_length(v) < 1 || json_object_array_length(v) > 2)
		return -EINVAL;
	for (k = 0; k < (int)json_object_array_length(v); k++) {
		node = stack_find(s, json_object_get_string(json_object_array_get_idx(v, k)));
		if (node < 0)
			return -EINVAL;
		o->comp[o->ncomp++] = node;
	}
	if (json_object_object_get_ex(j, "class", &v))
		snprintf(o->class, sizeof(o->class), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(j, "injected", &v))
		o->injected = json_object_get_int64(v);
	if (json_object_object_get_ex(j, "error", &v))
		snprintf(o->error, sizeof(o->error), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(j, "production", &v))
		o->production = json_object_get_boolean(v);
	json_object_object_get_ex(j, "evidence", &ev);
	if (!json_object_object_get_ex(j, "failed", &v))
		return 0;
	for (k = 0; k < (int)json_object_array_length(v); k++) {
		str = json_object_get_string(json_object_array_get_idx(v, k));
		node = str ? fmap_node_of(s, str) : -1;
		if (node < 0)
			return -EINVAL;
		o->failed |= 1u << node;
		if (ev && json_object_object_get_ex(ev, str, &e) && e)
			snprintf(o->evidence[node], sizeof(o->evidence[node]), "%s",
				 json_object_get_string(e));
	}
	return 0;
}

int fmap_load(struct fmap *m, const struct stack *s, const char *path)
{
	struct json_object *root, *outs, *v;
	struct outcome o;
	int i, err = 0;

	if (access(path, F_OK))
		return -ENOENT;
	root = json_object_from_file(path);
	if (!root || !json_object_object_get_ex(root, "outcomes", &outs) ||
	    !json_object_is_type(outs, json_type_array)) {
		json_object_put(root);
		return -EINVAL;
	}
	if (json_object_object_get_ex(root, "pairs_run", &v))
		m->pairs_run = json_object_get_int(v);
	if (json_object_object_get_ex(root, "pairs_total", &v))
		m->pairs_total = json_object_get_int(v);
	if (json_object_object_get_ex(root, "faults", &v))
		m->faults = json_object_get_int(v);
	for (i = 0; i < (int)json_object_array_length(outs) && !err; i++) {
		err = outcome_load(&o, json_object_array_get_idx(outs, i), s);
		if (!err)
			err = fmap_add(m, &o);
	}
	json_object_put(root);
	return err;
}

void fmap_free(struct fmap *m)
{
	free(m->o);
	memset(m, 0, sizeof(*m));
}
