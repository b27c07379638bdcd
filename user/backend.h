/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The explorer's backends: one contract, two implementations.
 *
 * - kmod (user/backend_kmod.c): insight.ko does the work in the kernel
 *   (uprobe sites, in-kernel forks, held snapshots, the syscall sandbox).
 * - ptrace (user/ptrace/): no module; int3 breakpoints, forks injected
 *   with ptrace, the sandbox emulated at syscall stops.  It runs
 *   anywhere, and is the baseline the benchmarks compare against.
 *
 * The types here are the contract's own: a backend translates from its
 * mechanism (the netlink ABI, ptrace) into them, and the explorer sees
 * nothing else.  Both backends give the same probes, paths, outputs and
 * events for the same target (tests/guest/backend*_test.c run one body
 * per behaviour against each):
 *
 * - Probe 0 is the target.  Every other probe is a process forked from a
 *   probe at a branch site, a sibling of the target (CLONE_PARENT).
 * - Sites are the addresses of conditional jumps (jcc rel8/rel32).  All
 *   start with policy XB_NATURAL: the probe takes the direction its flags
 *   give and logs it.  XB_SNAPSHOT: the probe goes on in the natural
 *   direction and a new probe is forked and *held* at the branch (before
 *   deciding it) until resume().
 * - Root: once open, the target's first trap at any site after it has
 *   read replayed input is a SNAPSHOT whatever the site's policy (the root
 *   snapshot: a copy of the target taken as it starts on the request).
 * - Path log, per probe: struct xb_decision {seq from 0, addr, site
 *   index, flags}.  A probe forked at a branch starts its own log at seq
 *   0; its full path is its parent's full path before fork_seq followed
 *   by its own log.  A held probe logs nothing until resumed; resuming it
 *   logs seq 0: XB_FORK | XB_FORCED | (XB_TAKEN) | (XB_DEVIATED if the
 *   direction differs from what its flags give).  The probe that split
 *   logs XB_FORK | (XB_TAKEN) for its natural direction at fork_seq.
 * - resume(keep=1) first leaves a new held probe at the same branch (a
 *   new id, parent = the resumed probe, fork_seq 0: the resumed probe's
 *   seq 0), so the same point can be resumed again and again.
 * - Splits: a probe's decision at a SNAPSHOT site (or the root), and
 *   every resume(keep=1), is a split.  Each ends in exactly one of:
 *   XB_EV_CREATED of the new probe (parent, fork_seq: the split's seq in
 *   the parent's log, site) then XB_EV_HELD; or XB_EV_QUOTA of the probe
 *   that split, with that fork_seq and site: no copy.  A split refused
 *   at once (at a cap) logs its decision without XB_FORK; every decision
 *   logged with XB_FORK ends in a CREATED or (the copy failed after) a
 *   QUOTA.  So the explorer learns lineage and holds from events alone,
 *   and can wait for each split exactly.
 * - Sandbox, on from open: writes (write, pwrite64, writev, sendto,
 *   sendmsg...) of every probe to sockets, pipes, regular files and
 *   character devices are captured (first XB_CAPTURE_MAX bytes) and
 *   suppressed, returning their length; reads (read, recvfrom, readv,
 *   recvmsg...) of @in_fd are served from @input at the probe's own
 *   offset (a forked probe starts at its parent's).  Other syscalls run.
 * - Done: a probe that has read some of the input and then enters
 *   accept, accept4, epoll_wait, epoll_pwait or epoll_pwait2, or reads
 *   @in_fd past the end of the input, has finished the request: an
 *   XB_EV_DONE event, once.  It then waits there, that syscall not made
 *   (insight.ko: blocked; ptrace: stopped): a probe until killed, the
 *   target until close(), when the syscall is made for real.  The
 *   target's other threads are their own again: neither captured nor
 *   replayed.
 * - Events: for each probe in order, a child's CREATED before any event
 *   of the child; each probe that ends gives one XB_EV_EXITED or
 *   XB_EV_KILLED.  What a backend could not deliver or keep is counted
 *   in lost() (then the explorer may resynchronise with probes()).
 *
 * Every function returns 0 (or a count) or a negative errno.
 */
#ifndef INSIGHT_BACKEND_H
#define INSIGHT_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum xb_policy {
	XB_NATURAL,
	XB_SNAPSHOT,
};

/* struct xb_decision.flags */
#define XB_TAKEN	(1U << 0)	/* the jump was taken */
#define XB_FORCED	(1U << 1)	/* the backend, not the flags, chose */
#define XB_DEVIATED	(1U << 2)	/* the direction differs from the flags' */
#define XB_FORK		(1U << 3)	/* the probe split here */
#define XB_STEPPED	(1U << 4)	/* seen single-stepping, not at a site */

/* struct xb_decision.site of a jump that is no site */
#define XB_SITE_NONE	UINT32_MAX

/* One branch decision of a probe's path log. */
struct xb_decision {
	uint64_t seq;
	uint64_t addr;
	uint32_t site;		/* index into xb_config.sites, or XB_SITE_NONE */
	uint32_t flags;		/* XB_TAKEN ... */
};

/* Most bytes kept of one captured write. */
#define XB_CAPTURE_MAX	1024

/* One captured (and suppressed) write of a probe. */
struct xb_output {
	uint64_t seq;		/* among the probe's outputs, from 0 */
	uint64_t decisions;	/* the probe's own decisions logged before it */
	uint32_t nr;		/* the syscall */
	int32_t fd;
	uint64_t len;		/* what the program wrote (the call's result) */
	uint32_t captured;	/* bytes of it in @data */
	uint32_t flags;		/* XB_OUT_DENIED, XB_OUT_IA32 */
	uint8_t data[XB_CAPTURE_MAX];
};

/* xb_output.flags: the sandbox refused the call (EPERM), nothing captured */
#define XB_OUT_DENIED	(1U << 0)
/* xb_output.flags: @nr is a 32-bit (int $0x80) syscall number */
#define XB_OUT_IA32	(1U << 1)

enum xb_event_kind {
	XB_EV_CREATED = 1,	/* probe, parent, fork_seq, site */
	XB_EV_HELD,		/* probe, site: a snapshot, ready for resume() */
	XB_EV_QUOTA,		/* probe, fork_seq, site: a split made no copy */
	XB_EV_DONE,		/* probe: it finished the request */
	XB_EV_EXITED,		/* probe, status: it exited by itself */
	XB_EV_KILLED,		/* probe, status: killed */
};

struct xb_event {
	enum xb_event_kind kind;
	uint32_t probe;
	uint32_t parent;
	uint64_t fork_seq;	/* CREATED: in the parent's log; QUOTA: the probe's */
	uint32_t site;
	int status;		/* a wait status */
};

enum xb_probe_state {
	XB_PROBE_EXITED,
	XB_PROBE_RUNNING,
	XB_PROBE_HELD,
};

struct xb_probe {
	uint32_t id;
	uint32_t parent;
	uint64_t fork_seq;
	pid_t pid;
	enum xb_probe_state state;
};

/* What a session could not keep or deliver, since open. */
struct xb_lost {
	uint64_t decisions;	/* path entries dropped by full logs */
	uint64_t outputs;	/* captured writes not kept */
	uint64_t events;	/* events not delivered */
	uint64_t degraded;	/* splits that made no copy (each had a QUOTA) */
};

/* What the explorer asks of a backend when it opens one. */
struct xb_config {
	pid_t pid;			/* the target */
	const uint64_t *sites;		/* jcc addresses in the target */
	size_t nsites;
	int in_fd;			/* the replayed fd, -1 for none */
	const void *input;
	size_t input_len;
	unsigned int max_held;		/* most held probes wanted at once */
};

struct xb;

struct xb_ops {
	const char *name;
	/*
	 * Attach to the target, add the sites (refused ones are reported in
	 * @refused[i] as a positive errno, else 0; @refused has nsites
	 * entries), turn the sandbox on and arm the root snapshot.  If the
	 * target sleeps in a syscall, it is made to restart it, so a blocked
	 * read of @in_fd is served from the input.  On error: -errno and a
	 * one-line reason in @why; nothing is left behind.
	 */
	int (*open)(struct xb **out, const struct xb_config *cfg, int *refused,
		    char *why, size_t whylen);
	/* The backend's cap on running probes. */
	unsigned int (*max_probes)(struct xb *b);
	/* Site @site's policy (-ENOENT: no such site). */
	int (*policy)(struct xb *b, size_t site, enum xb_policy policy);
	/*
	 * Resume held probe @probe: taken (1) or not (0); keep a copy.
	 * -ENOENT: no such probe; -EINVAL: not held.
	 */
	int (*resume)(struct xb *b, uint32_t probe, int taken, int keep);
	/* -ENOENT: no such probe; -EINVAL: the target, or a probe that ended. */
	int (*kill)(struct xb *b, uint32_t probe);
	/*
	 * From now on probe @probe's syscall @nr returns -@err without
	 * running; with a @path, only its calls whose path argument is that
	 * string.  A copy it leaves when resumed (keep) has no such rule.
	 * -ENOENT: no such probe; -ENOSPC: INSIGHT_FAULTS_MAX rules already;
	 * -EINVAL: a path for a syscall that takes none.
	 */
	int (*fault)(struct xb *b, uint32_t probe, int nr, int err, const char *path);
	/*
	 * Events, oldest first: those pending, else what comes within
	 * @timeout_ms (the ptrace backend drives its probes while in here).
	 * Returns how many were stored.
	 */
	int (*events)(struct xb *b, struct xb_event *ev, unsigned int max,
		      int timeout_ms);
	/* Probe @probe's whole own log; *d is malloc'ed. */
	int (*path)(struct xb *b, uint32_t probe, struct xb_decision **d,
		    size_t *n);
	/* Probe @probe's outputs from @start, up to @max. */
	int (*outputs)(struct xb *b, uint32_t probe, uint64_t start,
		       struct xb_output *o, unsigned int max, unsigned int *n);
	/* Every probe of the session (up to @max), in id order. */
	int (*probes)(struct xb *b, struct xb_probe *p, unsigned int max,
		      unsigned int *n);
	/* What the session lost so far (see struct xb_lost). */
	int (*lost)(struct xb *b, struct xb_lost *l);
	/*
	 * End: kill every probe but the target, remove every breakpoint,
	 * turn the sandbox off and let the target run on, unharmed.
	 */
	void (*close)(struct xb *b);
};

extern const struct xb_ops xb_kmod_ops;
extern const struct xb_ops xb_ptrace_ops;

#endif /* INSIGHT_BACKEND_H */
