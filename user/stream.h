/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loader of bpf/stream.bpf.c: the syscall stream of a set of processes.
 */
#ifndef INSIGHT_STREAM_H
#define INSIGHT_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/insight.h>

struct insight_stream;

/* @payload: e->payload_len bytes (written or read data, a path) */
typedef int (*insight_stream_fn)(const struct insight_sys_event *e,
				 const void *payload, void *arg);

struct insight_stream_opts {
	size_t ring_bytes;	/* power of two >= 4096; 0: 1 MiB */
	uint64_t cgroup_id;	/* also trace every task of this cgroup v2 */
	uint32_t payload_max;	/* bytes kept per record; 0: 256 */
	int record_mode;	/* exit records of I/O and failures only */
};

/*
 * Route libbpf's messages to stderr, prefixed: its warnings, and with
 * @on its debug messages too (-v, --verbose).
 */
void insight_stream_verbose(bool on);

/* Load and attach.  0 or -errno. */
int insight_stream_open(struct insight_stream **out,
			const struct insight_stream_opts *opts,
			insight_stream_fn fn, void *arg);
/* Trace process @pid and the children it forks from now on. */
int insight_stream_add_pid(struct insight_stream *s, pid_t pid);
/*
 * Trace process @root, what descends from it now (nginx's workers, say)
 * and what they all fork from now on.
 */
int insight_stream_add_tree(struct insight_stream *s, pid_t root);
/* Deliver the pending events to fn; wait at most @timeout_ms for one. */
int insight_stream_poll(struct insight_stream *s, int timeout_ms);
/* Events dropped because the ring was full, summed over CPUs. */
uint64_t insight_stream_drops(struct insight_stream *s);
/*
 * Pin the stream's maps and links under @dir (created; it must be on a
 * bpf filesystem), for bpftool.  -ENOTSUP when /sys/fs/bpf is no bpffs.
 */
int insight_stream_pin(struct insight_stream *s, const char *dir);
/* Remove what insight_stream_pin() made. */
void insight_stream_unpin(struct insight_stream *s);
void insight_stream_close(struct insight_stream *s);

#endif /* INSIGHT_STREAM_H */
