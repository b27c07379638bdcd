// SPDX-License-Identifier: GPL-2.0
/*
 * The failure record's file, read and written with json-c (see record.h
 * and Documentation/record.rst).  Every key of the format is named here
 * and nowhere else.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json.h>
#include <linux/insight.h>

#include "format.h"
#include "record.h"
#include "syscalls.h"

#define RECORD_FORMAT "insight-failure-record"

/* A call whose entry keeps its path: an open, or a lookup (which fails to be kept) */
static bool has_path(int nr)
{
	switch (nr) {
	case 2: case 257:		/* open, openat */
	case 4: case 6: case 21:	/* stat, lstat, access */
	case 262: case 269: case 332: case 439:	/* newfstatat, faccessat, statx, faccessat2 */
		return true;
	default:
		return false;
	}
}

/* getsockopt, whose recorded entries are SO_ERROR's: its 4-byte value */
static bool is_so_error(const struct insight_record_item *it)
{
	return it->nr == 55 && it->len == sizeof(int) && it->data;
}

int insight_errno_named(const char *name)
{
	int e;

	for (e = 1; name && e < 4096; e++)
		if (strerrorname_np(e) && !strcmp(strerrorname_np(e), name))
			return e;
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

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

static uint64_t uint_of(json_object *o, const char *key, uint64_t dflt)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : dflt;
}

static bool bool_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static void copy_str(char *dst, size_t len, json_object *o, const char *key)
{
	snprintf(dst, len, "%s", str_of(o, key) ?: "");
}

/* A syscall's number from its name, or the "syscall_N" of an unnamed one. */
static int syscall_nr(const char *name)
{
	char *end;
	long nr;
	int i;

	for (i = 0; name && i < INSIGHT_NR_SYSCALLS; i++)
		if (insight_syscall_names[i] && !strcmp(insight_syscall_names[i], name))
			return i;
	if (name && !strncmp(name, "syscall_", 8)) {
		nr = strtol(name + 8, &end, 10);
		if (!*end && end != name + 8 && nr >= 0 && nr < INT_MAX)
			return nr;
	}
	return -1;
}

/* The base64 string at @key of @o, decoded; -ENOENT if absent. */
static int b64_of(json_object *o, const char *key, uint8_t **data, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -ENOENT;
	*data = insight_base64_decode(json_object_get_string(v),
				      json_object_get_string_len(v), len);
	return *data ? 0 : -errno;
}

static int load_item(json_object *e, struct insight_record_item *it,
		     const char *key, size_t i, char *why, size_t whylen)
{
	json_object *path;
	int err;

	it->seq = uint_of(e, "seq", 0);
	it->nr = syscall_nr(str_of(e, "syscall"));
	it->fd = int_of(e, "fd", -1);
	it->fd_kind = insight_fd_kind_parse(str_of(e, "fd_kind"));
	it->ret = int_of(e, "ret", 0);
	copy_str(it->peer, sizeof(it->peer), e, "peer");
	err = b64_of(e, "data_b64", &it->data, &it->len);
	if (err == -EINVAL)
		snprintf(why, whylen, "has bad base64 at %s[%zu].data_b64", key, i);
	if (err != -ENOENT)
		goto out;
	err = 0;
	if (it->nr == 55 && str_of(e, "so_error")) {
		int v = insight_errno_named(str_of(e, "so_error"));

		it->data = malloc(sizeof(v));
		if (!it->data)
			return -ENOMEM;
		memcpy(it->data, &v, sizeof(v));
		it->len = sizeof(v);
	} else if (json_object_object_get_ex(e, "path", &path)) {
		it->len = json_object_get_string_len(path);
		it->data = malloc(it->len + 1);
		if (!it->data)
			return -ENOMEM;
		memcpy(it->data, json_object_get_string(path), it->len + 1);
	}
out:
	it->moved = uint_of(e, "len", it->len);
	return err;
}

