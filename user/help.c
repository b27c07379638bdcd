// SPDX-License-Identifier: GPL-2.0
/*
 * insight CMD --help: what the subcommand does and every option it
 * takes, one line each.  The options are the subcommand's own getopt
 * table (cmd_*.c): --help checks that each has its line here and each
 * line an option there, and fails (exit 1) when they differ, so that the
 * two cannot drift apart unseen (tests/host/help_test.c runs it for every
 * subcommand).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct opt_help {
	const char *name, *arg, *text;
};

struct cmd_help {
	const char *cmd, *synopsis, *what;
	const struct option *getopt;	/* NULL: no options */
	struct opt_help opts[24];
};

static const struct cmd_help helps[] = {
	{ "version", "", "The CLI's netlink ABI and the loaded insight.ko's (ABI and oldest client it serves).",
	  NULL, { { NULL } } },
	{ "status", "", "The loaded insight.ko's limits and open sessions (needs CAP_SYS_ADMIN).",
	  NULL, { { NULL } } },
	{ "sites", "--pid P [--lib NAME]",
	  "The conditional jumps of a process's executable (or a library), with their functions and source lines.",
	  sites_options, {
		{ "pid", "P", "the process whose code is listed" },
		{ "lib", "NAME", "list a mapped library (a name part, e.g. libc) instead of the executable" },
		{ NULL } } },
	{ "explore", "--record FAILURE.json [--pid P] [--in-place] [OPTIONS]",
	  "Find the execution path of a recorded failed request, in a shadow VM (insight shadow) or in place.",
	  explore_options, {
		{ "pid", "P", "the process to explore (default: the record's, which read the request)" },
		{ "record", "FILE", "the failure record insight record wrote" },
		{ "in-place", NULL, "outside a shadow VM: explore the production process itself (unisolated)" },
		{ "quota", "N", "running probes at once (default 4)" },
		{ "timeout", "S", "seconds before giving up (default 60)" },
		{ "backend", "kmod|ptrace", "insight.ko (default) or the ptrace backend" },
		{ "json", NULL, "the report as JSON" },
		{ "lib", "NAME", "also explore the sites of a mapped library" },
		{ "all-sites", NULL, "trap every site, not only those that depend on data" },
		{ "verbose", NULL, "say what the exploration does, on stderr" },
		{ "fmap", "FILE", "an f-map (insight campaign): say which component to shadow first" },
		{ "at", "NODE", "with --fmap: the f-map node where the failure was seen" },
		{ NULL } } },
	{ "record", "(--pid P | --cgroup PATH) -o RECORD [OPTIONS]",
	  "Record a process's requests (input log and output trace); on a trigger, write a failure record.",
	  record_options, {
		{ "pid", "P", "the process (and its children) to record" },
		{ "cgroup", "PATH", "record every process of a cgroup v2 directory" },
		{ "output", "FILE", "where the failure record goes" },
		{ "max-bytes", "N", "bytes of payload kept per request" },
		{ "trigger-log", "REGEX", "a failure is a log write matching REGEX" },
		{ "trigger-response", "REGEX", "a failure is a response matching REGEX" },
		{ "trigger-errno", "SYSCALL:ERRNO", "a failure is that syscall failing with that errno" },
		{ "trigger-exit", "STATUS|SIGNAL", "a failure is an exit with this status, or a death by it" },
		{ "duration", "S", "stop after S seconds" },
		{ "settle", "S", "after a trigger, record its request S more seconds at most (default 1)" },
		{ "verbose", NULL, "libbpf's messages too, on stderr" },
		{ NULL } } },
	{ "trace", "(--pid P | --cgroup PATH | --from RECORD) [OPTIONS]",
	  "Stream the syscalls of a process or cgroup (eBPF), or print a record's.",
	  trace_options, {
		{ "pid", "P", "the process (and its children) to trace" },
		{ "cgroup", "PATH", "trace every process of a cgroup v2 directory" },
		{ "format", "text|jsonl|chrome", "strace-like lines, JSON Lines, or Chrome/Perfetto JSON" },
		{ "output", "FILE", "write there, not to stdout" },
		{ "payload", "BYTES", "bytes of each read or write kept" },
		{ "duration", "S", "stop after S seconds" },
		{ "ring", "BYTES", "the ring buffer's size (a power of two)" },
		{ "from", "RECORD", "print the syscalls of a failure record" },
		{ "verbose", NULL, "libbpf's messages too, on stderr" },
		{ NULL } } },
	{ "inject", "(--pid P | --cgroup PATH) (--syscall NAME ACTION | --lib FILE ...) [OPTIONS]",
	  "Inject a fault into a process tree or cgroup until Ctrl-C, then print its counts.",
	  inject_options, {
		{ "pid", "P", "the component: this process and its descendants" },
		{ "cgroup", "PATH", "the component: a cgroup v2 directory and its descendants" },
		{ "syscall", "NAME", "the syscall injected into (x86_64 name)" },
		{ "errno", "E", "the syscall fails with E (ENOENT, or a number)" },
		{ "delay", "MS", "the syscall waits MS milliseconds, then runs" },
		{ "kill", NULL, "the process is killed at the syscall" },
		{ "fd-kind", "LIST", "only on fds of these kinds: file, socket, pipe, other" },
		{ "port", "N", "only to or from this peer port" },
		{ "path", "PREFIX", "only on paths under PREFIX" },
		{ "lib", "FILE", "a library function's file (an executable or shared library)" },
		{ "function", "NAME", "the library function, by its symbol" },
		{ "offset", "N", "the library function, by its offset in FILE" },
		{ "return", "VALUE", "the value the library function returns at once" },
		{ "nth", "N", "only the Nth matching call" },
		{ "probability", "P", "only with probability P, in (0, 1]" },
		{ "for", "S", "remove the fault after S seconds" },
		{ "json", NULL, "the counts as JSON" },
		{ NULL } } },
	{ "faults", "[--trace FILE | --pid P [--duration S] | --cgroup PATH --duration S] [--binary FILE]... [--json]",
	  "A component's fault list: its syscalls and imported functions with their manual pages' errors.",
	  faults_options, {
		{ "trace", "FILE", "a dry run's trace (insight trace --format jsonl)" },
		{ "pid", "P", "watch this process and its children while the workload runs" },
		{ "cgroup", "PATH", "watch every process of a cgroup v2 directory" },
		{ "duration", "S", "watch for S seconds (with --pid: at most, or until it exits)" },
		{ "binary", "FILE", "the functions this ELF file imports (repeatable)" },
		{ "man", "DIR", "the manual pages' root (default /usr/share/man)" },
		{ "json", NULL, "the list as JSON" },
		{ NULL } } },
	{ "campaign", "[--out DIR] [--only REGEX] [--pairs [--max-pairs N]] [--class CLASS] [--expected FILE] [--man DIR] [--list] [--fresh] STACK | --watch [--for S] [--out DIR] STACK | --advise NODE [--out DIR]",
	  "A fault-injection campaign on the stack that the file STACK describes: every fault of its components' interfaces, one at a time, then pairs; the failure-propagation map in OUT.",
	  campaign_options, {
		{ "out", "DIR", "where the f-map and the progress go (default ./campaign)" },
		{ "only", "REGEX", "only the faults whose ids match (COMP/SYSCALL@KIND:PORT/FAULT)" },
		{ "pairs", NULL, "then pairs of faults in two components that each alone were handled" },
		{ "max-pairs", "N", "at most N pairs (default 50)" },
		{ "class", "CLASS", "also a map of one fault class: network, disk, memory, crash, slow, other, production" },
		{ "expected", "FILE", "compare with the edges (FROM -> TO lines) the configs declare" },
		{ "man", "DIR", "the manual pages' root (default /usr/share/man)" },
		{ "list", NULL, "print the fault list and stop" },
		{ "fresh", NULL, "start anew: do not resume OUT's campaign" },
		{ "watch", NULL, "the production phase: add the running stack's natural failures to OUT's map" },
		{ "for", "S", "with --watch: for S seconds (default: until Ctrl-C)" },
		{ "advise", "NODE", "which component to shadow first for a failure seen at NODE (OUT's map)" },
		{ NULL } } },
	{ "shadow", "--qmp SOCKET --dir DIR [--max-pause MS] [--peer ADDR:PORT=replay|forward|drop]... [--net-log FILE] [--exec CMD] [--explore RECORD [--watch] [--module KO] [--timeout S] [--keep]] [--json] | --destroy --dir DIR",
	  "On the VM host: clone the running VM whose qemu serves QMP on SOCKET into a shadow VM (same machine, its own disk overlays, sockets and an isolated network) while production keeps running, and explore a failure in it; or destroy a shadow.",
	  shadow_options, {
		{ "qmp", "SOCKET", "production qemu's QMP unix socket (-qmp unix:SOCKET,server=on,wait=off)" },
		{ "dir", "DIR", "the shadow's directory (created; it must not exist)" },
		{ "max-pause", "MS", "abort the clone if production would pause longer (default 500)" },
		{ "destroy", NULL, "stop the shadow in DIR, fold production's disks back, remove DIR" },
		{ "json", NULL, "the clone's figures (and the report) as JSON" },
		{ "peer", "ADDR:PORT=POLICY", "what a connection the shadow opens to peer ADDR:PORT gets (repeatable; on a user network): replay (the default: refused, or accepted and unanswered if the failure record's connect to it succeeded; nothing reaches the peer), forward (relayed to the real peer, TCP and UDP: for read-only peers such as 10.0.2.3:53, the DNS), drop (accepted, nothing answers, nothing reaches the peer)" },
		{ "net-log", "FILE", "log every byte the shadow sends on its user networks, with the policy that applied, to FILE (default DIR/network.log, removed with the shadow)" },
		{ "exec", "CMD", "then run CMD in the shadow (sh -c, through qemu-guest-agent): its output, and exit 1 if it fails" },
		{ "explore", "RECORD", "then run insight explore in the shadow on RECORD (production's failure record, a path in the VM), print its report and destroy the shadow" },
		{ "watch", NULL, "first wait until RECORD exists in production (its guest agent), then clone at once" },
		{ "module", "KO", "insight.ko's path in the VM, loaded in the shadow if it is not (default: modprobe insight)" },
		{ "timeout", "S", "insight explore's --timeout in the shadow (default 60)" },
		{ "keep", NULL, "keep the shadow after exploring (remove it with --destroy)" },
		{ NULL } } },
};

