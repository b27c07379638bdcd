// SPDX-License-Identifier: GPL-2.0
/*
 * The fault list, from the components' interfaces (AFPI's step 2), not
 * written by hand: the methods are the syscalls each component made in
 * a dry run, told apart by the kind of fd they were made on and, for a
 * socket, its peer's port (the eBPF stream says both); each method's
 * faults are the errnos its manual page's ERRORS section names, less
 * those that only a bug of the caller causes (EBADF, EFAULT, EINVAL...:
 * no environment raises them), then a crash of each component (killed
 * at its busiest method) and a slow peer (a 2 s delay) on each socket
 * method with a peer, and the allocation functions the component's
 * executable imports returning NULL.  Methods that did not run in the
 * dry run have no faults: that is the campaign's first pruning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/insight.h>
#include <insight/inject_args.h>

#include "cli.h"
#include "elfsym.h"
#include "faultlist.h"
#include "manerrors.h"
#include "run.h"
#include "stream.h"
#include "syscalls.h"

#define DRY_MAX_METHODS	1024
#define SLOW_PEER_MS	2000

/* The errnos an environment raises (disk, network, memory, limits, signals). */
static const int environment_errs[] = {
	EIO, ENOSPC, EDQUOT, EROFS, ENOMEM, ENFILE, EMFILE, EACCES, EPERM, ENOENT,
	ECONNREFUSED, ECONNRESET, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
	ENETDOWN, EPIPE, EAGAIN, EINTR, ENOBUFS, EADDRINUSE, EBUSY,
};

