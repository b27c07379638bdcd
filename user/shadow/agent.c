// SPDX-License-Identifier: GPL-2.0
/*
 * guest-exec through qemu-guest-agent (agent.h): the command starts in
 * the guest, guest-exec-status is polled until it exits, and its output,
 * which the agent sends base64-encoded, is decoded and copied out.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "qmp.h"

static int b64_value(int c)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(set, c) : NULL;

	return p ? p - set : -1;
}

/* Decode base64 @in and write it to @out. */
static void write_b64(FILE *out, const char *in)
{
	unsigned int acc = 0;
	int bits = 0, v;

	for (; *in && *in != '='; in++) {
		v = b64_value(*in);
		if (v < 0)
			continue;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			fputc((acc >> bits) & 0xff, out);
		}
	}
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

int agent_exec(const char *sock, const char *cmd, int timeout_s, char *why, size_t whylen)
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
				write_b64(stdout, json_object_get_string(v));
			if (json_object_object_get_ex(r, "err-data", &v))
				write_b64(stderr, json_object_get_string(v));
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
