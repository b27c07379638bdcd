// SPDX-License-Identifier: GPL-2.0
/*
 * Loader of bpf/stream.bpf.c (open, size the ring, load, attach, poll,
 * one cleanup path).
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "proctree.h"
#include "stream.h"
#include "stream.skel.h"

struct insight_stream {
	struct stream_bpf *skel;
	struct ring_buffer *rb;
	insight_stream_fn fn;
	void *arg;
	char pin_dir[256];	/* non-empty while pinned */
};

static int on_sample(void *ctx, void *data, size_t len)
{
	struct insight_stream *s = ctx;

	const struct insight_sys_event *e = data;

	if (len < sizeof(*e) || len < sizeof(*e) + e->payload_len)
		return -EBADMSG;
	return s->fn(e, e + 1, s->arg);
}

static bool stream_verbose;

/* libbpf's messages, prefixed: warnings always, the rest with --verbose. */
static int stream_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !stream_verbose)
		return 0;
	fputs("insight: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void insight_stream_verbose(bool on)
{
	stream_verbose = on;
}

int insight_stream_open(struct insight_stream **out,
			const struct insight_stream_opts *opts,
			insight_stream_fn fn, void *arg)
{
	struct insight_stream *s;
	int err;

	libbpf_set_print(stream_print);

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->arg = arg;
	s->skel = stream_bpf__open();
	if (!s->skel) {
		err = -errno;
		goto err_free;
	}
	s->skel->rodata->cgroup_id = opts->cgroup_id;
	s->skel->rodata->record_mode = opts->record_mode;
	s->skel->rodata->payload_max = opts->payload_max ? opts->payload_max : 256;
	if (s->skel->rodata->payload_max > INSIGHT_PAYLOAD_MAX)
		s->skel->rodata->payload_max = INSIGHT_PAYLOAD_MAX;
	err = bpf_map__set_max_entries(s->skel->maps.events,
				       opts->ring_bytes ? opts->ring_bytes : 1 << 20);
	if (err)
		goto err_destroy;
	err = stream_bpf__load(s->skel);
	if (err)
		goto err_destroy;
	err = stream_bpf__attach(s->skel);
	if (err)
		goto err_destroy;
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_sample,
				 s, NULL);
	if (!s->rb) {
		err = -errno;
		goto err_destroy;
	}
	*out = s;
	return 0;

err_destroy:
	stream_bpf__destroy(s->skel);
err_free:
	free(s);
	return err;
}

int insight_stream_add_pid(struct insight_stream *s, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map__update_elem(s->skel->maps.pids, &key, sizeof(key),
				    &one, sizeof(one), BPF_ANY);
}

int insight_stream_add_tree(struct insight_stream *s, pid_t root)
{
	pid_t kids[256];
	int n, i, err;

	/* first the root, whose forks from now on the programs follow */
	err = insight_stream_add_pid(s, root);
	n = err ? 0 : proc_descendants(root, kids, 256);
	for (i = 0; i < n && !err; i++)
		err = insight_stream_add_pid(s, kids[i]);
	return err;
}

/*
 * The programs wake the consumer only when the ring fills up (see
 * emit() in bpf/stream.bpf.c), and ring_buffer__poll() only reads the
 * rings epoll reported: so wait, then consume whatever is there.
 */
int insight_stream_poll(struct insight_stream *s, int timeout_ms)
{
	int n = ring_buffer__poll(s->rb, timeout_ms), m;

	if (n < 0)
		return n;
	m = ring_buffer__consume(s->rb);
	return m < 0 ? m : n + m;
}

uint64_t insight_stream_drops(struct insight_stream *s)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0;
	__u32 zero = 0;
	uint64_t *v;
	int i;

	if (ncpu <= 0)
		return 0;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return 0;
	if (!bpf_map__lookup_elem(s->skel->maps.drops, &zero, sizeof(zero), v,
				  ncpu * sizeof(*v), 0))
		for (i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* Each map as DIR/NAME, each program's link as DIR/link_NAME. */
static int pin_all(struct insight_stream *s, const char *dir, bool pin)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[PATH_MAX];
	int err = 0;

	bpf_object__for_each_map(map, s->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		if (pin)
			err = err ?: bpf_map__pin(map, path);
		else
			bpf_map__unpin(map, path);
	}
	bpf_object__for_each_program(prog, s->skel->obj) {
		struct bpf_link *link = NULL;

		if (prog == s->skel->progs.stream_sys_enter)
			link = s->skel->links.stream_sys_enter;
		else if (prog == s->skel->progs.stream_sys_exit)
			link = s->skel->links.stream_sys_exit;
		else if (prog == s->skel->progs.stream_fork)
			link = s->skel->links.stream_fork;
		else if (prog == s->skel->progs.stream_exit)
			link = s->skel->links.stream_exit;
		if (!link)
			continue;
		snprintf(path, sizeof(path), "%s/link_%s", dir, bpf_program__name(prog));
		if (pin)
			err = err ?: bpf_link__pin(link, path);
		else
			bpf_link__unpin(link);
	}
	return err;
}

int insight_stream_pin(struct insight_stream *s, const char *dir)
{
	struct statfs fs;
	char parent[PATH_MAX], *slash;
	int err;

	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC)
		return -ENOTSUP;
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		mkdir(parent, 0700);	/* /sys/fs/bpf/insight, shared */
	}
	if (mkdir(dir, 0700))
		return -errno;
	snprintf(s->pin_dir, sizeof(s->pin_dir), "%s", dir);
	err = pin_all(s, dir, true);
	if (err)
		insight_stream_unpin(s);
	return err;
}

void insight_stream_unpin(struct insight_stream *s)
{
	char parent[PATH_MAX], *slash;

	if (!s || !s->pin_dir[0])
		return;
	pin_all(s, s->pin_dir, false);
	rmdir(s->pin_dir);
	snprintf(parent, sizeof(parent), "%s", s->pin_dir);
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		rmdir(parent);	/* only if no other session uses it */
	}
	s->pin_dir[0] = '\0';
}

void insight_stream_close(struct insight_stream *s)
{
	if (!s)
		return;
	insight_stream_unpin(s);
	ring_buffer__free(s->rb);
	stream_bpf__destroy(s->skel);
	free(s);
}
