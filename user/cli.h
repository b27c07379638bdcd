/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the insight CLI's subcommands (user/cmd_*.c).
 *
 * Exit codes: 0 success, 1 the operation failed, 2 bad usage or a
 * missing precondition (module not loaded, bad input).
 */
#ifndef INSIGHT_CLI_H
#define INSIGHT_CLI_H

#include <getopt.h>
#include <stdint.h>

#define EXIT_USAGE 2

struct insight_nl;

/* One-line error on stderr, prefixed with "insight: ". */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Open the insight family; on failure print why (module not loaded,
 * permission) and return the exit code to use, else 0.
 */
int cli_open(struct insight_nl **h);

/* --pid's value: a process id, or 0 after a one-line message. */
int cli_pid(const char *arg);

/*
 * The id of the cgroup v2 directory @path (its inode number), or 0 after
 * a one-line message (missing, or not a cgroup v2 directory).
 */
unsigned long long cli_cgroup_id(const char *path);

/*
 * The target of a stream (insight trace, insight record): @pid must
 * exist; @cgroup, if given, gives *@cgroup_id.  0, or -1 after a
 * one-line message.
 */
int cli_stream_target(int pid, const char *cgroup, uint64_t *cgroup_id);

/*
 * insight CMD --help on stdout (user/help.c): 0; 1 if its lines and the
 * subcommand's getopt table differ (said on stderr); -1: no such command.
 */
int cli_help(const char *cmd);

/* The subcommands' getopt tables (their --help checks them). */
extern const struct option sites_options[], explore_options[], record_options[],
	trace_options[], inject_options[], faults_options[], campaign_options[], shadow_options[];

int cmd_version(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_sites(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_faults(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_shadow(int argc, char **argv);

#endif /* INSIGHT_CLI_H */
