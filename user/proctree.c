// SPDX-License-Identifier: GPL-2.0
/*
 * Processes as /proc shows them (proctree.h).  Descendants are found by
 * walking each process's parents, which every kernel has (the children
 * files of /proc/PID/task need CONFIG_PROC_CHILDREN).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proctree.h"

int proc_stat(pid_t pid, char *state, pid_t *ppid)
{
	char path[64], buf[512], *p;
	int parent = 0, ok = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 2, "%c %d", state, &parent) == 2)
		ok = 0;	/* after "(comm) ": the state, the parent */
	fclose(f);
	*ppid = parent;
	return ok;
}

/* Whether @pid descends from @root (its ancestors, up to 64). */
static bool descends(pid_t pid, pid_t root)
{
	pid_t ppid;
	int depth;
	char st;

	for (depth = 0; depth < 64 && pid > 1; depth++) {
		if (proc_stat(pid, &st, &ppid))
			return false;
		pid = ppid;
		if (pid == root)
			return true;
	}
	return false;
}

int proc_descendants(pid_t root, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	long pid;
	char *end;

	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid == root)
			continue;
		if (descends(pid, root))
			out[n++] = pid;
	}
	closedir(d);
	return n;
}
