// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "target.h"

int target_start(struct target *t, const char *path, uid_t uid)
{
	char *const argv[] = { (char *)path, NULL };

	return target_startv(t, argv, uid);
}

int target_startv(struct target *t, char *const argv[], uid_t uid)
{
	char line[256], *p, *end;
	int in[2], out[2];

	memset(t, 0, sizeof(*t));
	if (pipe(in) || pipe(out))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->in = fdopen(in[1], "w");
	t->out = fdopen(out[0], "r");
	if (!fgets(line, sizeof(line), t->out) || strncmp(line, "sites", 5))
		return -EIO;
	for (p = line + 5; t->nsites < 4; p = end) {
		t->site[t->nsites] = strtoull(p, &end, 16);
		if (end == p)
			break;
		t->nsites++;
	}
	return 0;
}

int target_send(struct target *t, long x)
{
	if (fprintf(t->in, "%ld\n", x) < 0 || fflush(t->in))
		return -EIO;
	return 0;
}

int target_line(struct target *t, char *line, size_t len)
{
	return fgets(line, len, t->out) ? 0 : -EIO;
}

int target_ask(struct target *t, long x)
{
	char line[64];

	if (target_send(t, x) || target_line(t, line, sizeof(line)))
		return -1;
	return atoi(line);
}

void target_stop(struct target *t)
{
	if (t->pid <= 0)
		return;
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	fclose(t->in);
	fclose(t->out);
	t->pid = 0;
}

int text_byte(pid_t pid, uint64_t addr)
{
	char path[64];
	unsigned char b;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, &b, 1, addr);
	close(fd);
	return n == 1 ? b : -EIO;
}
