// SPDX-License-Identifier: GPL-2.0
/*
 * insight record's command line: its options, the triggers they name
 * (compiled, parsed), and what can be checked before anything is loaded.
 */
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "recorder.h"
#include "syscalls.h"

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
	r->errno_val = r->errno_nr >= 0 ? insight_errno_named(colon + 1) : 0;
	return r->errno_val ? 0 : -1;
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
			"         [--duration SECONDS] [--settle SECONDS] [-v]\n");
}

/* The options of insight record (its --help: user/help.c). */
const struct option record_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "max-bytes", required_argument, NULL, 'm' },
	{ "trigger-log", required_argument, NULL, 'L' },
	{ "trigger-response", required_argument, NULL, 'R' },
	{ "trigger-errno", required_argument, NULL, 'E' },
	{ "trigger-exit", required_argument, NULL, 'X' },
	{ "duration", required_argument, NULL, 'd' },
	{ "settle", required_argument, NULL, 'S' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

int record_parse_opts(int argc, char **argv, struct recorder *r, struct record_opts *o)
{
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:c:o:m:d:v", record_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->pid = cli_pid(optarg);
			if (!o->pid)
				return -1;
			break;
		case 'c':
			o->cgroup = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'm':
			r->max_bytes = strtoull(optarg, &end, 10);
			if (*end || r->max_bytes < 4096) {
				cli_err("--max-bytes takes at least 4096");
				return -1;
			}
			break;
		case 'L':
			if (compile(&r->log_re, optarg, "--trigger-log"))
				return -1;
			r->has_log = true;
			break;
		case 'R':
			if (compile(&r->resp_re, optarg, "--trigger-response"))
				return -1;
			r->has_resp = true;
			break;
		case 'E':
			if (parse_errno_trigger(r, optarg)) {
				cli_err("--trigger-errno takes SYSCALL:ERRNO, e.g. openat:ENOENT (not '%s')",
					optarg);
				return -1;
			}
			r->has_errno = true;
			break;
		case 'X':
			if (parse_exit_trigger(r, optarg)) {
				cli_err("--trigger-exit takes an exit code or a signal name (not '%s')",
					optarg);
				return -1;
			}
			r->has_exit = true;
			break;
		case 'v':
			insight_stream_verbose(true);
			break;
		case 'd':
			o->duration = strtod(optarg, &end);
			if (*end || o->duration <= 0) {
				cli_err("bad duration '%s'", optarg);
				return -1;
			}
			break;
		case 'S':
			r->settle = strtod(optarg, &end);
			if (*end || end == optarg || !(r->settle >= 0 && r->settle <= 3600)) {
				cli_err("--settle takes seconds from 0 to 3600 (not '%s')", optarg);
				return -1;
			}
			break;
		default:
			usage();
			return -1;
		}
	}
	if (optind != argc || (!o->pid == !o->cgroup) || !o->out) {
		usage();
		return -1;
	}
	return 0;
}

int record_check_opts(const struct recorder *r, struct record_opts *o)
{
	int err;

	if (!r->has_log && !r->has_resp && !r->has_errno && !r->has_exit) {
		cli_err("no trigger: give at least one --trigger-*");
		return -1;
	}
	if (cli_stream_target(o->pid, o->cgroup, &o->so.cgroup_id))
		return -1;
	/* the record can be written: checked now, not after the failure */
	err = insight_record_writable(o->out);
	if (err) {
		cli_err("cannot write %s: %s", o->out, strerror(-err));
		return -1;
	}
	return 0;
}
