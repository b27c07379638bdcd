// SPDX-License-Identifier: GPL-2.0
/*
 * Reading failure records with json-c (see record.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>
#include <linux/insight.h>

#include "record.h"
#include "syscalls.h"

static const char *const kinds[] = { "none", "file", "pipe", "socket", "chr", "other" };

static unsigned int kind_of(const char *s)
{
	unsigned int i;

	for (i = 0; s && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(s, kinds[i]))
			return i;
	return INSIGHT_FD_NONE;
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 @s into a new buffer; its length in *len.  NULL if bad. */
static uint8_t *b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), o = 0, i;
	uint8_t *out = malloc(n / 4 * 3 + 1);
	unsigned int acc = 0, bits = 0;
	int v;

	if (!out)
		return NULL;
	for (i = 0; i < n && s[i] != '='; i++) {
		v = b64_val(s[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = acc >> bits & 0xff;
		}
	}
	*len = o;
	return out;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static long long int_of(json_object *o, const char *key, long long dflt)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : dflt;
}

static int syscall_nr(const char *name)
{
	int i;

	for (i = 0; name && i < INSIGHT_NR_SYSCALLS; i++)
		if (insight_syscall_names[i] && !strcmp(insight_syscall_names[i], name))
			return i;
	return -1;
}

static int load_items(json_object *root, const char *key,
		      struct insight_record_item **out, size_t *n)
{
	json_object *arr;
	size_t i;

	*n = 0;
	if (!json_object_object_get_ex(root, key, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -EINVAL;
	*out = calloc(json_object_array_length(arr) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct insight_record_item *it = &(*out)[i];
		const char *data = str_of(e, "data_b64"), *path = str_of(e, "path");

		it->seq = int_of(e, "seq", 0);
		it->nr = syscall_nr(str_of(e, "syscall"));
		it->fd = int_of(e, "fd", -1);
		it->fd_kind = kind_of(str_of(e, "fd_kind"));
		it->ret = int_of(e, "ret", 0);
		if (data) {
			it->data = b64_decode(data, &it->len);
			if (!it->data)
				return -EINVAL;
		} else if (path) {
			it->data = (uint8_t *)strdup(path);
			it->len = strlen(path);
		}
		(*n)++;
	}
	return 0;
}

int insight_record_load(const char *path, struct insight_record *r,
			char *why, size_t whylen)
{
	json_object *root, *req;
	const char *fmt, *in;
	int err = -EINVAL;

	memset(r, 0, sizeof(*r));
	root = json_object_from_file(path);
	if (!root) {
		FILE *f = fopen(path, "r");

		if (!f) {
			err = -errno;
			snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
			return err;
		}
		fclose(f);
		snprintf(why, whylen, "%s is not JSON (truncated?)", path);
		return -EINVAL;
	}
	fmt = str_of(root, "format");
	if (!fmt || strcmp(fmt, "insight-failure-record")) {
		snprintf(why, whylen, "%s is not an insight failure record", path);
		goto out;
	}
	r->version = int_of(root, "version", 0);
	if (r->version != INSIGHT_RECORD_VERSION) {
		snprintf(why, whylen, "%s is a version %d record; this insight reads version %d",
			 path, r->version, INSIGHT_RECORD_VERSION);
		goto out;
	}
	if (!json_object_object_get_ex(root, "request", &req) ||
	    !(in = str_of(req, "input_b64")) ||
	    !(r->input = b64_decode(in, &r->input_len)) ||
	    load_items(root, "outputs", &r->outputs, &r->nout) ||
	    load_items(root, "environment", &r->env, &r->nenv)) {
		snprintf(why, whylen, "%s is an incomplete failure record", path);
		goto out;
	}
	{
		json_object *trig;

		if (json_object_object_get_ex(root, "trigger", &trig))
			snprintf(r->trigger, sizeof(r->trigger), "%s", str_of(trig, "kind") ?: "");
	}
	r->pid = int_of(req, "pid", 0);
	snprintf(r->exe, sizeof(r->exe), "%s", str_of(req, "exe") ?: "");
	r->in_fd = int_of(req, "fd", -1);
	r->in_kind = kind_of(str_of(req, "fd_kind"));
	err = 0;
out:
	json_object_put(root);
	if (err)
		insight_record_free(r);
	return err;
}

void insight_record_free(struct insight_record *r)
{
	size_t i;

	for (i = 0; i < r->nout; i++)
		free(r->outputs[i].data);
	for (i = 0; i < r->nenv; i++)
		free(r->env[i].data);
	free(r->outputs);
	free(r->env);
	free(r->input);
	memset(r, 0, sizeof(*r));
}