static const struct cmd_help *help_of(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(helps[i].cmd, cmd))
			return &helps[i];
	return NULL;
}

static bool has_line(const struct cmd_help *h, const char *name)
{
	const struct opt_help *o;

	for (o = h->opts; o->name; o++)
		if (!strcmp(o->name, name))
			return true;
	return false;
}

static bool in_getopt(const struct cmd_help *h, const char *name)
{
	const struct option *g;

	for (g = h->getopt; g && g->name; g++)
		if (!strcmp(g->name, name))
			return true;
	return false;
}

/* The two tables differ: say how, 1; else 0. */
static int check(const struct cmd_help *h)
{
	const struct option *g;
	const struct opt_help *o;
	int bad = 0;

	for (g = h->getopt; g && g->name; g++)
		if (!has_line(h, g->name) && strcmp(g->name, "help")) {
			cli_err("--help of %s misses --%s", h->cmd, g->name);
			bad = 1;
		}
	for (o = h->opts; o->name; o++)
		if (!in_getopt(h, o->name)) {
			cli_err("--help of %s has --%s, which it does not take", h->cmd, o->name);
			bad = 1;
		}
	return bad;
}

int cli_help(const char *cmd)
{
	const struct cmd_help *h = help_of(cmd);
	const struct opt_help *o;
	char left[64];

	if (!h)
		return -1;
	printf("usage: insight %s %s\n\n%s\n", h->cmd, h->synopsis, h->what);
	if (h->opts[0].name)
		printf("\noptions:\n");
	for (o = h->opts; o->name; o++) {
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		printf("  %-28s %s\n", left, o->text);
	}
	printf("  %-28s %s\n", "-h, --help", "this help");
	return check(h);
}
