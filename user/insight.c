// SPDX-License-Identifier: GPL-2.0
/*
 * insight: the coordinator CLI.  main() only dispatches to a subcommand;
 * each lives in user/cmd_<name>.c.
 */
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "cli.h"
#include "libinsight.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "version", cmd_version, "print the CLI's and the loaded module's ABI versions" },
	{ "status", cmd_status, "print the loaded module's state and limits" },
	{ "sites", cmd_sites, "list the conditional jumps of a process (capstone, libdw)" },
	{ "explore", cmd_explore, "find the path of a recorded failed request in a shadow" },
	{ "record", cmd_record, "record a process's requests; on a trigger, write a failure record" },
	{ "trace", cmd_trace, "stream the syscalls of a process or cgroup (text, jsonl, chrome)" },
	{ "inject", cmd_inject, "inject a fault into a process tree or cgroup until Ctrl-C" },
	{ "faults", cmd_faults, "a component's fault list: its syscalls and imports, their errors" },
	{ "campaign", cmd_campaign, "a fault-injection campaign on a stack: its failure-propagation map" },
	{ "shadow", cmd_shadow, "clone a running VM (QMP) into an isolated shadow VM, or destroy one" },
};

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("insight: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_open(struct insight_nl **h)
{
	int err = insight_nl_open(h);

	if (!err)
		return 0;
	if (err == -ENOENT)
		cli_err("insight.ko is not loaded (no '%s' generic netlink family); load it with: insmod insight.ko",
			INSIGHT_GENL_NAME);
	else
		cli_err("cannot open generic netlink: %s", strerror(-err));
	return EXIT_USAGE;
}

int cli_pid(const char *arg)
{
	char *end;
	long pid = strtol(arg, &end, 10);

	if (*end || end == arg || pid <= 0 || pid > INT_MAX) {
		cli_err("bad pid '%s'", arg);
		return 0;
	}
	return pid;
}

unsigned long long cli_cgroup_id(const char *path)
{
	struct statfs fs;
	struct stat st;

	if (statfs(path, &fs) || stat(path, &st)) {
		cli_err("cgroup %s: %s", path, strerror(errno));
		return 0;
	}
	if (fs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode)) {
		cli_err("%s is not a cgroup v2 directory", path);
		return 0;
	}
	return st.st_ino;
}

int cli_stream_target(int pid, const char *cgroup, uint64_t *cgroup_id)
{
	if (pid && kill(pid, 0) && errno == ESRCH) {
		cli_err("no process %d", pid);
		return -1;
	}
	if (cgroup && !(*cgroup_id = cli_cgroup_id(cgroup)))
		return -1;
	return 0;
}

/* Whether a subcommand's arguments ask for its help (-h, --help). */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: insight COMMAND [ARGS]   (insight COMMAND --help: its options)\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (wants_help(argc - 1, argv + 1))
			return cli_help(cmds[i].name) ? 1 : 0;
		return cmds[i].fn(argc - 1, argv + 1);
	}
	cli_err("unknown command '%s' (try: insight help)", argv[1]);
	return EXIT_USAGE;
}