/* Syscalls whose failure no caller can see (the task is gone or elsewhere). */
static bool never_fails(const char *name)
{
	static const char *const names[] = { "exit", "exit_group", "rt_sigreturn",
					     "execve", "execveat", "vfork", NULL };
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

struct dry {
	struct faultlist *fl;
	int comp;
};

/*
 * Whether @port is in the kernel's ephemeral range: the peer of an
 * accepted connection, a different one each run, so no method's.
 */
static bool ephemeral(unsigned int port)
{
	static unsigned int lo, hi;
	FILE *f;

	if (!hi) {
		f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
		if (!f || fscanf(f, "%u %u", &lo, &hi) != 2) {
			lo = 32768;	/* the kernel's default */
			hi = 60999;
		}
		if (f)
			fclose(f);
	}
	return port >= lo && port <= hi;
}

static void count(struct faultlist *fl, int comp, const struct insight_sys_event *e)
{
	unsigned int port = e->fd_kind == INSIGHT_FD_SOCKET && !ephemeral(e->peer_port) ?
			    e->peer_port : 0;
	struct method *m;
	int i;

	for (i = 0; i < fl->nm; i++) {
		m = &fl->m[i];
		if (m->comp == comp && m->nr == e->nr && m->fd_kind == e->fd_kind &&
		    m->port == port) {
			m->calls++;
			return;
		}
	}
	if (fl->nm == DRY_MAX_METHODS)
		return;
	fl->m[fl->nm++] = (struct method){ comp, e->nr, e->fd_kind, port, 1 };
}

static int on_event(const struct insight_sys_event *e, const void *payload, void *arg)
{
	struct dry *d = arg;

	(void)payload;
	if (e->kind == INSIGHT_EV_SYS_EXIT && insight_syscall_name(e->nr) &&
	    !never_fails(insight_syscall_name(e->nr)))
		count(d->fl, d->comp, e);
	return 0;
}

struct dry_run {
	struct insight_stream *st[STACK_MAX_COMPONENTS];
	int n;
};

static void poll_all(void *arg)
{
	struct dry_run *r = arg;
	int i;

	for (i = 0; i < r->n; i++)
		while (insight_stream_poll(r->st[i], 0) > 0)
			;
}

int faultlist_dry_run(struct faultlist *fl, struct stack *s, volatile int *stop)
{
	struct dry d[STACK_MAX_COMPONENTS];
	struct dry_run r = { .n = 0 };
	int i, err = 0, rc;

	fl->m = calloc(DRY_MAX_METHODS, sizeof(*fl->m));
	if (!fl->m)
		return -ENOMEM;
	for (i = 0; i < s->n && !err; i++) {
		struct insight_stream_opts so = { .payload_max = 0 };

		d[i] = (struct dry){ fl, i };
		if (s->c[i].cgroup)
			so.cgroup_id = cli_cgroup_id(s->c[i].cgroup);
		err = insight_stream_open(&r.st[i], &so, on_event, &d[i]);
		if (err)
			break;
		r.n++;
		if (!s->c[i].cgroup)
			err = insight_stream_add_tree(r.st[i], s->c[i].root);
	}
	if (err)
		fprintf(stderr, "insight: campaign: the dry run cannot watch %s: %s\n",
			s->c[i].name, strerror(-err));
	rc = err ? 0 : run_cmd(s->workload, s->timeout, NULL, 0, poll_all, &r, stop);
	poll_all(&r);
	for (i = 0; i < r.n; i++)
		insight_stream_close(r.st[i]);
	return err ? err : rc;
}

static uint32_t inject_kind(unsigned int fd_kind)
{
	switch (fd_kind) {
	case INSIGHT_FD_FILE:
		return INSIGHT_INJECT_FD_FILE;
	case INSIGHT_FD_SOCKET:
		return INSIGHT_INJECT_FD_SOCKET;
	case INSIGHT_FD_PIPE:
		return INSIGHT_INJECT_FD_PIPE;
	case INSIGHT_FD_CHR:
	case INSIGHT_FD_OTHER:
		return INSIGHT_INJECT_FD_OTHER;
	default:
		return 0;
	}
}

static const char *kind_name(unsigned int fd_kind)
{
	static const char *const names[] = {
		[INSIGHT_FD_FILE] = "file", [INSIGHT_FD_PIPE] = "pipe",
		[INSIGHT_FD_SOCKET] = "socket", [INSIGHT_FD_CHR] = "chr",
		[INSIGHT_FD_OTHER] = "other",
	};

	return fd_kind < sizeof(names) / sizeof(names[0]) ? names[fd_kind] : NULL;
}

static bool is_network_call(const char *name)
{
	static const char *const names[] = { "socket", "connect", "accept", "accept4", "bind",
					     "listen", "sendto", "recvfrom", "sendmsg",
					     "recvmsg", "getsockopt", "setsockopt", "shutdown",
					     NULL };
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* The fault class of @f (a fault-specific f-map shows one). */
static const char *class_of(const struct fault *f, const struct method *m)
{
	const char *name = insight_syscall_name(f->nr);

	if (f->action == INSIGHT_INJECT_KILL)
		return "crash";
	if (f->action == INSIGHT_INJECT_DELAY)
		return "slow";
	if (f->err == ENOMEM)
		return "memory";
	if (m->fd_kind == INSIGHT_FD_SOCKET || is_network_call(name))
		return "network";
	if (m->fd_kind == INSIGHT_FD_FILE || insight_inject_path_arg(f->nr) >= 0)
		return "disk";
	return "other";
}

/* A fault of method @m: its id from the method and @what. */
static struct fault *add(struct faultlist *fl, const struct stack *s, const struct method *m,
			 uint32_t action, int err, const char *what)
{
	const char *kind = kind_name(m->fd_kind);
	struct fault *f = &fl->f[fl->nf++];
	char where[48] = "";

	*f = (struct fault){ .comp = m->comp, .nr = m->nr, .action = action, .err = err };
	f->fd_kinds = inject_kind(m->fd_kind);
	f->port = m->port;
	if (action == INSIGHT_INJECT_DELAY)
		f->delay_ms = SLOW_PEER_MS;
	if (action == INSIGHT_INJECT_ERRNO && (err == EINTR || err == EAGAIN))
		f->nth = 1;	/* transient: once; every call would be a livelock */
	if (kind && m->port)
		snprintf(where, sizeof(where), "@%s:%u", kind, m->port);
	else if (kind)
		snprintf(where, sizeof(where), "@%s", kind);
	snprintf(f->id, sizeof(f->id), "%s/%s%s/%s", s->c[m->comp].name,
		 insight_syscall_name(m->nr), where, what);
	f->class = class_of(f, m);
	return f;
}

static bool environment_err(int e)
{
	size_t i;

	for (i = 0; i < sizeof(environment_errs) / sizeof(environment_errs[0]); i++)
		if (environment_errs[i] == e)
			return true;
	return false;
}

/* The errno faults of method @m, from its manual page. */
static void add_errs(struct faultlist *fl, const struct stack *s, const struct method *m,
		     const char *mandir)
{
	int errs[64], n, k;

	n = man_errors(mandir, insight_syscall_name(m->nr), 2, errs, 64);
	if (n < 0) {
		fl->no_manual++;
		return;
	}
	for (k = 0; k < n; k++)
		if (environment_err(errs[k]))
			add(fl, s, m, INSIGHT_INJECT_ERRNO, errs[k], strerrorname_np(errs[k]));
}

static bool slow_peer_call(const struct method *m)
{
	const char *name = insight_syscall_name(m->nr);

	return m->fd_kind == INSIGHT_FD_SOCKET && m->port &&
	       (!strcmp(name, "read") || !strcmp(name, "recvfrom") ||
		!strcmp(name, "recvmsg") || !strcmp(name, "connect"));
}

/* The allocation functions: NULL is their failure (malloc(3) RETURN VALUE). */
static const char *const alloc_fns[] = { "malloc", "calloc", "realloc", "strdup",
					 "posix_memalign", NULL };
#define N_ALLOC_FNS	5

struct imports {
	bool has[N_ALLOC_FNS];
};

static void on_import(const char *name, void *arg)
{
	struct imports *im = arg;
	int i;

	for (i = 0; alloc_fns[i]; i++)
		if (!strcmp(alloc_fns[i], name))
			im->has[i] = true;
}

/*
 * The library mapped by process @pid that defines @fn: its path in @lib,
 * the entry's offset in *@off: 0, or -ENOENT.
 */
static int defined_in(pid_t pid, const char *exe, const char *fn, char *lib, size_t len,
		      uint64_t *off)
{
	char maps[64], line[512], *path;
	int err = -ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "r");
	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		path = strchr(line, '/');
		if (!path || !strstr(line, " r-xp ") || !strstr(path, ".so"))
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (strcmp(path, exe) && strlen(path) < len && !elf_function_offset(path, fn, off)) {
			strcpy(lib, path);
			err = 0;
		}
	}
	fclose(f);
	return err;
}

