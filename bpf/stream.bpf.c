// SPDX-License-Identifier: GPL-2.0
/*
 * stream.bpf.c - the syscall stream of selected processes.
 *
 * Tasks are selected by cgroup v2 id (cgroup_id, set before load) and/or
 * by thread-group id in the `pids` map.  A selected process's children
 * are added at fork: sched_process_fork runs in the parent before the
 * child can run, so the child is covered from its first syscall.
 *
 * Each syscall gives an enter and an exit record (struct
 * insight_sys_event); the exit repeats the enter's arguments and fd.
 * Records carry the kind of the fd worked on (file, pipe, socket,
 * character device), an IPv4 peer for sockets, a file's name, and on the
 * exit record up to payload_max bytes: the data written or read (for the
 * vectored calls, readv, writev, recvmsg and sendmsg, from their first
 * IOV_TAKE pieces), the path of an open or of a failed lookup (stat,
 * access and their *at forms), the error getsockopt(SO_ERROR)
 * gives (an asynchronous connect's end); a connect's exit gives its peer.
 * A socket's record names the task (its comm).  A record that does not fit
 * the ring is counted in the per-CPU `drops` array: nothing is lost
 * silently.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define __INSIGHT_BPF__
#include <linux/insight.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 cgroup_id;		/* 0: select by pid only */
const volatile __u32 payload_max = 256;	/* at most INSIGHT_PAYLOAD_MAX */
/*
 * Record mode (insight record): no enter records, and exit records only
 * for the calls a failure record uses (I/O, opens, connects, accepts,
 * closes) and for failed calls other than EAGAIN: a fraction of the
 * events, for a recorder that must cost production little.
 */
const volatile bool record_mode;

#define S_IFMT   00170000
#define S_IFSOCK 0140000
#define S_IFREG  0100000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define AF_INET  2

/* x86_64 syscall numbers used below */
#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_close 3
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_shutdown 48
#define NR_getsockopt 55
#define NR_fsync 74
#define NR_openat 257
#define NR_stat 4
#define NR_lstat 6
#define NR_access 21
#define NR_newfstatat 262
#define NR_faccessat 269
#define NR_statx 332
#define NR_faccessat2 439
#define NR_accept4 288
#define EAGAIN 11
#define SOL_SOCKET 1
#define SO_ERROR 4

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

/* the enter record of a syscall under way, by thread id */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct insight_sys_event);
} inflight SEC(".maps");

/*
 * The payload has room for three times the most a record carries, so that
 * a vectored call's pieces can be copied at an offset masked below
 * INSIGHT_PAYLOAD_MAX with a length masked below twice that, bounds the
 * verifier can check (take_iov()).
 */
