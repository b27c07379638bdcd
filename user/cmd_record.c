// SPDX-License-Identifier: GPL-2.0
/*
 * insight record (--pid P | --cgroup PATH) -o RECORD [--max-bytes N]
 *                [--trigger-log REGEX] [--trigger-response REGEX]
 *                [--trigger-errno SYSCALL:ERRNO] [--trigger-exit STATUS|SIGNAL]
 *                [--duration SECONDS] [--settle SECONDS]
 *
 * The production recorder: it keeps, per request (one input fd of one
 * process: a connection, or stdin), the input bytes, the outputs in
 * order and the environment they touched (files opened and the result,
 * peers connected, syscalls that failed), within --max-bytes.  When a
 * trigger fires it writes the request as a failure record
 * (Documentation/record.rst) once that request is over, and stops; its
 * command line is record_opts.c's.  While it runs, its BPF maps and
 * links are pinned under /sys/fs/bpf/insight/record-<pid>/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "record.h"
#include "recorder.h"
#include "stream.h"
#include "syscalls.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void peer_str(const struct insight_sys_event *e, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = e->peer_addr };

	buf[0] = '\0';
	if (e->peer_port)
		snprintf(buf, len, "%s:%u", inet_ntoa(a), e->peer_port);
}

static void req_free(struct recorder *r, struct request *q)
{
	int i;

	for (i = 0; i < q->nout; i++)
		free(q->out[i].data);
	for (i = 0; i < q->nenv; i++)
		free(q->env[i].data);
	free(q->out);
	free(q->env);
	free(q->input);
	r->bytes -= q->bytes;
	memset(q, 0, sizeof(*q));
}

/*
 * The name process @pid was started as: its main thread's comm, which
 * exec set to the last component of the path run (redis-server, not the
 * redis-check-rdb its symlink names; 15 characters at most), else its
 * executable's last component; NULL if it is gone.
 */
