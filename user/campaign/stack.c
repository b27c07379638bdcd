// SPDX-License-Identifier: GPL-2.0
/*
 * The stack file: JSON (json-c), every key known, every value typed;
 * Documentation/campaign.rst has the format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "stack.h"

/* A string member @key of @o into *@out (strdup): 0, or -1 (not a string). */
static int str_of(struct json_object *o, const char *key, char **out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : -1;
}

/* Whether every key of @o is one of @known (NULL-terminated); else *@bad. */
static bool keys_known(struct json_object *o, const char *const *known, const char **bad)
{
	int i;

	json_object_object_foreach(o, key, val) {
		(void)val;
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i]) {
			*bad = key;
			return false;
		}
	}
	return true;
}

/* Compile @re (extended, ^ and $ at each line): 0, or -1 with the reason. */
static int regex_of(const char *re, regex_t *out, const char *what, char *why, size_t len)
{
	if (!regcomp(out, re, REG_EXTENDED | REG_NEWLINE))
		return 0;
	snprintf(why, len, "%s: not an extended regular expression: %s", what, re);
	return -1;
}

static int component_load(struct stack_component *c, struct json_object *o,
			  char *why, size_t len)
{
	static const char *const known[] = { "name", "start", "ready", "pidfile", "cgroup",
					      "log", "fail", "exit_fails", NULL };
	struct json_object *v;
	const char *bad;

	if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, len, "components: each is an object");
		return -1;
	}
	if (!keys_known(o, known, &bad)) {
		snprintf(why, len, "component: unknown key \"%s\"", bad);
		return -1;
	}
	if (str_of(o, "name", &c->name) || str_of(o, "start", &c->start) ||
	    str_of(o, "ready", &c->ready) || str_of(o, "pidfile", &c->pidfile) ||
	    str_of(o, "cgroup", &c->cgroup) || str_of(o, "log", &c->log) ||
	    str_of(o, "fail", &c->fail) || !c->name || !c->start || !*c->name) {
		snprintf(why, len, "component %s: \"name\" and \"start\" are strings, so are the others",
			 c->name ? c->name : "?");
		return -1;
	}
	c->exit_fails = true;
	if (json_object_object_get_ex(o, "exit_fails", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(why, len, "component %s: \"exit_fails\" is true or false", c->name);
			return -1;
		}
		c->exit_fails = json_object_get_boolean(v);
	}
	if (!!c->fail != !!c->log) {
		snprintf(why, len, "component %s: \"fail\" needs \"log\" and \"log\" needs \"fail\"",
			 c->name);
		return -1;
	}
	if (c->fail && regex_of(c->fail, &c->fail_re, c->name, why, len)) {
		free(c->fail);	/* nothing compiled to free */
		c->fail = NULL;
		return -1;
	}
	return 0;
}

static int workload_load(struct stack *s, struct json_object *o, char *why, size_t len)
{
	static const char *const known[] = { "command", "fail", "runs", "timeout", "settle",
					      NULL };
	struct json_object *v;
	const char *bad;

	if (!json_object_is_type(o, json_type_object) || !keys_known(o, known, &bad)) {
		snprintf(why, len, "workload: an object with %s",
			 "command, fail, runs, timeout, settle");
		return -1;
	}
	if (str_of(o, "command", &s->workload) || str_of(o, "fail", &s->workload_fail) ||
	    !s->workload) {
		snprintf(why, len, "workload: \"command\" (and \"fail\") are strings");
		return -1;
	}
	s->runs = 3;
	s->timeout = 10;
	s->settle = 1;
	if (json_object_object_get_ex(o, "runs", &v))
		s->runs = json_object_get_int(v);
	if (json_object_object_get_ex(o, "timeout", &v))
		s->timeout = json_object_get_double(v);
	if (json_object_object_get_ex(o, "settle", &v))
		s->settle = json_object_get_double(v);
	if (s->runs < 1 || s->runs > 1000 || !(s->timeout > 0 && s->timeout <= 3600) ||
	    !(s->settle >= 0 && s->settle <= 60)) {
		snprintf(why, len, "workload: runs is 1 to 1000, timeout 0 to 3600 seconds, %s",
			 "settle 0 to 60");
		return -1;
	}
	if (s->workload_fail &&
	    regex_of(s->workload_fail, &s->workload_re, "workload", why, len)) {
		free(s->workload_fail);
		s->workload_fail = NULL;
		return -1;
	}
	return 0;
}

