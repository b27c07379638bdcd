// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "target.h"

int target_start(struct target *t, const char *path, uid_t uid)
{
	char *const argv[] = { (char *)path, NULL };

	return target_startv(t, argv, uid);
}

int target_startv(struct target *t, char *const argv[], uid_t uid)
{
	int err = target_spawn_held(t, argv, uid);

	return err ?: target_release(t);
}

int target_spawn_held(struct target *t, char *const argv[], uid_t uid)
{
	int in[2], out[2], gate[2];
	char c;

	memset(t, 0, sizeof(*t));
	if (pipe(in) || pipe(out) || pipe(gate))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		close(gate[1]);
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(126);
		if (read(gate[0], &c, 1) != 1)
			_exit(125);
		close(gate[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(gate[0]);
	t->gate = gate[1];
	t->in = fdopen(in[1], "w");
	t->out = fdopen(out[0], "r");
	return 0;
}

int target_release(struct target *t)
{
	char line[256], *p, *end;
	int n = write(t->gate, "x", 1);

	close(t->gate);
	t->gate = -1;
	if (n != 1)
		return -EIO;
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
	if (t->gate > 0)
		close(t->gate);	/* never released */
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

int http_get(int port, const char *path, char *resp, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	char req[128];
	int s, n, got = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (void *)&a, sizeof(a))) {
		if (s >= 0)
			close(s);
		return -1;
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (write(s, req, n) != n) {
		close(s);
		return -1;
	}
	while ((n = read(s, resp + got, len - 1 - got)) > 0)
		got += n;
	resp[got] = '\0';
	close(s);
	return got;
}

int webish_start(struct target *t, const char *config, int *port)
{
	return webish_start_bin(t, "webish", config, port);
}

int webish_start_bin(struct target *t, const char *name, const char *config, int *port)
{
	char bin[256], line[64];
	char *argv[] = { bin, "0", (char *)config, NULL };

	snprintf(bin, sizeof(bin), "%s/%s", getenv("INSIGHT_TARGET_DIR") ?: TARGET_DIR, name);
	if (target_startv(t, argv, 0) || target_line(t, line, sizeof(line)) ||
	    sscanf(line, "port %d", port) != 1)
		return -1;
	return 0;
}

int free_fd(pid_t pid)
{
	char path[64];
	int fd;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		if (access(path, F_OK))
			break;
	}
	return fd;
}