static const char *exe_name(pid_t pid, char *buf, size_t len)
{
	char link[64], path[PATH_MAX];
	ssize_t n;
	FILE *f;

	snprintf(link, sizeof(link), "/proc/%d/comm", pid);
	f = fopen(link, "r");
	if (f) {
		n = fgets(path, sizeof(path), f) ? (ssize_t)strcspn(path, "\n") : 0;
		fclose(f);
		if (n > 0) {
			snprintf(buf, len, "%.*s", (int)n, path);
			return buf;
		}
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	snprintf(buf, len, "%.200s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	return buf;
}

/* The request of @pid's input @fd, made if needed (the oldest may go). */
/* The request whose connection is @e's fd (in @e's process), or -1. */
static int req_of_fd(const struct recorder *r, const struct insight_sys_event *e)
{
	int i;

	for (i = 0; i < MAX_REQS; i++)
		if (r->req[i].used && r->req[i].pid == (pid_t)e->pid && r->req[i].fd == e->fd)
			return i;
	return -1;
}

static int req_get(struct recorder *r, const struct insight_sys_event *e)
{
	int i = req_of_fd(r, e), free_slot = -1, oldest = -1;

	if (i >= 0)
		return i;
	for (i = 0; i < MAX_REQS; i++) {
		struct request *q = &r->req[i];

		if (!q->used && free_slot < 0)
			free_slot = i;
		if (q->used && i != r->fired_req &&
		    (oldest < 0 || q->last_seq < r->req[oldest].last_seq))
			oldest = i;
	}
	if (free_slot < 0) {
		req_free(r, &r->req[oldest]);
		r->dropped_requests++;
		free_slot = oldest;
	}
	r->req[free_slot].used = true;
	r->req[free_slot].pid = e->pid;
	r->req[free_slot].fd = e->fd;
	r->req[free_slot].fd_kind = e->fd_kind;
	r->req[free_slot].first_seq = e->seq;
	peer_str(e, r->req[free_slot].peer, sizeof(r->req[free_slot].peer));
	/* a child per connection may be gone already: then its thread's comm */
	if (!exe_name(e->pid, r->req[free_slot].exe, sizeof(r->req[free_slot].exe)))
		snprintf(r->req[free_slot].exe, sizeof(r->req[free_slot].exe), "%.*s",
			 (int)sizeof(e->name), e->name);
	return free_slot;
}

static int *active_of(struct recorder *r, pid_t tid, bool make)
{
	int i, slot = -1;

	for (i = 0; i < MAX_REQS; i++) {
		if (r->active[i].tid == tid)
			return &r->active[i].req;
		if (!r->active[i].tid && slot < 0)
			slot = i;
	}
	if (!make)
		return NULL;
	if (slot < 0)
		slot = tid % MAX_REQS;	/* forget another thread's */
	r->active[slot].tid = tid;
	r->active[slot].req = -1;
	return &r->active[slot].req;
}

/* Keep @len bytes against --max-bytes; false if they do not fit. */
static bool charge(struct recorder *r, struct request *q, size_t len)
{
	if (r->bytes + len > r->max_bytes)
		return false;
	r->bytes += len;
	q->bytes += len;
	return true;
}

static void add_item(struct recorder *r, struct request *q, bool output,
		     const struct insight_sys_event *e, const void *payload)
{
	struct insight_record_item **arr = output ? &q->out : &q->env, *it;
	int *n = output ? &q->nout : &q->nenv;
	int *cap = output ? &q->outcap : &q->envcap;

	if (*n == *cap) {
		int more = *cap ? *cap * 2 : 8;
		size_t need = (more - *cap) * sizeof(**arr);
		struct insight_record_item *grown;

		if (more > MAX_ITEMS || r->bytes + need > r->max_bytes ||
		    !(grown = realloc(*arr, more * sizeof(**arr))))
			goto full;
		charge(r, q, need);
		*arr = grown;
		*cap = more;
	}
	if (!charge(r, q, e->payload_len + 1))
		goto full;
	it = &(*arr)[(*n)++];
	memset(it, 0, sizeof(*it));
	it->seq = e->seq;
	it->nr = e->nr;
	it->fd = e->fd;
	it->fd_kind = e->fd_kind;
	it->ret = e->ret;
	it->moved = e->ret > 0 ? e->ret : 0;
	it->len = e->payload_len;
	peer_str(e, it->peer, sizeof(it->peer));
	it->data = malloc(e->payload_len + 1);
	if (it->data) {
		memcpy(it->data, payload, e->payload_len);
		it->data[e->payload_len] = '\0';
	} else {
		it->len = 0;
	}
	q->last_seq = e->seq;
	return;
full:
	if (output)
		q->out_truncated = true;
	else
		q->env_truncated = true;
}

/* read, pread64, recvfrom, and the vectored readv and recvmsg */
static bool is_read(int nr)
{
	return nr == 0 || nr == 17 || nr == 45 || nr == 19 || nr == 47;
}

/* write, pwrite64, sendto, and the vectored writev and sendmsg */
static bool is_write(int nr)
{
	return nr == 1 || nr == 18 || nr == 44 || nr == 20 || nr == 46;
}

/* The nonzero error a getsockopt(SO_ERROR) gave, or 0. */
static int so_error_of(const struct insight_sys_event *e, const void *payload)
{
	int v = 0;

	if (e->nr == 55 && !e->ret && e->payload_len == sizeof(v))
		memcpy(&v, payload, sizeof(v));
	return v;
}

static bool regex_hit(regex_t *re, const void *data, unsigned int len)
{
	char buf[INSIGHT_PAYLOAD_MAX + 1];

	memcpy(buf, data, len);
	buf[len] = '\0';
	return !regexec(re, buf, 0, NULL, 0);
}

static void fire(struct recorder *r, const char *kind, int req,
		 unsigned long long seq, const char *fmt, const char *arg)
{
	if (r->fired)
		return;
	r->kind = kind;
	r->fired_req = req;
	r->trigger_seq = seq;
	snprintf(r->detail, sizeof(r->detail), fmt, arg);
	r->fired = true;
	clock_gettime(CLOCK_MONOTONIC, &r->fired_at);
	/* no request to finish (an exit, say), or no time to */
	r->done = req < 0 || !r->req[req].used || !r->settle;
}

static int on_event(const struct insight_sys_event *e, const void *payload,
		    void *arg)
{
	struct recorder *r = arg;
	int *act, req;
	struct request *q;

	if (r->done)
		return 0;
	if (e->kind == INSIGHT_EV_EXIT) {
		if (r->has_exit && (int)e->ret == r->exit_status) {
			act = active_of(r, e->pid, false);
			fire(r, "exit", act ? *act : -1, e->seq, "status %s", "matched");
		}
		return 0;
	}
	if (e->kind != INSIGHT_EV_SYS_EXIT)
		return 0;
	act = active_of(r, e->tid, true);
	/* input: data read from a socket, or from stdin */
	if (is_read(e->nr) && e->ret > 0 &&
	    (e->fd_kind == INSIGHT_FD_SOCKET || e->fd == 0)) {
		req = req_get(r, e);
		q = &r->req[req];
		/* the fired request's connection reads its next request */
		if (r->fired && req == r->fired_req) {
			r->done = true;
			return 0;
		}
		*act = req;
		if (charge(r, q, e->payload_len)) {
			unsigned char *in = realloc(q->input, q->in_len + e->payload_len);

			if (in) {
				memcpy(in + q->in_len, payload, e->payload_len);
				q->input = in;
				q->in_len += e->payload_len;
			}
		} else {
			q->in_truncated = true;
		}
		if (e->payload_len < e->ret)
			q->in_truncated = true;
		q->last_seq = e->seq;
		return 0;
	}
	req = *act;
	/* an event loop answers one connection after reading another's request */
	if (is_write(e->nr) && e->fd_kind == INSIGHT_FD_SOCKET) {
		int own = req_of_fd(r, e);

		if (own >= 0)
			req = *act = own;
	}
	q = req >= 0 && r->req[req].used ? &r->req[req] : NULL;
	if (is_write(e->nr) && e->ret >= 0) {
		if (q)
			add_item(r, q, true, e, payload);
		if (r->has_resp && e->fd_kind == INSIGHT_FD_SOCKET &&
		    regex_hit(&r->resp_re, payload, e->payload_len))
			fire(r, "response", req, e->seq, "%s", "matched --trigger-response");
		if (r->has_log && e->fd_kind != INSIGHT_FD_SOCKET &&
		    regex_hit(&r->log_re, payload, e->payload_len))
			fire(r, "log", req, e->seq, "%s", "matched --trigger-log");
		return 0;
	}
	/*
	 * environment: opens, connects, every failed call, and the error
	 * getsockopt(SO_ERROR) reports (how an asynchronous connect ended:
	 * the connect itself said only EINPROGRESS)
	 */
	if (q && (e->nr == 2 || e->nr == 257 || e->nr == 42 || e->ret < 0 ||
		  so_error_of(e, payload)))
		add_item(r, q, false, e, payload);
	if (r->has_errno && e->nr == r->errno_nr && e->ret == -r->errno_val)
		fire(r, "errno", req, e->seq, "%s", insight_syscall_name(e->nr));
	/* the request is over when its fd is closed */
	if (e->nr == 3 && q && q->fd == e->fd) {
		if (r->fired && req == r->fired_req) {
			r->done = true;
			return 0;
		}
		req_free(r, q);
		*act = -1;
	}
	return 0;
}

/* The fired request as a failure record: the record borrows its buffers. */
static int write_record(struct recorder *r, const struct record_opts *o,
			unsigned long long drops)
{
	struct request none = { 0 }, *q;
	struct insight_record rec = {
		.target_pid = o->pid,
		.trigger_seq = r->trigger_seq,
		.dropped_events = drops,
		.dropped_requests = r->dropped_requests,
	};

	q = r->fired_req >= 0 && r->req[r->fired_req].used ? &r->req[r->fired_req] : &none;
	if (o->cgroup)
		snprintf(rec.target_cgroup, sizeof(rec.target_cgroup), "%s", o->cgroup);
	snprintf(rec.trigger, sizeof(rec.trigger), "%s", r->kind);
	snprintf(rec.trigger_detail, sizeof(rec.trigger_detail), "%s", r->detail);
	rec.pid = q->pid;
	if (q->used)
		snprintf(rec.exe, sizeof(rec.exe), "%s", q->exe);
	rec.in_fd = q->used ? q->fd : -1;
	rec.in_kind = q->fd_kind;
	snprintf(rec.peer, sizeof(rec.peer), "%s", q->peer);
	rec.input = q->input;
	rec.input_len = q->in_len;
	rec.input_truncated = q->in_truncated;
	rec.outputs = q->out;
	rec.nout = q->nout;
	rec.outputs_truncated = q->out_truncated;
	rec.env = q->env;
	rec.nenv = q->nenv;
	return insight_record_save(o->out, &rec);
}

/* Load and attach the stream, pin it: 0, or the exit status. */
static int start(struct insight_stream **st, struct recorder *r, const struct record_opts *o)
{
	char pindir[128];
	int err;

	err = insight_stream_open(st, &o->so, on_event, r);
	if (err) {
		cli_err("cannot load the BPF stream: %s%s", strerror(-err),
			err == -EPERM ? " (BPF not permitted: run as root)" : "");
		return EXIT_USAGE;
	}
	if (o->pid && (err = insight_stream_add_tree(*st, o->pid))) {
		cli_err("cannot trace pid %d: %s", o->pid, strerror(-err));
		return 1;
	}
	snprintf(pindir, sizeof(pindir), "/sys/fs/bpf/insight/record-%d", getpid());
	err = insight_stream_pin(*st, pindir);
	if (err == -ENOTSUP)
		fprintf(stderr, "insight: not pinning: /sys/fs/bpf is not a bpf filesystem\n");
	else if (err)
		fprintf(stderr, "insight: not pinning under %s: %s\n", pindir, strerror(-err));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o->pid)
		fprintf(stderr, "insight: recording pid %d\n", o->pid);
	else
		fprintf(stderr, "insight: recording cgroup %s\n", o->cgroup);
	return 0;
}

/* Seconds since @t (CLOCK_MONOTONIC). */
static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - t->tv_sec + (now.tv_nsec - t->tv_nsec) / 1e9;
}

