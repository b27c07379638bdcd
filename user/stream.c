// SPDX-License-Identifier: GPL-2.0
/*
 * Loader of bpf/stream.bpf.c (open, size the ring, load, attach, poll,
 * one cleanup path).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stream.h"
#include "stream.skel.h"

struct insight_stream {
	struct stream_bpf *skel;
	struct ring_buffer *rb;
	insight_stream_fn fn;
	void *arg;
};

static int on_sample(void *ctx, void *data, size_t len)
{
	struct insight_stream *s = ctx;

	const struct insight_sys_event *e = data;

	if (len < sizeof(*e) || len < sizeof(*e) + e->payload_len)
		return -EBADMSG;
	return s->fn(e, e + 1, s->arg);
}

int insight_stream_open(struct insight_stream **out,
			const struct insight_stream_opts *opts,
			insight_stream_fn fn, void *arg)
{
	struct insight_stream *s;
	int err;

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

int insight_stream_poll(struct insight_stream *s, int timeout_ms)
{
	return ring_buffer__poll(s->rb, timeout_ms);
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

void insight_stream_close(struct insight_stream *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	stream_bpf__destroy(s->skel);
	free(s);
}