static int load_items(json_object *root, const char *key, struct insight_record_item **out,
		      size_t *n, char *why, size_t whylen)
{
	json_object *arr;
	size_t i, len;
	int err;

	*n = 0;
	if (!json_object_object_get_ex(root, key, &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		snprintf(why, whylen, "is an incomplete failure record: no %s array", key);
		return -EINVAL;
	}
	len = json_object_array_length(arr);
	*out = calloc(len + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		err = load_item(json_object_array_get_idx(arr, i), &(*out)[i], key, i,
				why, whylen);
		(*n)++;		/* freed with the others, also on error */
		if (err)
			return err;
	}
	return 0;
}

static int load_request(json_object *root, struct insight_record *r, char *why, size_t whylen)
{
	json_object *req, *o;
	int err;

	if (!json_object_object_get_ex(root, "request", &req)) {
		snprintf(why, whylen, "is an incomplete failure record: no request");
		return -EINVAL;
	}
	err = b64_of(req, "input_b64", &r->input, &r->input_len);
	if (err == -ENOENT)
		snprintf(why, whylen, "is an incomplete failure record: no request.input_b64");
	else if (err == -EINVAL)
		snprintf(why, whylen, "has bad base64 at request.input_b64");
	if (err)
		return err == -ENOENT ? -EINVAL : err;
	r->pid = int_of(req, "pid", 0);
	copy_str(r->exe, sizeof(r->exe), req, "exe");
	r->in_fd = int_of(req, "fd", -1);
	r->in_kind = insight_fd_kind_parse(str_of(req, "fd_kind"));
	copy_str(r->peer, sizeof(r->peer), req, "peer");
	r->input_truncated = bool_of(req, "input_truncated");
	if (json_object_object_get_ex(root, "target", &o)) {
		r->target_pid = int_of(o, "pid", 0);
		copy_str(r->target_cgroup, sizeof(r->target_cgroup), o, "cgroup");
	}
	if (json_object_object_get_ex(root, "trigger", &o)) {
		copy_str(r->trigger, sizeof(r->trigger), o, "kind");
		r->trigger_seq = uint_of(o, "seq", 0);
		copy_str(r->trigger_detail, sizeof(r->trigger_detail), o, "detail");
	}
	if (json_object_object_get_ex(root, "dropped", &o)) {
		r->dropped_events = uint_of(o, "events", 0);
		r->dropped_requests = uint_of(o, "requests", 0);
	}
	r->outputs_truncated = bool_of(root, "outputs_truncated");
	return 0;
}

/* json-c's parse of @path; NULL with the reason in @why. */
static json_object *parse_file(const char *path, int *err, char *why, size_t whylen)
{
	json_object *root = json_object_from_file(path);
	FILE *f;

	if (root)
		return root;
	f = fopen(path, "r");
	if (!f) {
		*err = -errno;
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	fclose(f);
	*err = -EINVAL;
	snprintf(why, whylen, "%s is not JSON (truncated?)", path);
	return NULL;
}

int insight_record_load(const char *path, struct insight_record *r,
			char *why, size_t whylen)
{
	char what[256] = "";
	json_object *root;
	const char *fmt;
	int err = -EINVAL;

	memset(r, 0, sizeof(*r));
	root = parse_file(path, &err, why, whylen);
	if (!root)
		return err;
	fmt = str_of(root, "format");
	if (!fmt || strcmp(fmt, RECORD_FORMAT)) {
		snprintf(why, whylen, "%s is not an insight failure record", path);
		goto out;
	}
	r->version = int_of(root, "version", 0);
	if (r->version != INSIGHT_RECORD_VERSION) {
		snprintf(why, whylen, "%s is a version %d record; this insight reads version %d",
			 path, r->version, INSIGHT_RECORD_VERSION);
		goto out;
	}
	err = load_request(root, r, what, sizeof(what));
	if (!err)
		err = load_items(root, "outputs", &r->outputs, &r->nout, what, sizeof(what));
	if (!err)
		err = load_items(root, "environment", &r->env, &r->nenv, what, sizeof(what));
	if (err == -ENOMEM)
		snprintf(why, whylen, "%s: out of memory", path);
	else if (err)
		snprintf(why, whylen, "%s %s", path, what);
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

/* ---- writing ------------------------------------------------------------ */

/* json-c takes a new object's reference: adding NULL (out of memory)
 * leaves a null the caller's check of the whole tree cannot see, so
 * every add goes through here and marks the tree bad. */
static void add(json_object *o, const char *key, json_object *v, bool *bad)
{
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		*bad = true;
	}
}

static void add_b64(json_object *o, const char *key, const void *data, size_t len, bool *bad)
{
	char *b64 = malloc(4 * ((len + 2) / 3) + 1);

	if (!b64) {
		*bad = true;
		return;
	}
	insight_base64(data, len, b64);
	add(o, key, json_object_new_string(b64), bad);
	free(b64);
}

static json_object *item_json(const struct insight_record_item *it, bool output, bool *bad)
{
	json_object *e = json_object_new_object();
	const char *name = insight_syscall_name(it->nr);
	char buf[32];

	if (!e) {
		*bad = true;
		return NULL;
	}
	if (!name) {
		snprintf(buf, sizeof(buf), "syscall_%d", it->nr);
		name = buf;
	}
	add(e, "seq", json_object_new_uint64(it->seq), bad);
	add(e, "syscall", json_object_new_string(name), bad);
	add(e, "ret", json_object_new_int64(it->ret), bad);
	if (it->ret < 0 && it->ret > -4096)
		add(e, "errno", json_object_new_string(strerrorname_np(-it->ret) ?: "?"), bad);
	if (it->fd >= 0) {
		add(e, "fd", json_object_new_int(it->fd), bad);
		add(e, "fd_kind", json_object_new_string(insight_fd_kind_name(it->fd_kind)), bad);
	}
	if (it->peer[0])
		add(e, "peer", json_object_new_string(it->peer), bad);
	if (output) {
		add(e, "len", json_object_new_uint64(it->moved), bad);
		add(e, "truncated", json_object_new_boolean(it->len < it->moved), bad);
		add_b64(e, "data_b64", it->data, it->len, bad);
	} else if (is_so_error(it)) {
		int v;

		memcpy(&v, it->data, sizeof(v));
		add(e, "so_error", json_object_new_string(strerrorname_np(v) ?: "?"), bad);
	} else if (has_path(it->nr) && it->data) {
		add(e, "path", json_object_new_string_len((const char *)it->data,
							  strnlen((const char *)it->data, it->len)), bad);
	}
	return e;
}

static json_object *items_json(const struct insight_record_item *it, size_t n, bool output,
			       bool *bad)
{
	json_object *arr = json_object_new_array_ext(n);
	size_t i;

	for (i = 0; arr && i < n; i++) {
		json_object *e = item_json(&it[i], output, bad);

		if (e && json_object_array_add(arr, e)) {
			json_object_put(e);
			*bad = true;
		}
	}
	if (!arr)
		*bad = true;
	return arr;
}

static json_object *request_json(const struct insight_record *r, bool *bad)
{
	json_object *q = json_object_new_object();

	if (!q) {
		*bad = true;
		return NULL;
	}
	add(q, "pid", json_object_new_int(r->pid), bad);
	add(q, "fd", json_object_new_int(r->in_fd), bad);
	add(q, "fd_kind", json_object_new_string(insight_fd_kind_name(r->in_kind)), bad);
	add(q, "peer", json_object_new_string(r->peer), bad);
	add(q, "input_len", json_object_new_uint64(r->input_len), bad);
	add(q, "input_truncated", json_object_new_boolean(r->input_truncated), bad);
	if (r->exe[0])
		add(q, "exe", json_object_new_string(r->exe), bad);
	add_b64(q, "input_b64", r->input ? r->input : (const uint8_t *)"", r->input_len, bad);
	return q;
}

/* A new object of the (key, value) pairs that follow, up to a NULL key. */
static json_object *obj(bool *bad, ...)
{
	json_object *o = json_object_new_object(), *v;
	const char *key;
	va_list ap;

	if (!o)
		*bad = true;
	va_start(ap, bad);
	while ((key = va_arg(ap, const char *))) {
		v = va_arg(ap, json_object *);
		if (o)
			add(o, key, v, bad);
		else
			json_object_put(v);
	}
	va_end(ap);
	return o;
}

static json_object *record_json(const struct insight_record *r, bool *bad)
{
	json_object *root = json_object_new_object();

	if (!root) {
		*bad = true;
		return NULL;
	}
	add(root, "format", json_object_new_string(RECORD_FORMAT), bad);
	add(root, "version", json_object_new_int(INSIGHT_RECORD_VERSION), bad);
	add(root, "target", r->target_pid ?
	    obj(bad, "pid", json_object_new_int(r->target_pid), NULL) :
	    obj(bad, "cgroup", json_object_new_string(r->target_cgroup), NULL), bad);
	add(root, "trigger", obj(bad, "kind", json_object_new_string(r->trigger),
				 "seq", json_object_new_uint64(r->trigger_seq),
				 "detail", json_object_new_string(r->trigger_detail), NULL), bad);
	add(root, "request", request_json(r, bad), bad);
	add(root, "outputs", items_json(r->outputs, r->nout, true, bad), bad);
	add(root, "outputs_truncated", json_object_new_boolean(r->outputs_truncated), bad);
	add(root, "environment", items_json(r->env, r->nenv, false, bad), bad);
	add(root, "dropped", obj(bad, "events", json_object_new_uint64(r->dropped_events),
				 "requests", json_object_new_uint64(r->dropped_requests), NULL),
	    bad);
	return root;
}

static void tmp_path(const char *path, char *tmp, size_t len)
{
	snprintf(tmp, len, "%s.tmp", path);
}

int insight_record_writable(const char *path)
{
	char tmp[PATH_MAX];
	int fd;

	tmp_path(path, tmp, sizeof(tmp));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(tmp);
	return 0;
}

int insight_record_save(const char *path, const struct insight_record *r)
{
	bool bad = false;
	json_object *root = record_json(r, &bad);
	const char *text = NULL;
	char tmp[PATH_MAX];
	int err = -ENOMEM;
	size_t len;
	FILE *f;

	if (!bad)
		text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!text)
		goto out;
	tmp_path(path, tmp, sizeof(tmp));
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		goto out;
	}
	err = 0;
	if (fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF)
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	json_object_put(root);
	return err;
}
