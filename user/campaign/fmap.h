/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A campaign's outcomes and the failure-propagation map they make
 * (user/campaign/fmap.c): saved after each run, read back to resume, and
 * written as JSON, DOT and SVG (Documentation/campaign.rst).
 */
#ifndef INSIGHT_CAMPAIGN_FMAP_H
#define INSIGHT_CAMPAIGN_FMAP_H

#include <stdbool.h>
#include <stdint.h>
#include "faultlist.h"
#include "stack.h"

#define FMAP_CLIENT	STACK_MAX_COMPONENTS	/* the workload, as a node */
#define FMAP_NODES	(STACK_MAX_COMPONENTS + 1)

/* What one run (a fault, or a pair) did. */
struct outcome {
	char fault[2 * FAULT_ID_MAX + 2];	/* an id, or "ID+ID" */
	int comp[2];				/* where it was injected */
	int ncomp;
	char class[16];
	uint64_t injected;			/* calls acted on (the sum of a pair's) */
	uint32_t failed;			/* bit per node that failed */
	char evidence[FMAP_NODES][160];
	char error[160];			/* it could not run: why */
	bool production;			/* seen in production, not injected */
};

struct fmap {
	struct outcome *o;
	int n, cap;
	int faults;		/* the fault list's size */
	int pairs_total;	/* pairs of the cross product (C1 != C2) */
	int pairs_run;
};

struct json_object;

/* Node @i's name: a component's, or "client". */
const char *fmap_node_name(const struct stack *s, int i);
/* The node named @name ("client" too), or -1. */
int fmap_node_of(const struct stack *s, const char *name);
/* Whether @o makes edges in a map of class @class (NULL: any). */
bool fmap_counts(const struct outcome *o, const char *class);
/* Whether @o makes edge (@u, @v): injected into u, v failed, not injected. */
bool fmap_edge_from(const struct outcome *o, int u, int v);
/* @e[u][v]: the runs (of class @class) in which a fault in u made v fail. */
void fmap_edges(const struct fmap *m, const char *class, int e[FMAP_NODES][FMAP_NODES]);
/* The f-map as JSON: nodes, edges, outcomes (a new reference). */
struct json_object *fmap_json(const struct fmap *m, const struct stack *s, const char *class);
/* Write @root to @path atomically: 0 or -errno. */
int fmap_write_json(struct json_object *root, const char *path);

/* The outcome of fault (or pair) @id, or NULL. */
const struct outcome *fmap_find(const struct fmap *m, const char *id);
/* Add @o (copied): 0 or -ENOMEM. */
int fmap_add(struct fmap *m, const struct outcome *o);
/* Save @m and the stack's names to @path atomically: 0 or -errno. */
int fmap_save(const struct fmap *m, const struct stack *s, const char *path);
/* Read a saved @path back into @m (names must be @s's): 0, -ENOENT, or -EINVAL. */
int fmap_load(struct fmap *m, const struct stack *s, const char *path);
/*
 * The f-map as JSON (@json), DOT (@dot) and, with graphviz, SVG (@svg),
 * any NULL left out, of the outcomes of class @class (NULL: all): 0 or
 * -errno.
 */
int fmap_write(const struct fmap *m, const struct stack *s, const char *class,
	       const char *json, const char *dot, const char *svg);
/*
 * The f-map against the edges of @expected ("FROM -> TO" lines, the
 * direction a fault travels): found but not expected, expected but not
 * seen, printed: 0, or -errno.
 */
int fmap_compare(const struct fmap *m, const struct stack *s, const char *expected);
/* The text form on stdout: each edge with its count and its faults. */
void fmap_print(const struct fmap *m, const struct stack *s, const char *class);
void fmap_free(struct fmap *m);

#endif /* INSIGHT_CAMPAIGN_FMAP_H */
