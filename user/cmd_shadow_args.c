// SPDX-License-Identifier: GPL-2.0
/* insight shadow's options (cmd_shadow.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmd_shadow.h"

const struct option shadow_options[] = {
	{ "qmp", required_argument, NULL, 'q' },
	{ "dir", required_argument, NULL, 'd' },
	{ "max-pause", required_argument, NULL, 'p' },
	{ "destroy", no_argument, NULL, 'D' },
	{ "json", no_argument, NULL, 'j' },
	{ "exec", required_argument, NULL, 'e' },
	{ "explore", required_argument, NULL, 'x' },
	{ "watch", no_argument, NULL, 'w' },
	{ "module", required_argument, NULL, 'm' },
	{ "timeout", required_argument, NULL, 't' },
	{ "keep", no_argument, NULL, 'k' },
	{ "peer", required_argument, NULL, 'P' },
	{ "net-log", required_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 }
};

/* A number option in [@lo, @hi] into @v: 0, or -1 after a message. */
static int number(const char *opt, const char *arg, long lo, long hi, const char *unit, int *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || !*arg || n < lo || n > hi) {
		cli_err("--%s takes %s, %ld to %ld", opt, unit, lo, hi);
		return -1;
	}
	*v = n;
	return 0;
}

#define SHADOW_USAGE "usage: insight shadow --qmp SOCKET --dir DIR [--max-pause MS] " \
	"[--peer ADDR:PORT=replay|forward|drop]... [--net-log FILE] [--exec CMD] " \
	"[--explore RECORD [--watch] [--module KO] [--timeout S] [--keep]] [--json] | " \
	"--destroy --dir DIR"

/* Options that go together: 0, or -1 after the usage line. */
static int check_args(const struct shadow_args *a)
{
	bool explore_opts = a->watch || a->module || a->keep || a->timeout_s;

	bool net_opts = a->net_log || a->peers.n;

	if (!a->dir || (!a->destroy && !a->qmp) ||
	    (a->destroy && (a->qmp || a->exec || a->record || explore_opts || net_opts)) ||
	    (!a->record && explore_opts)) {
		cli_err(SHADOW_USAGE);
		return -1;
	}
	return 0;
}

int shadow_parse(int argc, char **argv, struct shadow_args *a)
{
	char why[256];
	int c, err = 0;

	a->max_pause_ms = 500;
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "", shadow_options, NULL)) != -1) {
		switch (c) {
		case 'q': a->qmp = optarg; break;
		case 'd': a->dir = optarg; break;
		case 'D': a->destroy = true; break;
		case 'j': a->json = true; break;
		case 'e': a->exec = optarg; break;
		case 'x': a->record = optarg; break;
		case 'w': a->watch = true; break;
		case 'm': a->module = optarg; break;
		case 'k': a->keep = true; break;
		case 'l': a->net_log = optarg; break;
		case 'P':
			err = peers_parse(&a->peers, optarg, why, sizeof(why));
			if (err)
				cli_err("%s", why);
			break;
		case 'p':
			err = number("max-pause", optarg, 1, 60000, "milliseconds", &a->max_pause_ms);
			break;
		case 't':
			err = number("timeout", optarg, 1, 3600, "seconds", &a->timeout_s);
			break;
		default:
			return -1;
		}
	}
	if (err)
		return -1;
	if (optind != argc) {
		cli_err(SHADOW_USAGE);
		return -1;
	}
	return check_args(a);
}

