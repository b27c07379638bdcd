// SPDX-License-Identifier: GPL-2.0
/*
 * The QMP client: one connection, commands answered in order, events
 * (STOP, RESUME, MIGRATION, BLOCK_JOB_*) noted as they pass.  Each
 * command is written with one write() so that the resume guard
 * (user/shadow/guard.c), which shares the connection, never interleaves
 * with a half-written command.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "qmp.h"

#define QMP_REPLY_MS 30000

double qmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void note_event(struct qmp *q, struct json_object *m, const char *ev)
{
	struct json_object *data, *st;

	if (!strcmp(ev, "STOP"))
		q->stop_ms = qmp_now_ms();
	else if (!strcmp(ev, "RESUME"))
		q->resume_ms = qmp_now_ms();
	else if (!strcmp(ev, "MIGRATION") && json_object_object_get_ex(m, "data", &data) &&
		 json_object_object_get_ex(data, "status", &st))
		snprintf(q->migration, sizeof(q->migration), "%s", json_object_get_string(st));
	else if (!strncmp(ev, "BLOCK_JOB_", 10))
		snprintf(q->job, sizeof(q->job), "%s", ev);
}

/*
 * The next message that is not an event (with @id, if not 0), within
 * @ms; NULL on timeout or EOF.
 */
static struct json_object *next_message(struct qmp *q, long id, int ms, char *why, size_t whylen)
{
	double end = qmp_now_ms() + ms;

	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		struct json_object *m, *ev;
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		ssize_t n;
		int left;

		if (nl) {
			*nl = '\0';
			m = json_tokener_parse(q->buf);
			q->len -= nl + 1 - q->buf;
			memmove(q->buf, nl + 1, q->len);
			if (!m)
				continue;
			if (json_object_object_get_ex(m, "event", &ev)) {
				note_event(q, m, json_object_get_string(ev));
				json_object_put(m);
				continue;
			}
			if (id && (!json_object_object_get_ex(m, "id", &ev) ||
				   json_object_get_int64(ev) != id)) {
				json_object_put(m);
				continue;
			}
			return m;
		}
		if (q->len == sizeof(q->buf) - 1) {
			snprintf(why, whylen, "a QMP message longer than %zu bytes", q->len);
			return NULL;
		}
		left = end - qmp_now_ms();
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			snprintf(why, whylen, "no answer from QMP in %d ms", ms);
			return NULL;
		}
		n = read(q->fd, q->buf + q->len, sizeof(q->buf) - 1 - q->len);
		if (n <= 0) {
			snprintf(why, whylen, "QMP connection closed");
			return NULL;
		}
		q->len += n;
	}
}

void qmp_poll_events(struct qmp *q, int ms)
{
	char why[128];
	struct json_object *m = next_message(q, 0, ms, why, sizeof(why));

	/* a stray reply (none is expected here) is dropped */
	json_object_put(m);
}

const char *qmp_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

int qmp_migration_status(struct qmp *q, char *st, size_t len, char *why, size_t whylen)
{
	struct json_object *r = qmp_exec(q, "query-migrate", NULL, why, whylen);

	if (!r)
		return -1;
	snprintf(st, len, "%s", qmp_str(r, "status") ?: "none");
	json_object_put(r);
	return 0;
}

static int send_line(struct qmp *q, struct json_object *o)
{
	char line[8192];
	int n = snprintf(line, sizeof(line), "%s\n",
			 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

	if (n >= (int)sizeof(line))
		return -E2BIG;
	return send(q->fd, line, n, MSG_NOSIGNAL) == n ? 0 : -EIO;
}

struct json_object *qmp_exec(struct qmp *q, const char *cmd, struct json_object *args,
			     char *why, size_t whylen)
{
	struct json_object *o = json_object_new_object(), *m, *r, *err, *desc;
	long id = ++q->next_id;

	json_object_object_add(o, "execute", json_object_new_string(cmd));
	json_object_object_add(o, "id", json_object_new_int64(id));
	if (args)
		json_object_object_add(o, "arguments", args);
	if (send_line(q, o)) {
		json_object_put(o);
		snprintf(why, whylen, "%s: cannot send it to QMP", cmd);
		return NULL;
	}
	json_object_put(o);
	m = next_message(q, id, QMP_REPLY_MS, why, whylen);
	if (!m)
		return NULL;
	if (json_object_object_get_ex(m, "return", &r)) {
		json_object_get(r);
		json_object_put(m);
		return r;
	}
	if (json_object_object_get_ex(m, "error", &err) &&
	    json_object_object_get_ex(err, "desc", &desc))
		snprintf(why, whylen, "%s: %s", cmd, json_object_get_string(desc));
	else
		snprintf(why, whylen, "%s: an answer that is not QMP", cmd);
	json_object_put(m);
	return NULL;
}

int qmp_run(struct qmp *q, const char *cmd, struct json_object *args, char *why, size_t whylen)
{
	struct json_object *r = qmp_exec(q, cmd, args, why, whylen);

	json_object_put(r);
	return r ? 0 : -1;
}

static int greeting(struct qmp *q, char *why, size_t whylen)
{
	struct json_object *m = next_message(q, 0, 5000, why, whylen), *g;
	int ok = m && json_object_object_get_ex(m, "QMP", &g);

	json_object_put(m);
	if (!ok) {
		snprintf(why, whylen, "not a QMP server (no qemu greeting)");
		return -1;
	}
	return qmp_run(q, "qmp_capabilities", NULL, why, whylen);
}

static int qmp_connect(struct qmp *q, const char *path, const char *what, char *why, size_t whylen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(q, 0, sizeof(*q));
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "%s path too long: %s", what, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(why, whylen, "cannot connect to %s %s: %s", what, path, strerror(errno));
		qmp_close(q);
		return -1;
	}
	if (!getsockopt(q->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		q->peer = cred.pid;
	return 0;
}

int qmp_open(struct qmp *q, const char *path, char *why, size_t whylen)
{
	if (qmp_connect(q, path, "QMP socket", why, whylen))
		return -1;
	if (greeting(q, why, whylen)) {
		qmp_close(q);
		return -1;
	}
	return 0;
}

int qmp_open_agent(struct qmp *q, const char *path, char *why, size_t whylen)
{
	struct json_object *a, *r;

	if (qmp_connect(q, path, "guest agent socket", why, whylen))
		return -1;
	/* guest-sync: whatever an earlier client left unread is skipped by id */
	a = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_int64(getpid()));
	r = qmp_exec(q, "guest-sync", a, why, whylen);
	if (!r) {
		qmp_close(q);
		return -1;
	}
	json_object_put(r);
	return 0;
}

void qmp_attach(struct qmp *q, int fd)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	/* far from the ids insight shadow's own commands had */
	q->next_id = 1L << 40;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}