/* Component @c's allocation functions returning NULL: one fault each. */
static void add_library(struct faultlist *fl, const struct stack *s, int c)
{
	struct imports im = { { false } };
	const struct stack_component *sc = &s->c[c];
	char link[64], exe[256], lib[256], *base;
	struct fault *f;
	uint64_t off;
	ssize_t n;
	int i;

	snprintf(link, sizeof(link), "/proc/%d/exe", sc->root);
	n = sc->root > 0 ? readlink(link, exe, sizeof(exe) - 1) : -1;
	if (n <= 0)
		return;
	exe[n] = '\0';
	if (elf_imports(exe, on_import, &im) <= 0)
		return;
	for (i = 0; alloc_fns[i]; i++) {
		if (!im.has[i] || defined_in(sc->root, exe, alloc_fns[i], lib, sizeof(lib), &off))
			continue;
		f = &fl->f[fl->nf++];
		*f = (struct fault){ .comp = c, .nr = INSIGHT_INJECT_NR_LIBRARY,
				     .action = INSIGHT_INJECT_RETURN, .retval = 0, .offset = off,
				     .class = "memory" };
		strcpy(f->lib, lib);
		base = strrchr(lib, '/');
		snprintf(f->id, sizeof(f->id), "%s/%s@%.40s/NULL", sc->name, alloc_fns[i],
			 base ? base + 1 : lib);
	}
}

int faultlist_build(struct faultlist *fl, const struct stack *s, const char *mandir)
{
	const struct method *busiest;
	int i, c, cap;

	cap = fl->nm * (int)(sizeof(environment_errs) / sizeof(environment_errs[0]) + 1) +
	      s->n * (1 + N_ALLOC_FNS);
	fl->f = calloc(cap ? cap : 1, sizeof(*fl->f));
	if (!fl->f)
		return -ENOMEM;
	for (c = 0; c < s->n; c++) {
		busiest = NULL;
		for (i = 0; i < fl->nm; i++) {
			const struct method *m = &fl->m[i];

			if (m->comp != c)
				continue;
			add_errs(fl, s, m, mandir);
			if (slow_peer_call(m))
				add(fl, s, m, INSIGHT_INJECT_DELAY, 0, "slow");
			if (!busiest || m->calls > busiest->calls)
				busiest = m;
		}
		if (busiest)
			add(fl, s, busiest, INSIGHT_INJECT_KILL, 0, "crash");
		if (!s->c[c].cgroup)
			add_library(fl, s, c);
	}
	return 0;
}

void faultlist_free(struct faultlist *fl)
{
	free(fl->m);
	free(fl->f);
	memset(fl, 0, sizeof(*fl));
}
