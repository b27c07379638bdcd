// SPDX-License-Identifier: GPL-2.0
/*
 * insight record (--pid P | --cgroup PATH) -o RECORD [--max-bytes N]
 *                [--trigger-log REGEX] [--trigger-response REGEX]
 *                [--trigger-errno SYSCALL:ERRNO] [--trigger-exit STATUS|SIGNAL]
 *                [--duration SECONDS]
 *
 * The production recorder: it keeps, per request (one input fd of one
 * process: a connection, or stdin), the input bytes, the outputs in
 * order and the environment they touched (files opened and the result,
 * peers connected, syscalls that failed), within --max-bytes.  When a
 * trigger fires it writes the request as a failure record
 * (Documentation/record.rst) and stops.  While it runs, its BPF maps and
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
#include "format.h"
#include "stream.h"
#include "syscalls.h"

#define MAX_REQS	64
#define MAX_ITEMS	256	/* outputs, or environment entries, per request */
#define RECORD_VERSION	1

struct item {			/* an output, or an environment entry */
	unsigned long long seq;
	int nr, fd, fd_kind;
	long long ret;
	unsigned long long len;	/* bytes the call moved */
	unsigned int captured;
	char peer[32];
	unsigned char *data;	/* captured bytes, or a path */
};

struct request {
	bool used;
	pid_t pid;
	int fd, fd_kind;
	char peer[32];
	unsigned long long first_seq, last_seq;
	unsigned char *input;
	size_t in_len;
	bool in_truncated;
	struct item *out, *env;	/* grown on demand, charged to --max-bytes */
	int nout, nenv, outcap, envcap;
	bool out_truncated, env_truncated;
	size_t bytes;		/* memory it holds, against --max-bytes */
};

struct recorder {
	struct request req[MAX_REQS];
	struct { pid_t tid; int req; } active[MAX_REQS];	/* tid -> request */
	size_t bytes, max_bytes;
	unsigned long dropped_requests;
	regex_t log_re, resp_re;
	bool has_log, has_resp, has_errno, has_exit;
	int errno_nr, errno_val, exit_status;	/* exit: wait status */
	/* what fired */
	const char *kind;
	char detail[256];
	unsigned long long trigger_seq;
	int fired_req;
	bool done;
};

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

static void item_free(struct item *it)
{
	free(it->data);
	it->data = NULL;
}

static void req_free(struct recorder *r, struct request *q)
{
	int i;

	for (i = 0; i < q->nout; i++)
		item_free(&q->out[i]);
	for (i = 0; i < q->nenv; i++)
		item_free(&q->env[i]);
	free(q->out);
	free(q->env);
	free(q->input);
	r->bytes -= q->bytes;
	memset(q, 0, sizeof(*q));
}

