/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The explorer's backends: one interface, two implementations.
 *
 * - kmod (user/backend_kmod.c): insight.ko does the work in the kernel
 *   (uprobe sites, in-kernel forks, held snapshots, the syscall sandbox).
 * - ptrace (user/backend_ptrace.c): no module; int3 breakpoints, forks
 *   injected with ptrace, the sandbox emulated at syscall stops.  It runs
 *   anywhere, and is the baseline the benchmarks compare against.
 *
 * Both give the same probes, paths and outputs for the same target, with
 * the semantics of insight.ko (include/uapi/linux/insight.h):
 *
 * - Probe 0 is the target.  Every other probe is a process forked from a
 *   probe at a branch site, a sibling of the target (CLONE_PARENT).
 * - Sites are the addresses of conditional jumps (jcc rel8/rel32).  All
 *   start with policy XB_NATURAL: the probe takes the direction its flags
 *   give and logs it.  XB_SNAPSHOT: the probe goes on in the natural
 *   direction and a new probe is forked and *held* at the branch (before
 *   deciding it) until xb_resume().
 * - Root: once open, the target's first trap at any site after it has
 *   read replayed input is a SNAPSHOT whatever the site's policy (the root
 *   snapshot: a copy of the target taken as it starts on the request).
 * - Path log, per probe: struct insight_decision {seq from 0, addr, site
 *   index, flags}.  A probe forked at a branch starts its own log at seq
 *   0; its full path is its parent's full path before fork_seq followed
 *   by its own log.  A held probe logs nothing until resumed; resuming it
 *   logs seq 0: FORK | FORCED | (TAKEN) | (DEVIATED if the direction
 *   differs from what its flags give).  The probe that split logs FORK |
 *   (TAKEN) for its natural direction at fork_seq.
 * - xb_resume(keep=1) first leaves a new held probe at the same branch (a
 *   new id, parent = the resumed probe, fork_seq = the resumed probe's
 *   seq 0), so the same point can be resumed again and again.
 * - Sandbox, on from open: writes (write, pwrite64, writev, sendto,
 *   sendmsg...) of every probe to sockets, pipes, regular files and
 *   character devices are captured (first INSIGHT_CAPTURE_MAX bytes) and
 *   suppressed, returning their length; reads (read, recvfrom, readv,
 *   recvmsg...) of @in_fd are served from @input at the probe's own
 *   offset (a forked probe starts at its parent's).  Other syscalls run.
 * - Done: a probe that has read some of the input and then enters
 *   accept, accept4, epoll_wait, epoll_pwait or epoll_pwait2, or reads
 *   @in_fd past the end of the input, has finished the request: an
 *   XB_EV_DONE event, once.  It then waits there, that syscall not made
 *   (insight.ko: blocked; ptrace: stopped): a probe until killed, the
 *   target until close(), when the syscall is made for real.  The
 *   target's other threads are its own again: neither captured nor
 *   replayed.
 * - Events are reported in order for each probe.
 *
 * Every function returns 0 (or a count) or a negative errno.
 */
#ifndef INSIGHT_BACKEND_H
#define INSIGHT_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/insight.h>

#include "libinsight.h"

enum xb_policy {
	XB_NATURAL = INSIGHT_POLICY_NATURAL,
	XB_SNAPSHOT = INSIGHT_POLICY_SNAPSHOT,
};

enum xb_event_kind {
	XB_EV_CREATED = INSIGHT_EVENT_CREATED,	/* probe, parent, site */
	XB_EV_EXITED = INSIGHT_EVENT_EXITED,	/* probe, status */
	XB_EV_KILLED = INSIGHT_EVENT_KILLED,	/* probe, status */
	XB_EV_PAUSED = INSIGHT_EVENT_PAUSED,	/* probe, site: held */
	XB_EV_QUOTA = INSIGHT_EVENT_QUOTA,	/* probe, site: no split */
	XB_EV_DONE = 6,				/* probe: request finished */
};

struct xb_event {
	int kind;		/* an enum xb_event_kind */
	uint32_t probe;
	uint32_t parent;
	uint32_t site;
	int status;
};

struct xb_probe {
	uint32_t id;
	uint32_t parent;
	uint64_t fork_seq;
	pid_t pid;
	int state;		/* an enum insight_probe_state */
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
	/* The kernel's (or the backend's) cap on running probes. */
	unsigned int (*max_probes)(struct xb *b);
	int (*policy)(struct xb *b, size_t site, int policy);
	/* Resume held probe @probe: taken (1) or not (0); keep a copy. */
	int (*resume)(struct xb *b, uint32_t probe, int taken, int keep);
	int (*kill)(struct xb *b, uint32_t probe);
	/*
	 * Events, oldest first: those pending, else what comes within
	 * @timeout_ms (the ptrace backend drives its probes while in here).
	 * Returns how many were stored.
	 */
	int (*events)(struct xb *b, struct xb_event *ev, unsigned int max,
		      int timeout_ms);
	/* Probe @probe's whole own log; *d is malloc'ed. */
	int (*path)(struct xb *b, uint32_t probe, struct insight_decision **d,
		    size_t *n);
	/* Probe @probe's outputs from @start, up to @max. */
	int (*outputs)(struct xb *b, uint32_t probe, uint64_t start,
		       struct insight_output_info *o, unsigned int max,
		       unsigned int *n);
	/* Every probe of the session (up to @max), in id order. */
	int (*probes)(struct xb *b, struct xb_probe *p, unsigned int max,
		      unsigned int *n);
	/*
	 * End: kill every probe but the target, remove every breakpoint,
	 * turn the sandbox off and let the target run on, unharmed.
	 */
	void (*close)(struct xb *b);
};

extern const struct xb_ops xb_kmod_ops;
extern const struct xb_ops xb_ptrace_ops;

#endif /* INSIGHT_BACKEND_H */
