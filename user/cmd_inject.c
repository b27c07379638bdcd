// SPDX-License-Identifier: GPL-2.0
/*
 * insight inject: a fault in a component (a process tree or a cgroup),
 * held until Ctrl-C, SIGTERM or --for SECONDS, then its counts.  A
 * syscall fails with an errno, waits, or kills the process; or a library
 * function returns a value at once (insight.ko's INJECT_ADD,
 * Documentation/kmod.rst "Fault injection").
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "elfsym.h"
#include "libinsight.h"
#include "manerrors.h"
#include "syscalls.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: insight inject (--pid P | --cgroup PATH)\n"
		"         (--syscall NAME (--errno E | --delay MS | --kill)\n"
		"          [--fd-kind file,socket,pipe,other] [--port N] [--path PREFIX]\n"
		"          | --lib FILE (--function NAME | --offset N) --return VALUE)\n"
		"         [--nth N] [--probability P] [--for SECONDS] [--json]\n");
}

struct inject_opts {
	struct insight_component c;
	struct insight_inject_spec sp;
	const char *function;
	double seconds;		/* 0: until a signal */
	bool offset_given, json;
};

static long syscall_number(const char *name)
{
	long nr;

	for (nr = 0; nr < INSIGHT_NR_SYSCALLS; nr++)
		if (insight_syscall_name(nr) && !strcmp(insight_syscall_name(nr), name))
			return nr;
	return -1;
}

/* An errno by name (ENOENT) or number: 1 to 4095, or 0. */
static unsigned int errno_value(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*end && end != s)
		return v >= 1 && v <= 4095 ? v : 0;
	return errno_by_name(s);
}

/* "file,socket" into INSIGHT_INJECT_FD_* bits, or 0. */
static unsigned int fd_kinds(char *list)
{
	static const char *const names[] = { "file", "socket", "pipe", "other" };
	unsigned int bits = 0, i;
	char *tok, *save;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < 4 && strcmp(tok, names[i]); i++)
			;
		if (i == 4)
			return 0;
		bits |= 1U << i;
	}
	return bits;
}

/* A number within [@min, @max] from @s into *@v: 0, or -1 after the reason. */
static int number(const char *opt, const char *s, unsigned long long min,
		  unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end || end == s || *v < min || *v > max) {
		cli_err("--%s takes %llu to %llu, not '%s'", opt, min, max, s);
		return -1;
	}
	return 0;
}

/* One option @c (argument @arg) into @o: 0, or -1 after the reason. */
static int parse_one(int c, char *arg, struct inject_opts *o)
{
	struct insight_inject_spec *sp = &o->sp;
	unsigned long long v;
	long nr;

	switch (c) {
	case 'p':
		o->c.pid = cli_pid(arg);
		return o->c.pid ? 0 : -1;
	case 'c':
		o->c.cgroup = arg;
		return cli_cgroup_id(arg) ? 0 : -1;
	case 's':
		nr = syscall_number(arg);
		if (nr < 0) {
			cli_err("unknown syscall '%s'", arg);
			return -1;
		}
		sp->nr = nr;
		return 0;
	case 'e':
		sp->action = INSIGHT_INJECT_ERRNO;
		sp->err = errno_value(arg);
		if (!sp->err)
			cli_err("unknown errno '%s' (a name like ENOENT, or 1 to 4095)", arg);
		return sp->err ? 0 : -1;
	case 'd':
		sp->action = INSIGHT_INJECT_DELAY;
		if (number("delay", arg, 1, 600000, &v))
			return -1;
		sp->delay_ms = v;
		return 0;
	case 'k':
		sp->action = INSIGHT_INJECT_KILL;
		return 0;
	case 'K':
		sp->fd_kinds = fd_kinds(arg);
		if (!sp->fd_kinds)
			cli_err("--fd-kind takes a list of file, socket, pipe, other");
		return sp->fd_kinds ? 0 : -1;
	case 'P':
		if (number("port", arg, 1, 65535, &v))
			return -1;
		sp->port = v;
		return 0;
	case 'a':
		if (strlen(arg) >= sizeof(sp->path)) {
			cli_err("--path is longer than %zu bytes", sizeof(sp->path) - 1);
			return -1;
		}
		strcpy(sp->path, arg);
		return 0;
	case 'l':
		sp->lib = arg;
		return 0;
	case 'f':
		o->function = arg;
		return 0;
	case 'o':
		o->offset_given = true;
		if (number("offset", arg, 0, ~0ULL, &v))
			return -1;
		sp->offset = v;
		return 0;
	case 'r': {
		char *end;

		sp->action = INSIGHT_INJECT_RETURN;
		errno = 0;
		sp->retval = *arg == '-' ? (unsigned long long)strtoll(arg, &end, 0) :
			     strtoull(arg, &end, 0);
		if (errno || *end || end == arg) {
			cli_err("--return takes a number, not '%s'", arg);
			return -1;
		}
		return 0;
	}
	case 'n':
		if (number("nth", arg, 1, 0xffffffffULL, &v))
			return -1;
		sp->nth = v;
		return 0;
	case 'b': {
		char *end;
		double pr = strtod(arg, &end);

		if (*end || end == arg || pr <= 0 || pr > 1) {
			cli_err("--probability takes a number in (0, 1], not '%s'", arg);
			return -1;
		}
		sp->prob_ppm = pr * 1000000 < 1 ? 1 : pr * 1000000;
		return 0;
	}
	case 't': {
		char *end;

		o->seconds = strtod(arg, &end);
		if (*end || end == arg || o->seconds <= 0) {
			cli_err("bad duration '%s'", arg);
			return -1;
		}
		return 0;
	}
	case 'j':
		o->json = true;
		return 0;
	default:
		usage();
		return -1;
	}
}