static int stack_parse(struct stack *s, struct json_object *root, char *why, size_t len)
{
	static const char *const known[] = { "setup", "components", "workload", NULL };
	struct json_object *comps, *w;
	const char *bad;
	int i, k;

	if (!json_object_is_type(root, json_type_object) || !keys_known(root, known, &bad)) {
		snprintf(why, len, "unknown key \"%s\" (known: setup, components, workload)",
			 json_object_is_type(root, json_type_object) ? bad : "(not an object)");
		return -1;
	}
	if (str_of(root, "setup", &s->setup)) {
		snprintf(why, len, "setup: a string");
		return -1;
	}
	if (!json_object_object_get_ex(root, "components", &comps) ||
	    !json_object_is_type(comps, json_type_array) ||
	    json_object_array_length(comps) < 1 ||
	    json_object_array_length(comps) > STACK_MAX_COMPONENTS) {
		snprintf(why, len, "components: an array of 1 to %d", STACK_MAX_COMPONENTS);
		return -1;
	}
	for (i = 0; i < (int)json_object_array_length(comps); i++) {
		if (component_load(&s->c[i], json_object_array_get_idx(comps, i), why, len)) {
			s->n = i + 1;	/* what it allocated is freed */
			return -1;
		}
		s->n = i + 1;
		for (k = 0; k < i; k++)
			if (!strcmp(s->c[k].name, s->c[i].name)) {
				snprintf(why, len, "two components named %s", s->c[i].name);
				return -1;
			}
	}
	if (!json_object_object_get_ex(root, "workload", &w)) {
		snprintf(why, len, "workload: missing");
		return -1;
	}
	return workload_load(s, w, why, len);
}

/* The JSON document in @path, or NULL with where it is not JSON in @why. */
static struct json_object *json_read(const char *path, char *why, size_t len)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error err;
	char buf[65536];
	size_t n, end;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n == sizeof(buf) - 1) {
		snprintf(why, len, "%s: longer than %zu bytes", path, sizeof(buf) - 1);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(why, len, "%s: %s", path, strerror(ENOMEM));
		return NULL;
	}
	root = json_tokener_parse_ex(tok, buf, n);
	err = json_tokener_get_error(tok);
	if (err == json_tokener_continue)
		err = json_tokener_error_parse_eof;	/* the file ended inside */
	end = json_tokener_get_parse_end(tok);
	if (root && !err && strspn(buf + end, " \t\r\n") != n - end) {
		snprintf(why, len, "%s: not JSON at byte %zu: data after the document", path, end);
		json_object_put(root);
		root = NULL;
	} else if (!root || err) {
		snprintf(why, len, "%s: not JSON at byte %zu: %s", path, end,
			 json_tokener_error_desc(err));
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

int stack_load(struct stack *s, const char *path, char *why, size_t len)
{
	struct json_object *root;
	int err;

	memset(s, 0, sizeof(*s));
	root = json_read(path, why, len);
	if (!root)
		return -1;
	s->path = strdup(path);
	err = stack_parse(s, root, why, len);
	json_object_put(root);
	if (err)
		stack_free(s);
	return err;
}

void stack_free(struct stack *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		struct stack_component *c = &s->c[i];

		if (c->fail)
			regfree(&c->fail_re);
		free(c->name);
		free(c->start);
		free(c->ready);
		free(c->pidfile);
		free(c->cgroup);
		free(c->log);
		free(c->fail);
	}
	if (s->workload_fail)
		regfree(&s->workload_re);
	free(s->workload);
	free(s->workload_fail);
	free(s->setup);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

int stack_find(const struct stack *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return i;
	return -1;
}
