// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/membarrier.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "util.h"

const char *insight_ko(void)
{
	const char *p = getenv("INSIGHT_KO");

	return p ? p : "/insight/insight.ko";
}

const char *insight_cli(void)
{
	const char *p = getenv("INSIGHT_CLI");

	return p ? p : "/insight/bin/insight";
}

const char *test_module(const char *name)
{
	static char path[512];
	const char *dir = getenv("INSIGHT_MODULES");

	snprintf(path, sizeof(path), "%s/%s.ko", dir ? dir : "/insight/modules", name);
	return path;
}

int mod_load(const char *path, const char *params)
{
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		err = -errno;
	close(fd);
	return err;
}

int mod_unload(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return -errno;
	return 0;
}

bool mod_loaded(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return stat(path, &st) == 0;
}

int insight_ensure_loaded(void)
{
	int err;

	if (mod_loaded("insight"))
		return 0;
	err = mod_load(insight_ko(), NULL);
	return err == -EEXIST ? 0 : err;
}

int insight_ensure_unloaded(void)
{
	int err;

	if (!mod_loaded("insight"))
		return 0;
	err = mod_unload("insight");
	return err == -ENOENT ? 0 : err;
}

int run_capture(char *const argv[], char *out, size_t outlen)
{
	int pfd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], out + len, outlen - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	/* drain what did not fit so the child never blocks */
	while (len == outlen - 1 && read(pfd[0], &(char){0}, 1) > 0)
		;
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return status;
}

/* Wait until objects freed through RCU (files, kfree_rcu) are gone:
 * MEMBARRIER_CMD_GLOBAL waits for a grace period, then the callbacks get
 * a moment to run. */
static void settle(void)
{
	syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	usleep(200 * 1000);
}

/*
 * Whether stack frame @line is ftrace's registration of an ftrace_ops
 * (a kprobe on ftrace arms one): the trampoline and hashes it allocates
 * are ftrace's, kept and reallocated by ftrace for the ops' later users,
 * not objects of the module whose register_kprobe() came first.
 */
static bool ftrace_keeps(const char *line)
{
	return strstr(line, " register_ftrace_function+") ||
	       strstr(line, " ftrace_set_filter_ip+");
}

/*
 * Sum the counts of the allocation sites in one alloc_traces file whose
 * site or stack holds an address that no symbol covers: code of a module
 * that is gone (unless ftrace keeps what was allocated: ftrace_keeps()).
 * Each site is "COUNT SITE age=...", then its stack, one frame per line,
 * then an empty line.
 */
static long long unowned_in(const char *path)
{
	char line[512];
	long long total = 0, count = 0;
	bool orphan = false, kept = false;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		long long c;
		char site[256];

		if (line[0] == '\n') {
			if (orphan && !kept)
				total += count;
			count = 0;
			orphan = kept = false;
			continue;
		}
		if (!strncmp(line, "        ", 8)) {	/* a stack frame */
			if (strstr(line, " 0xffffffff"))
				orphan = true;
			kept |= ftrace_keeps(line);
		} else if (sscanf(line, "%lld %255s", &c, site) == 2) {
			count = c;
			orphan = !strncmp(site, "0xffffffff", 10);
		}
	}
	if (orphan && !kept)
		total += count;
	fclose(f);
	return total;
}

long long orphan_slab_objects(void)
{
	const char *dir = "/sys/kernel/debug/slab";
	long long total = 0;
	char path[512];
	struct dirent *d;
	DIR *dh;

	settle();
	dh = opendir(dir);
	if (!dh)
		return -errno;
	while ((d = readdir(dh))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/alloc_traces", dir, d->d_name);
		total += unowned_in(path);
	}
	closedir(dh);
	return total;
}

long long slab_active_bytes(void)
{
	char line[512], name[128];
	long long total = 0;
	long active, num, size;
	FILE *f;

	settle();
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %ld %ld %ld", name, &active, &num, &size) != 4)
			continue;
		total += (long long)active * size;
	}
	fclose(f);
	return total;
}

int become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	return 0;
}

int become_nobody_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (prctl(PR_SET_KEEPCAPS, 1) || become_nobody())
		return -errno;
	data[CAP_SYS_ADMIN / 32].effective = 1U << (CAP_SYS_ADMIN % 32);
	data[CAP_SYS_ADMIN / 32].permitted = 1U << (CAP_SYS_ADMIN % 32);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	/* as a process started as nobody is (setuid() made it not dumpable) */
	return prctl(PR_SET_DUMPABLE, 1) ? -errno : 0;
}

int kmsg_from_now(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

bool kmsg_has(int fd, const char *text)
{
	char rec[2048];
	ssize_t n;

	/* one record per read; EAGAIN at the end, EPIPE if some were overwritten */
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = 0;
		if (strstr(rec, text))
			return true;
	}
	return false;
}

int read_mem(int pid, unsigned long long addr, void *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

int processes_naming(const char *text)
{
	char path[300], buf[4096];
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0, fd;
	ssize_t len, i;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY);
		len = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		for (i = 0; i < len; i++)
			buf[i] = buf[i] ?: ' ';
		buf[len > 0 ? len : 0] = '\0';
		n += !!strstr(buf, text);
	}
	if (d)
		closedir(d);
	return n;
}