/* The options of insight inject (its --help: user/help.c). */
const struct option inject_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "syscall", required_argument, NULL, 's' },
	{ "errno", required_argument, NULL, 'e' },
	{ "delay", required_argument, NULL, 'd' },
	{ "kill", no_argument, NULL, 'k' },
	{ "fd-kind", required_argument, NULL, 'K' },
	{ "port", required_argument, NULL, 'P' },
	{ "path", required_argument, NULL, 'a' },
	{ "lib", required_argument, NULL, 'l' },
	{ "function", required_argument, NULL, 'f' },
	{ "offset", required_argument, NULL, 'o' },
	{ "return", required_argument, NULL, 'r' },
	{ "nth", required_argument, NULL, 'n' },
	{ "probability", required_argument, NULL, 'b' },
	{ "for", required_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

/* The whole command line into @o, checked: 0, or -1 after the reason. */
static int parse_opts(int argc, char **argv, struct inject_opts *o)
{
	bool syscall_given = false;
	int c, err;

	optind = 1;
	o->sp.nr = INSIGHT_INJECT_NR_LIBRARY;
	while ((c = getopt_long(argc, argv, "", inject_options, NULL)) != -1) {
		syscall_given |= c == 's';
		if (parse_one(c, optarg, o))
			return -1;
	}
	if (optind < argc) {
		cli_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!o->c.pid == !o->c.cgroup) {
		cli_err("name the component: --pid or --cgroup");
		return -1;
	}
	if (syscall_given == !!o->sp.lib) {
		cli_err("inject into a --syscall or a --lib function, one of them");
		return -1;
	}
	if (!syscall_given) {
		if (o->sp.action != INSIGHT_INJECT_RETURN || !o->function == !o->offset_given) {
			cli_err("a library function takes --function or --offset, and --return");
			return -1;
		}
		if (o->function) {
			uint64_t off;

			err = elf_function_offset(o->sp.lib, o->function, &off);
			o->sp.offset = off;
			if (err) {
				cli_err("%s: no function %s: %s", o->sp.lib, o->function,
					strerror(-err));
				return -1;
			}
		}
	} else if (!o->sp.action || o->sp.action == INSIGHT_INJECT_RETURN) {
		cli_err("a syscall takes --errno, --delay or --kill");
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* Hold the injection until a signal or @seconds. */
static void hold(double seconds)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		poll(NULL, 0, 50);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds && now.tv_sec - t0.tv_sec + (now.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
			break;
	}
}

static const char *why(int err)
{
	switch (err) {
	case -EPERM:
		return "needs CAP_SYS_ADMIN";
	case -ESRCH:
		return "no such process";
	case -EBADF:
		return "not a cgroup v2 directory, or not a regular file";
	case -ENOSPC:
		return "too many injections (64 a socket, 256 in all)";
	case -EOPNOTSUPP:
		return "uprobes cannot probe that function's first instruction";
	default:
		return strerror(-err);
	}
}

int cmd_inject(int argc, char **argv)
{
	struct insight_inject_count cnt = { 0 };
	struct inject_opts o = { 0 };
	struct insight_nl *h;
	unsigned int n = 0;
	uint32_t id;
	int err;
	struct sigaction sa = { .sa_handler = on_stop };

	if (parse_opts(argc, argv, &o))
		return EXIT_USAGE;
	/* before "in place": a signal from then on prints the counts */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = cli_open(&h);
	if (err)
		return err;
	err = insight_inject_add(h, &o.c, &o.sp, &id);
	if (err) {
		cli_err("cannot inject: %s", why(err));
		insight_nl_close(h);
		return err == -EINVAL || err == -ERANGE || err == -ESRCH || err == -EBADF ||
		       err == -EPERM || err == -ENOENT ? EXIT_USAGE : 1;
	}
	fprintf(stderr, "insight: injection %u in place; Ctrl-C to remove it\n", id);
	hold(o.seconds);
	err = insight_inject_get(h, &cnt, 1, &n);
	insight_nl_close(h);	/* the injection goes with the socket */
	if (err || n != 1) {
		cli_err("cannot read the injection's counts: %s", strerror(err ? -err : EBADMSG));
		return 1;
	}
	if (o.json)
		printf("{\"id\":%u,\"matched\":%llu,\"injected\":%llu}\n", cnt.id,
		       (unsigned long long)cnt.matched, (unsigned long long)cnt.injected);
	else
		printf("injection %u: %llu calls matched, %llu injected\n", cnt.id,
		       (unsigned long long)cnt.matched, (unsigned long long)cnt.injected);
	return 0;
}
