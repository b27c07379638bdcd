// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's access to a traced process's memory: its
 * /proc/PID/mem (for the breakpoints, which must write read-only text),
 * process_vm_readv/writev (for the sandbox's buffers), its mappings and
 * the other files of /proc/PID it is read from.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "ptrace.h"

/* /proc/@pid/mem: it writes read-only text too (FOLL_FORCE), for the int3s. */
int pt_mem_open(pid_t pid, bool rw)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	return open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
}

/* A traced task's buffers: no fd to open per call, and short at unmapped memory. */
ssize_t pt_peek(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { .iov_base = buf, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	return process_vm_readv(tid, &l, 1, &r, 1, 0);
}

ssize_t pt_poke(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec l = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	return process_vm_writev(tid, &l, 1, &r, 1, 0);
}

/* /proc/@pid/@name, open to read, or NULL. */
FILE *pt_proc_file(pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	return fopen(path, "re");
}

/* @pid's mappings (malloc'ed), or NULL. */
struct pt_map *pt_maps(pid_t pid, size_t *n)
{
	struct pt_map *m = NULL, *grown;
	char line[512], perms[8], name[256];
	FILE *f = pt_proc_file(pid, "maps");
	unsigned long lo, hi;
	size_t alloc = 0;

	*n = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perms, name) < 3)
			continue;
		grown = pt_grow(m, &alloc, *n + 1, sizeof(*m));
		if (!grown)
			break;
		m = grown;
		m[(*n)++] = (struct pt_map){ .lo = lo, .hi = hi, .exec = perms[2] == 'x',
					     .vdso = !strcmp(name, "[vdso]"),
					     .vsyscall = !strcmp(name, "[vsyscall]") };
	}
	fclose(f);
	return m ? m : calloc(1, sizeof(*m));
}