/* The request of @pid's input @fd, made if needed (the oldest may go). */
static int req_get(struct recorder *r, const struct insight_sys_event *e)
{
	int i, free_slot = -1, oldest = -1;

	for (i = 0; i < MAX_REQS; i++) {
		struct request *q = &r->req[i];

		if (q->used && q->pid == (pid_t)e->pid && q->fd == e->fd)
			return i;
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
	struct item **arr = output ? &q->out : &q->env, *it;
	int *n = output ? &q->nout : &q->nenv;
	int *cap = output ? &q->outcap : &q->envcap;

	if (*n == *cap) {
		int more = *cap ? *cap * 2 : 8;
		size_t need = (more - *cap) * sizeof(**arr);
		struct item *grown;

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
	it->len = e->ret > 0 ? e->ret : 0;
	it->captured = e->payload_len;
	peer_str(e, it->peer, sizeof(it->peer));
	it->data = malloc(e->payload_len + 1);
	if (it->data) {
		memcpy(it->data, payload, e->payload_len);
		it->data[e->payload_len] = '\0';
	} else {
		it->captured = 0;
	}
	q->last_seq = e->seq;
	return;
full:
	if (output)
		q->out_truncated = true;
	else
		q->env_truncated = true;
}

static bool is_read(int nr)
{
	return nr == 0 || nr == 17 || nr == 45;	/* read, pread64, recvfrom */
}

static bool is_write(int nr)
{
	return nr == 1 || nr == 18 || nr == 44;	/* write, pwrite64, sendto */
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
	if (r->done)
		return;
	r->kind = kind;
	r->fired_req = req;
	r->trigger_seq = seq;
	snprintf(r->detail, sizeof(r->detail), fmt, arg);
	r->done = true;
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
	/* environment: opens, connects, and every failed call */
	if (q && (e->nr == 2 || e->nr == 257 || e->nr == 42 || e->ret < 0))
		add_item(r, q, false, e, payload);
	if (r->has_errno && e->nr == r->errno_nr && e->ret == -r->errno_val)
		fire(r, "errno", req, e->seq, "%s", insight_syscall_name(e->nr));
	/* the request is over when its fd is closed */
	if (e->nr == 3 && q && q->fd == e->fd && !r->done) {
		req_free(r, q);
		*act = -1;
	}
	return 0;
}

static void json_b64(FILE *f, const char *key, const void *data, size_t len)
{
	char *b64 = malloc(4 * ((len + 2) / 3) + 1);

	if (!b64)
		return;
	insight_base64(data, len, b64);
	fprintf(f, "\"%s\":\"%s\"", key, b64);
	free(b64);
}

static const char *kind_name(int k)
{
	static const char *const n[] = { "none", "file", "pipe", "socket", "chr", "other" };

	return k >= 0 && k <= 5 ? n[k] : "none";
}

static void write_items(FILE *f, const struct item *it, int n, bool output)
{
	char buf[32];
	int i;

	for (i = 0; i < n; i++, it++) {
		const char *name = insight_syscall_name(it->nr);

		if (!name) {
			snprintf(buf, sizeof(buf), "syscall_%d", it->nr);
			name = buf;
		}
		fprintf(f, "%s\n    {\"seq\":%llu,\"syscall\":\"%s\",\"ret\":%lld",
			i ? "," : "", it->seq, name, it->ret);
		if (it->ret < 0 && it->ret > -4096)
			fprintf(f, ",\"errno\":\"%s\"", strerrorname_np(-it->ret) ?: "?");
		if (it->fd >= 0)
			fprintf(f, ",\"fd\":%d,\"fd_kind\":\"%s\"", it->fd, kind_name(it->fd_kind));
		if (it->peer[0])
			fprintf(f, ",\"peer\":\"%s\"", it->peer);
		if (output) {
			fprintf(f, ",\"len\":%llu,\"truncated\":%s,", it->len,
				it->captured < it->len ? "true" : "false");
			json_b64(f, "data_b64", it->data, it->captured);
		} else if ((it->nr == 2 || it->nr == 257) && it->data) {
			fputs(",\"path\":", f);
			insight_json_str(f, (const char *)it->data, it->captured);
		}
		fputc('}', f);
	}
}

/* The name of @pid's executable (its last component), or NULL. */
static const char *exe_name(pid_t pid, char *buf, size_t len)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	snprintf(buf, len, "%.200s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	return buf;
}

/* The failure record, written to a temporary file renamed into place. */
static int write_record(struct recorder *r, const char *path, pid_t pid,
			const char *cgroup, unsigned long long drops)
{
	struct request none = { 0 }, *q;
	char tmp[PATH_MAX], exe[256];
	FILE *f;

	q = r->fired_req >= 0 && r->req[r->fired_req].used ? &r->req[r->fired_req] : &none;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "{\"format\":\"insight-failure-record\",\"version\":%d,\n", RECORD_VERSION);
	if (pid)
		fprintf(f, " \"target\":{\"pid\":%d},\n", pid);
	else {
		fputs(" \"target\":{\"cgroup\":", f);
		insight_json_str(f, cgroup, strlen(cgroup));
		fputs("},\n", f);
	}
	fprintf(f, " \"trigger\":{\"kind\":\"%s\",\"seq\":%llu,\"detail\":", r->kind,
		r->trigger_seq);
	insight_json_str(f, r->detail, strlen(r->detail));
	fprintf(f, "},\n \"request\":{\"pid\":%d,\"fd\":%d,\"fd_kind\":\"%s\",\"peer\":\"%s\","
		"\"input_len\":%zu,\"input_truncated\":%s,",
		q->pid, q->used ? q->fd : -1, kind_name(q->fd_kind), q->peer, q->in_len,
		q->in_truncated ? "true" : "false");
	if (q->used && exe_name(q->pid, exe, sizeof(exe))) {
		fputs("\"exe\":", f);
		insight_json_str(f, exe, strlen(exe));
		fputc(',', f);
	}
	json_b64(f, "input_b64", q->input ? q->input : (unsigned char *)"", q->in_len);
	fputs("},\n \"outputs\":[", f);
	write_items(f, q->out, q->nout, true);
	fprintf(f, "],\n \"outputs_truncated\":%s,\n \"environment\":[",
		q->out_truncated ? "true" : "false");
	write_items(f, q->env, q->nenv, false);
	fprintf(f, "],\n \"dropped\":{\"events\":%llu,\"requests\":%lu}}\n", drops,
		r->dropped_requests);
	if (fclose(f) || rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

static int parse_errno_trigger(struct recorder *r, const char *arg)
{
	char name[64];
	const char *colon = strchr(arg, ':');
	int i;

	if (!colon || colon - arg >= (long)sizeof(name))
		return -1;
	snprintf(name, sizeof(name), "%.*s", (int)(colon - arg), arg);
	r->errno_nr = -1;
	for (i = 0; i < INSIGHT_NR_SYSCALLS; i++)
		if (insight_syscall_names[i] && !strcmp(insight_syscall_names[i], name))
			r->errno_nr = i;
	for (i = 1; i < 4096 && r->errno_nr >= 0; i++) {
		const char *en = strerrorname_np(i);

		if (en && !strcmp(en, colon + 1)) {
			r->errno_val = i;
			return 0;
		}
	}
	return -1;
}

static int parse_exit_trigger(struct recorder *r, const char *arg)
{
	char *end;
	long code = strtol(arg, &end, 10);
	int sig;

	if (!*end && code >= 0 && code < 256) {
		r->exit_status = code << 8;
		return 0;
	}
	for (sig = 1; sig < 65; sig++) {
		const char *abbr = sigabbrev_np(sig);

		if (abbr && (!strcmp(arg, abbr) ||
			     (!strncmp(arg, "SIG", 3) && !strcmp(arg + 3, abbr)))) {
			r->exit_status = sig;
			return 0;
		}
	}
	return -1;
}

static int compile(regex_t *re, const char *pattern, const char *opt)
{
	char msg[128];
	int err = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);

	if (err) {
		regerror(err, re, msg, sizeof(msg));
		cli_err("%s: invalid regex '%s': %s", opt, pattern, msg);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: insight record (--pid P | --cgroup PATH) -o RECORD [--max-bytes N]\n"
			"         [--trigger-log REGEX] [--trigger-response REGEX]\n"
			"         [--trigger-errno SYSCALL:ERRNO] [--trigger-exit STATUS|SIGNAL]\n"
			"         [--duration SECONDS]\n");
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "trigger-log", required_argument, NULL, 'L' },
		{ "trigger-response", required_argument, NULL, 'R' },
		{ "trigger-errno", required_argument, NULL, 'E' },
		{ "trigger-exit", required_argument, NULL, 'X' },
		{ "duration", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct insight_stream_opts so = {
		.payload_max = INSIGHT_PAYLOAD_MAX,
		.record_mode = 1,
		.ring_bytes = 8 << 20,
	};
	const char *out = NULL, *cgroup = NULL;
	struct insight_stream *st = NULL;
	char pindir[128], tmp[PATH_MAX];
	struct recorder *r;
	double duration = 0;
	time_t t0;
	pid_t pid = 0;
	char *end;
	int c, err = EXIT_USAGE;

	r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	r->max_bytes = 1 << 20;
	r->fired_req = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:c:o:m:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pid = cli_pid(optarg);
			if (!pid)
				goto out_free;
			break;
		case 'c':
			cgroup = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'm':
			r->max_bytes = strtoull(optarg, &end, 10);
			if (*end || r->max_bytes < 4096) {
				cli_err("--max-bytes takes at least 4096");
				goto out_free;
			}
			break;
		case 'L':
			if (compile(&r->log_re, optarg, "--trigger-log"))
				goto out_free;
			r->has_log = true;
			break;
		case 'R':
			if (compile(&r->resp_re, optarg, "--trigger-response"))
				goto out_free;
			r->has_resp = true;
			break;
		case 'E':
			if (parse_errno_trigger(r, optarg)) {
				cli_err("--trigger-errno takes SYSCALL:ERRNO, e.g. openat:ENOENT (not '%s')",
					optarg);
				goto out_free;
			}
			r->has_errno = true;
			break;
		case 'X':
			if (parse_exit_trigger(r, optarg)) {
				cli_err("--trigger-exit takes an exit code or a signal name (not '%s')",
					optarg);
				goto out_free;
			}
			r->has_exit = true;
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || duration <= 0) {
				cli_err("bad duration '%s'", optarg);
				goto out_free;
			}
			break;
		default:
			usage();
			goto out_free;
		}
	}
	if (optind != argc || (!pid == !cgroup) || !out) {
		usage();
		goto out_free;
	}
	if (!r->has_log && !r->has_resp && !r->has_errno && !r->has_exit) {
		cli_err("no trigger: give at least one --trigger-*");
		goto out_free;
	}
	if (pid && kill(pid, 0) && errno == ESRCH) {
		cli_err("no process %d", pid);
		goto out_free;
	}
	if (cgroup && !(so.cgroup_id = cli_cgroup_id(cgroup)))
		goto out_free;
	/* the record can be written: checked now, not after the failure */
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	{
		FILE *probe = fopen(tmp, "w");

		if (!probe) {
			cli_err("cannot write %s: %s", out, strerror(errno));
			goto out_free;
		}
		fclose(probe);
		unlink(tmp);
	}
	err = insight_stream_open(&st, &so, on_event, r);
	if (err) {
		cli_err("cannot load the BPF stream: %s%s", strerror(-err),
			err == -EPERM ? " (BPF not permitted: run as root)" : "");
		err = EXIT_USAGE;
		goto out_free;
	}
	if (pid && (err = insight_stream_add_pid(st, pid))) {
		cli_err("cannot trace pid %d: %s", pid, strerror(-err));
		err = 1;
		goto out_close;
	}
	snprintf(pindir, sizeof(pindir), "/sys/fs/bpf/insight/record-%d", getpid());
	err = insight_stream_pin(st, pindir);
	if (err == -ENOTSUP)
		fprintf(stderr, "insight: not pinning: /sys/fs/bpf is not a bpf filesystem\n");
	else if (err)
		fprintf(stderr, "insight: not pinning under %s: %s\n", pindir, strerror(-err));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (pid)
		fprintf(stderr, "insight: recording pid %d\n", pid);
	else
		fprintf(stderr, "insight: recording cgroup %s\n", cgroup);
	t0 = time(NULL);
	while (!stop && !r->done) {
		err = insight_stream_poll(st, 50);
		if (err < 0 && err != -EINTR) {
			cli_err("reading the stream: %s", strerror(-err));
			err = 1;
			goto out_close;
		}
		if (duration && time(NULL) - t0 >= duration)
			break;
		if (pid && kill(pid, 0) && errno == ESRCH) {
			while (insight_stream_poll(st, 0) > 0 && !r->done)
				;
			break;
		}
	}
	if (!r->done) {
		fprintf(stderr, "insight: no trigger fired; no record written\n");
		err = 1;
		goto out_close;
	}
	err = write_record(r, out, pid, cgroup, insight_stream_drops(st));
	if (err) {
		cli_err("cannot write %s: %s", out, strerror(-err));
		err = 1;
		goto out_close;
	}
	fprintf(stderr, "insight: %s trigger fired; failure record written to %s\n",
		r->kind, out);
	err = 0;
out_close:
	insight_stream_close(st);	/* unpins */
out_free:
	for (c = 0; c < MAX_REQS; c++)
		if (r->req[c].used)
			req_free(r, &r->req[c]);
	if (r->has_log)
		regfree(&r->log_re);
	if (r->has_resp)
		regfree(&r->resp_re);
	free(r);
	return err;
}