struct scratch {
	struct insight_sys_event e;
	__u8 payload[3 * INSIGHT_PAYLOAD_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

__u64 seq;

static __always_inline bool selected(__u32 tgid)
{
	if (cgroup_id && bpf_get_current_cgroup_id() == cgroup_id)
		return true;
	return bpf_map_lookup_elem(&pids, &tgid) != NULL;
}

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *d = bpf_map_lookup_elem(&drops, &zero);

	if (d)
		*d += 1;
}

static __always_inline bool recorded(long nr, long ret)
{
	switch (nr) {
	case NR_read: case NR_write: case NR_open: case NR_close:
	case NR_pread64: case NR_pwrite64: case NR_readv: case NR_writev:
	case NR_connect: case NR_accept: case NR_sendto: case NR_recvfrom:
	case NR_sendmsg: case NR_recvmsg: case NR_openat: case NR_accept4:
		return ret != -EAGAIN;
	default:
		return ret < 0 && ret != -EAGAIN;
	}
}

/* getsockopt(SOL_SOCKET, SO_ERROR): how an asynchronous connect ended */
static __always_inline bool so_error_call(struct pt_regs *regs)
{
	return regs->orig_ax == NR_getsockopt && regs->si == SOL_SOCKET && regs->dx == SO_ERROR;
}

static __always_inline bool has_fd(long nr)
{
	switch (nr) {
	case NR_read: case NR_write: case NR_close: case NR_pread64:
	case NR_pwrite64: case NR_readv: case NR_writev: case NR_connect:
	case NR_accept: case NR_sendto: case NR_recvfrom: case NR_sendmsg:
	case NR_recvmsg: case NR_shutdown: case NR_fsync: case NR_accept4:
	case NR_getsockopt:
		return true;
	default:
		return false;
	}
}

/* Kind, name and peer of the current task's @fd. */
static __always_inline void describe_fd(struct insight_sys_event *e, int fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct file **fds, *f = NULL;
	unsigned int max;
	umode_t mode;

	e->fd = fd;
	e->fd_kind = INSIGHT_FD_NONE;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	max = BPF_CORE_READ(task, files, fdt, max_fds);
	if (fd < 0 || (unsigned int)fd >= max)
		return;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return;
	mode = BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT;
	switch (mode) {
	case S_IFREG:
		e->fd_kind = INSIGHT_FD_FILE;
		bpf_probe_read_kernel_str(e->name, sizeof(e->name),
					  BPF_CORE_READ(f, f_path.dentry, d_name.name));
		break;
	case S_IFIFO:
		e->fd_kind = INSIGHT_FD_PIPE;
		break;
	case S_IFCHR:
		e->fd_kind = INSIGHT_FD_CHR;
		bpf_probe_read_kernel_str(e->name, sizeof(e->name),
					  BPF_CORE_READ(f, f_path.dentry, d_name.name));
		break;
	case S_IFSOCK: {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		struct sock *sk = BPF_CORE_READ(sock, sk);

		e->fd_kind = INSIGHT_FD_SOCKET;
		/* no name of its own: the task's (a process may be gone when it is read) */
		bpf_get_current_comm(e->name, sizeof(e->name));
		e->peer_family = BPF_CORE_READ(sk, __sk_common.skc_family);
		if (e->peer_family == AF_INET) {
			e->peer_addr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
			e->peer_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		}
		break;
	}
	default:
		e->fd_kind = INSIGHT_FD_OTHER;
		break;
	}
}

/* Copy up to payload_max bytes from user @src into the record. */
static __always_inline __u32 take_payload(struct scratch *sc, const void *src,
					  __u64 len, bool string)
{
	__u32 max = payload_max;
	long n;

	if (max > INSIGHT_PAYLOAD_MAX)
		max = INSIGHT_PAYLOAD_MAX;
	if (len > max)
		len = max;
	len &= 2 * INSIGHT_PAYLOAD_MAX - 1;	/* no change: a bound the verifier sees */
	if (len > INSIGHT_PAYLOAD_MAX)
		return 0;
	if (string) {
		n = bpf_probe_read_user_str(sc->payload, len, src);
		return n > 0 ? n - 1 : 0;
	}
	if (bpf_probe_read_user(sc->payload, len, src))
		return 0;
	return len;
}

/* the most iovec pieces of a vectored call whose bytes are taken */
#define IOV_TAKE 8

/*
 * Copy the first @done bytes a vectored call moved (up to payload_max),
 * piece by piece from the @cnt entries of the user iovec array @iov.
 */
static __always_inline __u32 take_iov(struct scratch *sc, const struct iovec *iov,
				      __u64 cnt, __u64 done)
{
	__u64 max = payload_max, off = 0;
	int i;

	if (max > INSIGHT_PAYLOAD_MAX)
		max = INSIGHT_PAYLOAD_MAX;
	if (done < max)
		max = done;
	for (i = 0; i < IOV_TAKE && i < cnt && off < max; i++) {
		struct iovec v;
		__u64 n;

		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			break;
		n = v.iov_len;
		if (n > max - off)
			n = max - off;
		/*
		 * off < max <= INSIGHT_PAYLOAD_MAX and n <= INSIGHT_PAYLOAD_MAX:
		 * the masks change neither, and show the verifier (6.1's too,
		 * which loses a compared bound across register copies) that
		 * the copy stays in the buffer
		 */
		if (n && bpf_probe_read_user(sc->payload + (off & (INSIGHT_PAYLOAD_MAX - 1)),
					     n & (2 * INSIGHT_PAYLOAD_MAX - 1), v.iov_base))
			break;
		off += n;
	}
	return off;
}

/* The bytes of a sendmsg or recvmsg: its msghdr's iovec array. */
static __always_inline __u32 take_msg(struct scratch *sc, const struct user_msghdr *m,
				      __u64 done)
{
	struct user_msghdr h;

	if (bpf_probe_read_user(&h, sizeof(h), m))
		return 0;
	return take_iov(sc, h.msg_iov, h.msg_iovlen, done);
}

/*
 * Wake the consumer only once a quarter of the ring is used: it polls on
 * a timer otherwise, so a busy target does not pay a wakeup per event.
 */
static __always_inline void emit(struct scratch *sc)
{
	__u32 len = sc->e.payload_len;
	__u64 flags = BPF_RB_NO_WAKEUP;

	sc->e.seq = __sync_fetch_and_add(&seq, 1);
	sc->e.ts_ns = bpf_ktime_get_ns();
	if (len > INSIGHT_PAYLOAD_MAX)
		len = INSIGHT_PAYLOAD_MAX;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >=
	    bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 4)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, sc, sizeof(sc->e) + len, flags))
		count_drop();
}

static __always_inline struct scratch *fresh(__u32 kind)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);

	if (!sc)
		return NULL;
	__builtin_memset(&sc->e, 0, sizeof(sc->e));
	sc->e.pid = pid_tgid >> 32;
	sc->e.tid = (__u32)pid_tgid;
	sc->e.kind = kind;
	sc->e.fd = -1;
	return sc;
}

