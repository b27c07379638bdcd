/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A campaign's stack file (Documentation/campaign.rst): its components,
 * how to start each, find it and see it fail, and the workload.
 */
#ifndef INSIGHT_CAMPAIGN_STACK_H
#define INSIGHT_CAMPAIGN_STACK_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define STACK_MAX_COMPONENTS	16

struct stack_component {
	char *name;
	char *start;		/* sh -c, in a process group of its own */
	char *ready;		/* sh -c: succeeds once it serves; NULL: at once */
	char *pidfile;		/* its pid once ready; NULL: the started process */
	char *cgroup;		/* the component is this cgroup v2 directory */
	char *log;		/* its log file, or NULL */
	char *fail;		/* an extended regex: a new log line that is a failure */
	regex_t fail_re;
	bool exit_fails;	/* its exit is a failure (default true) */
	/* while the stack runs (user/campaign/run.c) */
	pid_t pid;		/* the started process, its group's leader */
	pid_t root;		/* the component: the pidfile's pid, or pid */
	int status;		/* how it ended, once it has (waitpid) */
	bool ended;
	off_t log_off;		/* the log's size when the run began */
};

struct stack {
	char *path;
	char *setup;		/* sh -c, once before the first start; NULL: none */
	struct stack_component c[STACK_MAX_COMPONENTS];
	int n;
	char *workload;		/* sh -c: the requests from outside */
	char *workload_fail;	/* an extended regex on its stdout: the client saw a failure */
	regex_t workload_re;
	int runs;		/* workload runs a fault gets (default 3) */
	double timeout;		/* seconds: a workload run, a component's start */
	double settle;		/* seconds after the workload before the detectors look */
};

/*
 * Read the stack file @path into @s: 0, or -1 with one line in @why
 * (unknown key, missing or mistyped value, bad regex).
 */
int stack_load(struct stack *s, const char *path, char *why, size_t len);
void stack_free(struct stack *s);
/* The component named @name, or -1. */
int stack_find(const struct stack *s, const char *name);

#endif /* INSIGHT_CAMPAIGN_STACK_H */
