// SPDX-License-Identifier: GPL-2.0
/*
 * stream.bpf.c - syscall stream of a set of processes.
 *
 * Tasks are selected by thread-group id in the `pids` map; a traced
 * process's children are added at fork (sched_process_fork runs in the
 * parent before the child can run, so the child's first syscall is
 * covered).  Records are struct insight_sys_event in one ring buffer;
 * a record that does not fit is counted in the per-CPU `drops` array.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define __INSIGHT_BPF__
#include <linux/insight.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* userspace may resize before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

__u64 seq;

static __always_inline bool traced(__u32 tgid)
{
	return bpf_map_lookup_elem(&pids, &tgid) != NULL;
}

static __always_inline struct insight_sys_event *reserve(__u32 kind, long id)
{
	struct insight_sys_event *e;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 zero = 0;
	__u64 *d;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		d = bpf_map_lookup_elem(&drops, &zero);
		if (d)
			*d += 1;
		return NULL;
	}
	e->seq = __sync_fetch_and_add(&seq, 1);
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->kind = kind;
	e->nr = id;
	return e;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(stream_sys_enter, struct pt_regs *regs, long id)
{
	struct insight_sys_event *e;

	if (!traced(bpf_get_current_pid_tgid() >> 32))
		return 0;
	e = reserve(INSIGHT_EV_SYS_ENTER, id);
	if (!e)
		return 0;
	e->args[0] = regs->di;
	e->args[1] = regs->si;
	e->args[2] = regs->dx;
	e->args[3] = regs->r10;
	e->args[4] = regs->r8;
	e->args[5] = regs->r9;
	e->ret = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(stream_sys_exit, struct pt_regs *regs, long ret)
{
	struct insight_sys_event *e;

	if (!traced(bpf_get_current_pid_tgid() >> 32))
		return 0;
	/* orig_ax holds the syscall number at exit */
	e = reserve(INSIGHT_EV_SYS_EXIT, regs->orig_ax);
	if (!e)
		return 0;
	__builtin_memset(e->args, 0, sizeof(e->args));
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(stream_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (ptgid != ctgid && traced(ptgid))
		bpf_map_update_elem(&pids, &ctgid, &one, BPF_NOEXIST);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(stream_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	/* the last thread of a process leaves: forget the process */
	if (BPF_CORE_READ(task, pid) == tgid)
		bpf_map_delete_elem(&pids, &tgid);
	return 0;
}