/* A syscall's six arguments, from its registers (x86-64). */
static __always_inline void copy_args(struct insight_sys_event *e, struct pt_regs *regs)
{
	e->args[0] = regs->di;
	e->args[1] = regs->si;
	e->args[2] = regs->dx;
	e->args[3] = regs->r10;
	e->args[4] = regs->r8;
	e->args[5] = regs->r9;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(stream_sys_enter, struct pt_regs *regs, long id)
{
	struct scratch *sc;

	if (record_mode || !selected(bpf_get_current_pid_tgid() >> 32))
		return 0;
	sc = fresh(INSIGHT_EV_SYS_ENTER);
	if (!sc)
		return 0;
	sc->e.nr = id;
	copy_args(&sc->e, regs);
	if (has_fd(id))
		describe_fd(&sc->e, (int)sc->e.args[0]);
	/* kept for the exit record: what the fd referred to (a close ends it) */
	bpf_map_update_elem(&inflight, &sc->e.tid, &sc->e, BPF_ANY);
	emit(sc);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(stream_sys_exit, struct pt_regs *regs, long ret)
{
	struct insight_sys_event *in;
	struct scratch *sc;
	__u32 tid;
	__u64 len = 0;

	if (!selected(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (record_mode && !recorded(regs->orig_ax, ret) && !so_error_call(regs))
		return 0;
	sc = fresh(INSIGHT_EV_SYS_EXIT);
	if (!sc)
		return 0;
	tid = sc->e.tid;
	/* the arguments are still in pt_regs at exit */
	sc->e.nr = regs->orig_ax;
	copy_args(&sc->e, regs);
	in = record_mode ? NULL : bpf_map_lookup_elem(&inflight, &tid);
	if (in) {
		sc->e.nr = in->nr;	/* rt_sigreturn resets orig_ax */
		sc->e.fd = in->fd;
		sc->e.fd_kind = in->fd_kind;
		sc->e.peer_addr = in->peer_addr;
		sc->e.peer_port = in->peer_port;
		sc->e.peer_family = in->peer_family;
		__builtin_memcpy(sc->e.name, in->name, sizeof(sc->e.name));
		bpf_map_delete_elem(&inflight, &tid);
	} else if (has_fd(sc->e.nr)) {
		describe_fd(&sc->e, (int)sc->e.args[0]);
	}
	sc->e.ret = ret;
	/*
	 * Payloads are taken at exit: at enter a buffer's page may not be
	 * resident yet (BPF cannot fault it in), and at exit the kernel has
	 * just read or written it.  A write's source is still intact.
	 */
	switch (sc->e.nr) {
	case NR_read:
	case NR_pread64:
	case NR_recvfrom:
	case NR_write:
	case NR_pwrite64:
	case NR_sendto:
		if (ret > 0)
			len = take_payload(sc, (void *)sc->e.args[1], ret, false);
		break;
	case NR_readv:
	case NR_writev:
		if (ret > 0)
			len = take_iov(sc, (void *)sc->e.args[1], sc->e.args[2], ret);
		break;
	case NR_recvmsg:
	case NR_sendmsg:
		if (ret > 0)
			len = take_msg(sc, (void *)sc->e.args[1], ret);
		break;
	case NR_getsockopt:	/* SO_ERROR's value: a refused asynchronous connect */
		if (!ret && sc->e.args[1] == SOL_SOCKET && sc->e.args[2] == SO_ERROR)
			len = take_payload(sc, (void *)sc->e.args[3], 4, false);
		break;
	case NR_open:
		len = take_payload(sc, (void *)sc->e.args[0], 256, true);
		break;
	case NR_openat:
		len = take_payload(sc, (void *)sc->e.args[1], 256, true);
		break;
	case NR_stat: case NR_lstat: case NR_access:	/* a failed lookup: its path */
		if (ret < 0)
			len = take_payload(sc, (void *)sc->e.args[0], 256, true);
		break;
	case NR_newfstatat: case NR_faccessat: case NR_statx: case NR_faccessat2:
		if (ret < 0)
			len = take_payload(sc, (void *)sc->e.args[1], 256, true);
		break;
	case NR_connect: {
		struct { __u16 family; __u16 port; __u32 addr; } sa = {};

		bpf_probe_read_user(&sa, sizeof(sa), (void *)sc->e.args[1]);
		sc->e.peer_family = sa.family;
		if (sa.family == AF_INET) {
			sc->e.peer_addr = sa.addr;
			sc->e.peer_port = __builtin_bswap16(sa.port);
		}
		break;
	}
	}
	sc->e.payload_len = len;
	emit(sc);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(stream_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct scratch *sc;
	__u8 one = 1;

	if (ptgid == ctgid || !selected(ptgid))
		return 0;
	if (bpf_map_lookup_elem(&pids, &ptgid))
		bpf_map_update_elem(&pids, &ctgid, &one, BPF_NOEXIST);
	sc = fresh(INSIGHT_EV_FORK);
	if (!sc)
		return 0;
	sc->e.nr = -1;
	sc->e.args[0] = ctgid;
	emit(sc);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(stream_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct scratch *sc;

	/* the last thread of a process leaves: report it, forget it */
	if (BPF_CORE_READ(task, pid) != tgid || !selected(tgid))
		return 0;
	sc = fresh(INSIGHT_EV_EXIT);
	if (sc) {
		sc->e.nr = -1;
		sc->e.ret = BPF_CORE_READ(task, exit_code);
		bpf_get_current_comm(sc->e.name, sizeof(sc->e.name));
		emit(sc);
	}
	bpf_map_delete_elem(&pids, &tgid);
	return 0;
}
