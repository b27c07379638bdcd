// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "session.h"

static int session_attach(struct target *t, struct insight_nl *h, uint32_t policy)
{
	int err, serr = 0;

	err = insight_session_new(h);
	if (!err)
		err = insight_attach(h, t->pid);
	if (!err && t->nsites)
		err = insight_sites_add(h, &t->site[0], &policy, 1, &serr);
	return err ?: serr;
}

int stopped_session(struct target *t, char *const argv[], char *extra,
		    int nextra, size_t len, struct insight_nl **h,
		    uint32_t policy)
{
	int i, status, err;

	err = target_startv(t, argv, 0);
	for (i = 0; !err && i < nextra; i++)
		err = target_line(t, extra + i * len, len);
	if (err)
		return err;
	if (waitpid(t->pid, &status, WUNTRACED) != t->pid || !WIFSTOPPED(status))
		return -ECHILD;
	err = insight_nl_open(h);
	if (err)
		return err;
	err = session_attach(t, *h, policy);
	if (err) {
		insight_nl_close(*h);
		*h = NULL;
	}
	return err;
}

char proc_state(int pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;	/* the name may hold spaces */
	return p && p[1] == ' ' ? p[2] : '?';
}

int proc_other_thread(int pid)
{
	char path[64];
	struct dirent *d;
	int tid = -ESRCH;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' && atoi(d->d_name) != pid) {
			tid = atoi(d->d_name);
			break;
		}
	closedir(dir);
	return tid;
}

int proc_threads(int pid)
{
	char path[64], line[128];
	int n = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}
