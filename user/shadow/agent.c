// SPDX-License-Identifier: GPL-2.0
/*
 * guest-exec through qemu-guest-agent (agent.h): the command starts in
 * the guest, guest-exec-status is polled until it exits, and its output,
 * which the agent sends base64-encoded, is decoded and copied out.  And
 * files of the guest: waited for (guest-file-open polled) and fetched
 * (guest-file-read, in pieces that fit a QMP message).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "format.h"
#include "qmp.h"

/* Decode base64 @in (the agent's, padded) and write it to @out. */
static void write_b64(FILE *out, const char *in)
{
	size_t len = 0;
	uint8_t *d = insight_base64_decode(in, strlen(in), &len);

	if (d)
		fwrite(d, 1, len, out);
	free(d);
	fflush(out);
}

static int start(struct qmp *q, const char *cmd, char *why, size_t whylen)
{
	struct json_object *a = json_object_new_object(), *args = json_object_new_array(), *r, *pid;
	int p = -1;

	json_object_array_add(args, json_object_new_string("-c"));
	json_object_array_add(args, json_object_new_string(cmd));
	json_object_object_add(a, "path", json_object_new_string("/bin/sh"));
	json_object_object_add(a, "arg", args);
	json_object_object_add(a, "capture-output", json_object_new_boolean(1));
	r = qmp_exec(q, "guest-exec", a, why, whylen);
	if (r && json_object_object_get_ex(r, "pid", &pid))
		p = json_object_get_int(pid);
	json_object_put(r);
	return p;
}

int agent_exec(const char *sock, const char *cmd, int timeout_s, FILE *out, FILE *err,
	       char *why, size_t whylen)
{
	double end = qmp_now_ms() + timeout_s * 1e3;
	struct qmp q;
	int pid, status = -1;

	if (qmp_open_agent(&q, sock, why, whylen))
		return -1;
	pid = start(&q, cmd, why, whylen);
	while (pid > 0 && status < 0) {
		struct json_object *a = json_object_new_object(), *r, *v;

		json_object_object_add(a, "pid", json_object_new_int(pid));
		r = qmp_exec(&q, "guest-exec-status", a, why, whylen);
		if (!r)
			break;
		if (json_object_object_get_ex(r, "exited", &v) && json_object_get_boolean(v)) {
			if (json_object_object_get_ex(r, "out-data", &v))
				write_b64(out, json_object_get_string(v));
			if (json_object_object_get_ex(r, "err-data", &v))
				write_b64(err, json_object_get_string(v));
			if (json_object_object_get_ex(r, "exitcode", &v))
				status = json_object_get_int(v);
			else
				status = 128 + (json_object_object_get_ex(r, "signal", &v) ?
						json_object_get_int(v) : 0);
		} else if (qmp_now_ms() > end) {
			snprintf(why, whylen, "the command did not end in the shadow in %d s", timeout_s);
			json_object_put(r);
			break;
		}
		json_object_put(r);
		if (status < 0)
			usleep(100 * 1000);
	}
	qmp_close(&q);
	return status;
}

/* guest-file-open @path for reading: its handle, or -1 with @why. */
static int64_t file_open(struct qmp *q, const char *path, char *why, size_t whylen)
{
	struct json_object *a = json_object_new_object(), *r;
	int64_t handle;

	json_object_object_add(a, "path", json_object_new_string(path));
	json_object_object_add(a, "mode", json_object_new_string("r"));
	r = qmp_exec(q, "guest-file-open", a, why, whylen);
	if (!r)
		return -1;
	handle = json_object_get_int64(r);
	json_object_put(r);
	return handle;
}

static int file_close(struct qmp *q, int64_t handle, char *why, size_t whylen)
{
	struct json_object *a = json_object_new_object();

	json_object_object_add(a, "handle", json_object_new_int64(handle));
	return qmp_run(q, "guest-file-close", a, why, whylen);
}

/* Whether @path can be opened in the guest: 1, 0 (no such file), -1 with @why. */
static int file_there(struct qmp *q, const char *path, char *why, size_t whylen)
{
	int64_t handle = file_open(q, path, why, whylen);

	if (handle < 0)
		return strstr(why, "No such file") ? 0 : -1;
	return file_close(q, handle, why, whylen) ? -1 : 1;
}

int agent_wait_file(const char *sock, const char *path, char *why, size_t whylen)
{
	struct qmp q;
	int there;

	if (qmp_open_agent(&q, sock, why, whylen))
		return -1;
	while (!(there = file_there(&q, path, why, whylen)))
		usleep(AGENT_WATCH_MS * 1000);
	qmp_close(&q);
	return there < 0 ? -1 : 0;
}

#define AGENT_READ_BYTES 32768	/* base64: 44 KiB, well within a QMP message */

int agent_fetch(const char *sock, const char *path, FILE *out, char *why, size_t whylen)
{
	struct json_object *a, *r, *v;
	int64_t handle;
	bool eof = false;
	struct qmp q;
	int err = 0;

	if (qmp_open_agent(&q, sock, why, whylen))
		return -1;
	handle = file_open(&q, path, why, whylen);
	while (handle >= 0 && !eof && !err) {
		a = json_object_new_object();
		json_object_object_add(a, "handle", json_object_new_int64(handle));
		json_object_object_add(a, "count", json_object_new_int(AGENT_READ_BYTES));
		r = qmp_exec(&q, "guest-file-read", a, why, whylen);
		if (!r) {
			err = -1;
			break;
		}
		write_b64(out, qmp_str(r, "buf-b64") ?: "");
		eof = !json_object_object_get_ex(r, "eof", &v) || json_object_get_boolean(v);
		json_object_put(r);
	}
	if (handle < 0 || (file_close(&q, handle, why, whylen) && !err))
		err = -1;
	qmp_close(&q);
	return err;
}