/*
 * Read the stream until a trigger fires and its request is over (its
 * connection closed or its next request read, or --settle passed), the
 * target is gone, the duration is over or a signal; 0, or 1 after the
 * reason.  A request that fired is written as far as it got.
 */
static int run(struct insight_stream *st, struct recorder *r, const struct record_opts *o)
{
	struct timespec t0;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop && !r->done) {
		err = insight_stream_poll(st, 50);
		if (err < 0 && err != -EINTR) {
			cli_err("reading the stream: %s", strerror(-err));
			return 1;
		}
		if (r->fired && since(&r->fired_at) >= r->settle)
			break;
		if (o->duration && since(&t0) >= o->duration)
			break;
		if (o->pid && kill(o->pid, 0) && errno == ESRCH) {
			while (insight_stream_poll(st, 0) > 0 && !r->done)
				;
			break;
		}
	}
	r->done = r->fired;
	return 0;
}

static void recorder_free(struct recorder *r)
{
	int i;

	for (i = 0; i < MAX_REQS; i++)
		if (r->req[i].used)
			req_free(r, &r->req[i]);
	if (r->has_log)
		regfree(&r->log_re);
	if (r->has_resp)
		regfree(&r->resp_re);
	free(r);
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = {
		.so = {
			.payload_max = INSIGHT_PAYLOAD_MAX,
			.record_mode = 1,
			.ring_bytes = 8 << 20,
		},
	};
	struct insight_stream *st = NULL;
	struct recorder *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	r->max_bytes = 1 << 20;
	r->fired_req = -1;
	r->settle = 1;
	if (record_parse_opts(argc, argv, r, &o) || record_check_opts(r, &o)) {
		recorder_free(r);
		return EXIT_USAGE;
	}
	err = start(&st, r, &o);
	if (!err)
		err = run(st, r, &o);
	if (!err && !r->done) {
		fprintf(stderr, "insight: no trigger fired; no record written\n");
		err = 1;
	}
	if (!err) {
		err = write_record(r, &o, insight_stream_drops(st));
		if (err)
			cli_err("cannot write %s: %s", o.out, strerror(-err));
		else
			fprintf(stderr, "insight: %s trigger fired; failure record written to %s\n",
				r->kind, o.out);
		err = err ? 1 : 0;
	}
	insight_stream_close(st);	/* unpins */
	recorder_free(r);
	return err;
}
