/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * insight.h - the one ABI shared by insight.ko, its eBPF programs and
 * userspace (the insight CLI and libinsight).
 *
 * Rules (see Documentation/abi.rst, "Bump rule"):
 * - numbers are never reused: a retired command or attribute keeps its slot;
 * - every new command, attribute, event field or change of meaning bumps
 *   INSIGHT_ABI_VERSION, in the commit that makes the change;
 * - a change that old clients cannot follow also raises INSIGHT_ABI_MIN.
 *
 * The header builds in the kernel, in BPF programs (which define
 * __INSIGHT_BPF__ after including vmlinux.h) and in userspace.
 */
#ifndef _UAPI_LINUX_INSIGHT_H
#define _UAPI_LINUX_INSIGHT_H

#ifndef __INSIGHT_BPF__
#include <linux/types.h>
#endif

/**
 * INSIGHT_ABI_VERSION - version of this ABI, reported by INSIGHT_CMD_VERSION
 *
 * Raised by one for every addition to this header or change of meaning.
 * ABI 5: per-command policies, the GET commands are dumps, events on the
 * %INSIGHT_GENL_MCGRP_EVENTS multicast group with the session's id.
 * ABI 6: a %INSIGHT_CMD_SITES_ADD request that fails adds no site;
 * %INSIGHT_CMD_ATTACH requires %INSIGHT_ATTR_MEM_FD and refuses a 32-bit
 * target (-EOPNOTSUPP); %INSIGHT_CMD_PROBE_STEP steps one thread; the
 * sandbox is default-deny, a refused call is a denied output
 * (%INSIGHT_OUTPUT_FLAGS).
 * ABI 7: fault injection into components (%INSIGHT_CMD_INJECT_ADD,
 * %INSIGHT_CMD_INJECT_DEL, %INSIGHT_CMD_INJECT_GET).
 * ABI 8: a fault rule of a probe may name a path (%INSIGHT_ATTR_FAULT_PATH).
 */
#define INSIGHT_ABI_VERSION	8

/**
 * INSIGHT_ABI_MIN - oldest client ABI version the module still serves
 *
 * 5: a client of ABI 4 or older pages the GET commands with
 * %INSIGHT_ATTR_NEXT and reads events on its request socket; it cannot
 * follow dumps and the multicast group.
 * 6: a client of ABI 5 sends %INSIGHT_CMD_ATTACH without
 * %INSIGHT_ATTR_MEM_FD, which the module now refuses.
 */
#define INSIGHT_ABI_MIN		6

/** INSIGHT_GENL_NAME - name of the generic netlink family */
#define INSIGHT_GENL_NAME	"insight"
/** INSIGHT_GENL_VERSION - genlmsghdr.version of every message */
#define INSIGHT_GENL_VERSION	1
/**
 * INSIGHT_GENL_MCGRP_EVENTS - name of the multicast group of events
 *
 * Every %INSIGHT_CMD_EVENT of every session is sent to this group of the
 * family (resolve its id with the nlctrl family, join it with
 * NETLINK_ADD_MEMBERSHIP).  Joining needs CAP_SYS_ADMIN (-EPERM
 * otherwise); %INSIGHT_ATTR_SESSION tells the sessions apart.  Since ABI 5.
 */
#define INSIGHT_GENL_MCGRP_EVENTS	"events"

/**
 * enum insight_cmd - generic netlink commands of the insight family
 * @INSIGHT_CMD_UNSPEC: reserved, never valid
 * @INSIGHT_CMD_VERSION: handshake, open to any user.  Request: required
 *	%INSIGHT_ATTR_ABI_VERSION (the client's ABI, >= 1).  Reply:
 *	%INSIGHT_ATTR_ABI_VERSION (the module's) and %INSIGHT_ATTR_ABI_MIN.
 *	A client older than %INSIGHT_ATTR_ABI_MIN gets -EPROTONOSUPPORT.
 * @INSIGHT_CMD_STATUS: module state; needs CAP_SYS_ADMIN (-EPERM otherwise).
 *	Request: no attributes.  Reply: %INSIGHT_ATTR_PARAM_MAX_SESSIONS,
 *	%INSIGHT_ATTR_PARAM_MAX_SITES, %INSIGHT_ATTR_PARAM_MAX_PROBES,
 *	%INSIGHT_ATTR_PARAM_MAX_LOG, %INSIGHT_ATTR_SESSIONS.
 * @INSIGHT_CMD_SESSION_NEW: open the exploration session of this netlink
 *	socket (CAP_SYS_ADMIN, like every session command).  At most one per
 *	socket (-EBUSY), at most max_sessions in all (-EMFILE).  The session
 *	ends when the socket is closed: its breakpoints are removed.  Reply
 *	(since ABI 5): %INSIGHT_ATTR_SESSION, the session's id, which every
 *	event of the session carries.
 * @INSIGHT_CMD_ATTACH: attach the session to a target process: required
 *	%INSIGHT_ATTR_PID and (since ABI 6) %INSIGHT_ATTR_MEM_FD, an fd of
 *	the caller's for /proc/PID/mem of that process, opened O_RDWR: the
 *	kernel checked at that open that the opener may ptrace-attach to it
 *	(PTRACE_MODE_ATTACH_FSCREDS, LSMs included), and the module accepts
 *	the fd only while the process still runs the image checked then.
 *	-ESRCH: no such process; -EINVAL: a kernel thread, or the fd is not
 *	a /proc/PID/mem file; -EBADF: the fd is not open, not open for
 *	writing, or an O_PATH fd; -EACCES: the fd is the mem file of another process, or of
 *	this one before an exec; -EBUSY: already attached, or another session
 *	explores the process; -EOPNOTSUPP: a 32-bit (ia32 or x32) process;
 *	-ENOENT: no session.
 * @INSIGHT_CMD_SITES_ADD: add branch sites: required %INSIGHT_ATTR_SITES,
 *	a nest of %INSIGHT_ATTR_SITE nests, each with %INSIGHT_SITE_ADDR and
 *	optional %INSIGHT_SITE_POLICY.  The reply lists each site in the
 *	same order with %INSIGHT_SITE_ERRNO: 0, or the errno refusing it (see
 *	Documentation/kmod.rst); the sites with 0 are added.  The request
 *	fails as a whole, adding none of its sites (since ABI 6), with
 *	-EINVAL: a site without %INSIGHT_SITE_ADDR, or an entry that is no
 *	%INSIGHT_ATTR_SITE; -E2BIG: more than 1024 sites; -ENOSPC: the
 *	session would exceed max_sites; -ENOENT: no session, or not
 *	attached; -ENOMEM; or the error delivering the reply (the reply is
 *	then lost: -EAGAIN when the socket's receive buffer is full).
 * @INSIGHT_CMD_SITE_POLICY: change a site's policy: required
 *	%INSIGHT_ATTR_SITES holding one site with %INSIGHT_SITE_ADDR and
 *	%INSIGHT_SITE_POLICY.  -ENOENT: no such site.
 * @INSIGHT_CMD_PATH_GET: a dump (NLM_F_DUMP; without it -EOPNOTSUPP) of
 *	a probe's path log: optional %INSIGHT_ATTR_PROBE (default 0, the
 *	target; -ENOENT if unknown) and %INSIGHT_ATTR_START (first sequence
 *	number wanted).  Each message: %INSIGHT_ATTR_DECISIONS (an array of
 *	&struct insight_decision, at most %INSIGHT_PATH_BATCH, in order) and
 *	%INSIGHT_ATTR_LOG_LOST (decisions not logged because the log was
 *	full).  A dump since ABI 5; before, one reply with %INSIGHT_ATTR_NEXT.
 * @INSIGHT_CMD_PROBES_GET: a dump of the session's probes, from optional
 *	%INSIGHT_ATTR_START (a probe id, default 0).  Each message:
 *	%INSIGHT_ATTR_PROBES (a nest of at most %INSIGHT_PROBES_BATCH
 *	%INSIGHT_ATTR_PROBE_INFO nests of &enum insight_probe_attr),
 *	%INSIGHT_ATTR_DEGRADED and %INSIGHT_ATTR_EVENTS_LOST.  A dump since
 *	ABI 5.
 * @INSIGHT_CMD_PROBE_RESUME: release a held snapshot: required
 *	%INSIGHT_ATTR_PROBE and %INSIGHT_ATTR_POLICY (%INSIGHT_POLICY_TAKEN or
 *	%INSIGHT_POLICY_NOT_TAKEN: the direction it takes), optional
 *	%INSIGHT_ATTR_KEEP (it first leaves a new held snapshot at the same
 *	point, a child of it).  -ENOENT: no such probe; -EINVAL: not held.
 * @INSIGHT_CMD_PROBE_KILL: kill a probe (held or running): required
 *	%INSIGHT_ATTR_PROBE.  -ENOENT: no such probe; -EINVAL: the target
 *	(probe 0) or a probe that has exited.
 * @INSIGHT_CMD_SANDBOX: turn on the session's syscall sandbox, default-deny
 *	(since ABI 6; Documentation/kmod.rst has the table of classes): from
 *	now on the writes of every probe to any open fd (write, pwrite64,
 *	writev, pwritev(2), sendto, sendmsg, sendmmsg, and sendfile from a
 *	regular file) are captured (%INSIGHT_ATTR_CAPTURE first bytes,
 *	default 256, at most %INSIGHT_CAPTURE_MAX) and suppressed, returning
 *	what they would have; with %INSIGHT_ATTR_INPUT_FD and
 *	%INSIGHT_ATTR_INPUT, reads from that fd are served from those bytes,
 *	each probe at its own offset (a forked probe starts at its parent's).
 *	Side-effect-free calls run; an open that would create or truncate a
 *	file gets a private empty file instead; calls on descriptions shared
 *	with another process are suppressed or refused; every other call
 *	(splice, tee, vmsplice, copy_file_range, other file-system changes,
 *	fork and exec, io_uring, IPC, signals to others, every 32-bit
 *	syscall ...) fails with EPERM and is recorded as an output with
 *	%INSIGHT_OUTPUT_F_DENIED.
 *	With %INSIGHT_ATTR_HOLD, the target's first decision at any site
 *	after it has read replayed input is a SNAPSHOT whatever the site's
 *	policy: a held copy of the target taken as it starts working on the
 *	request (the root of an exploration).  A probe that has read
 *	replayed input and then enters accept, accept4, epoll_wait,
 *	epoll_pwait or epoll_pwait2, or reads the input fd past the end of
 *	the input, has finished the request: the owner gets an
 *	%INSIGHT_EVENT_DONE, once, and the probe waits there, that syscall
 *	not made: a copy until it is killed, the target (probe 0) until the
 *	session ends, when the syscall is made for real.  The target's other
 *	threads are then its own again (neither captured nor replayed).
 *	-EBUSY: already on; -ENOENT: no session, or not attached.
 * @INSIGHT_CMD_FAULT_ADD: make a syscall of a probe fail: required
 *	%INSIGHT_ATTR_PROBE, %INSIGHT_ATTR_SYSCALL and %INSIGHT_ATTR_ERRNO;
 *	every later call of that number by that probe returns -ERRNO without
 *	running.  With %INSIGHT_ATTR_FAULT_PATH (since ABI 8), only the calls
 *	whose path argument is that string, byte for byte (a call whose path
 *	cannot be read without faulting runs).  -ENOENT: no such probe;
 *	-ENOSPC: more than %INSIGHT_FAULTS_MAX rules for the probe; -EINVAL:
 *	a path for a syscall that takes none.
 * @INSIGHT_CMD_OUTPUTS_GET: a dump of a probe's captured outputs:
 *	optional %INSIGHT_ATTR_PROBE (default 0; -ENOENT if unknown) and
 *	%INSIGHT_ATTR_START (first output sequence number).  Each message:
 *	%INSIGHT_ATTR_OUTPUTS (nest of at most %INSIGHT_OUTPUTS_BATCH
 *	%INSIGHT_ATTR_OUTPUT nests of &enum insight_output_attr) and
 *	%INSIGHT_ATTR_LOG_LOST (outputs not kept).  A dump since ABI 5.
 * @INSIGHT_CMD_EVENT: never a request: the module multicasts it to the
 *	%INSIGHT_GENL_MCGRP_EVENTS group (since ABI 5; before, unicast to the
 *	owner socket).  Attributes: %INSIGHT_ATTR_SESSION,
 *	%INSIGHT_ATTR_EVENT (an &enum insight_event), %INSIGHT_ATTR_PROBE,
 *	%INSIGHT_ATTR_EVENTS_LOST (the session's events not delivered so
 *	far), and by kind %INSIGHT_ATTR_PARENT, %INSIGHT_ATTR_SITE_INDEX and
 *	%INSIGHT_ATTR_FORK_SEQ (created: the parent's FORK decision),
 *	%INSIGHT_ATTR_STATUS (exited, killed: the wait status),
 *	%INSIGHT_ATTR_SITE_INDEX (paused), %INSIGHT_ATTR_SITE_INDEX and
 *	%INSIGHT_ATTR_FORK_SEQ (quota: @INSIGHT_ATTR_PROBE is the probe that
 *	did not split, the sequence number its decision has in its log),
 *	nothing more (done).  An event counts as lost when no subscriber
 *	took it (none joined, or a receive buffer was full).
 * @INSIGHT_CMD_PROBE_STEP: single-step a probe or stop doing so: required
 *	%INSIGHT_ATTR_PROBE and %INSIGHT_ATTR_STEP.  It starts at the probe's
 *	next trap at a site (or its fork), in the thread that traps (since
 *	ABI 6, only that one thread of the probe is stepped, and no child or
 *	thread it creates is), stops at its next step, and at the latest at
 *	the session's end; while it runs, every conditional jump the thread
 *	executes is logged with %INSIGHT_DECISION_STEPPED and site
 *	%INSIGHT_SITE_NONE (the trap flag is then visible to the program in
 *	its flags).  A session that has stepped holds the module until it
 *	ends: rmmod says the module is in use.  -ENOENT: no such probe;
 *	-ENODEV: the module is being unloaded.
 * @INSIGHT_CMD_INJECT_ADD: inject a fault into a component, for as long
 *	as this socket is open or until %INSIGHT_CMD_INJECT_DEL (since ABI
 *	7); needs CAP_SYS_ADMIN.  Required %INSIGHT_ATTR_INJECT, a nest of
 *	&enum insight_inject_attr: the component (exactly one of
 *	%INSIGHT_INJECT_CGROUP_FD and %INSIGHT_INJECT_PID), what (a syscall:
 *	%INSIGHT_INJECT_SYSCALL with action %INSIGHT_INJECT_ERRNO and
 *	%INSIGHT_INJECT_ERR, %INSIGHT_INJECT_DELAY and
 *	%INSIGHT_INJECT_DELAY_MS, or %INSIGHT_INJECT_KILL; or a library
 *	function: %INSIGHT_INJECT_LIB_FD, %INSIGHT_INJECT_LIB_OFFSET and
 *	action %INSIGHT_INJECT_RETURN with %INSIGHT_INJECT_RETVAL), and for
 *	a syscall the optional filters %INSIGHT_INJECT_FD_KINDS,
 *	%INSIGHT_INJECT_PORT and %INSIGHT_INJECT_PATH; for both
 *	%INSIGHT_INJECT_NTH and %INSIGHT_INJECT_PROB_PPM.  Reply:
 *	%INSIGHT_ATTR_INJECT_ID.  -EINVAL: a missing or inconsistent
 *	attribute; -EBADF: a cgroup fd that is not a cgroup v2 directory, a
 *	library fd that is not a regular file; -ESRCH: no such process;
 *	-ENOSPC: 64 injections on this socket, or 256 in all; -EOPNOTSUPP:
 *	a syscall this kernel lacks, or a library function uprobes cannot
 *	probe (its first instruction, or a file it cannot read).
 * @INSIGHT_CMD_INJECT_DEL: remove an injection of this socket: required
 *	%INSIGHT_ATTR_INJECT_ID; -ENOENT: none such.  Since ABI 7.
 * @INSIGHT_CMD_INJECT_GET: this socket's injections: reply
 *	%INSIGHT_ATTR_INJECTS, a nest of %INSIGHT_ATTR_INJECT nests each
 *	with %INSIGHT_INJECT_ID, %INSIGHT_INJECT_SYSCALL,
 *	%INSIGHT_INJECT_ACTION, %INSIGHT_INJECT_MATCHED and
 *	%INSIGHT_INJECT_INJECTED.  Since ABI 7.
 * @__INSIGHT_CMD_MAX: number of commands, for bounds
 */
enum insight_cmd {
	INSIGHT_CMD_UNSPEC,
	INSIGHT_CMD_VERSION,
	INSIGHT_CMD_STATUS,
	INSIGHT_CMD_SESSION_NEW,
	INSIGHT_CMD_ATTACH,
	INSIGHT_CMD_SITES_ADD,
	INSIGHT_CMD_SITE_POLICY,
	INSIGHT_CMD_PATH_GET,
	INSIGHT_CMD_PROBES_GET,
	INSIGHT_CMD_PROBE_RESUME,
	INSIGHT_CMD_PROBE_KILL,
	INSIGHT_CMD_SANDBOX,
	INSIGHT_CMD_FAULT_ADD,
	INSIGHT_CMD_OUTPUTS_GET,
	INSIGHT_CMD_EVENT,
	INSIGHT_CMD_PROBE_STEP,
	INSIGHT_CMD_INJECT_ADD,
	INSIGHT_CMD_INJECT_DEL,
	INSIGHT_CMD_INJECT_GET,
	__INSIGHT_CMD_MAX,
};
#define INSIGHT_CMD_MAX (__INSIGHT_CMD_MAX - 1)

/**
 * enum insight_attr - attributes of the insight family
 * @INSIGHT_ATTR_UNSPEC: reserved, rejected
 * @INSIGHT_ATTR_ABI_VERSION: u32, an ABI version (>= 1)
 * @INSIGHT_ATTR_ABI_MIN: u32, oldest client ABI the module serves
 * @INSIGHT_ATTR_PARAM_MAX_SESSIONS: u32, module parameter max_sessions
 * @INSIGHT_ATTR_PARAM_MAX_SITES: u32, module parameter max_sites
 * @INSIGHT_ATTR_PARAM_MAX_PROBES: u32, module parameter max_probes
 * @INSIGHT_ATTR_PID: u32, a process id (in the caller's pid namespace)
 * @INSIGHT_ATTR_SITES: nest of %INSIGHT_ATTR_SITE
 * @INSIGHT_ATTR_SITE: nest of &enum insight_site_attr
 * @INSIGHT_ATTR_START: u64, a sequence number
 * @INSIGHT_ATTR_DECISIONS: binary, an array of &struct insight_decision
 * @INSIGHT_ATTR_LOG_LOST: u64, decisions lost to a full log
 * @INSIGHT_ATTR_NEXT: retired in ABI 5 (the GET commands are dumps): was
 *	u64, the next sequence number to ask for; never sent, rejected
 * @INSIGHT_ATTR_PARAM_MAX_LOG: u32, module parameter max_log
 * @INSIGHT_ATTR_SESSIONS: u32, sessions open now
 * @INSIGHT_ATTR_PROBE: u32, a probe id (0 is the target)
 * @INSIGHT_ATTR_PROBES: nest of %INSIGHT_ATTR_PROBE_INFO
 * @INSIGHT_ATTR_PROBE_INFO: nest of &enum insight_probe_attr
 * @INSIGHT_ATTR_DEGRADED: u64, fork decisions run naturally because the
 *	session was at its probe cap (max_probes), its snapshot cap
 *	(max_snapshots) or the fork failed
 * @INSIGHT_ATTR_POLICY: u32, an &enum insight_policy
 * @INSIGHT_ATTR_KEEP: flag, keep a snapshot when resuming one
 * @INSIGHT_ATTR_PARAM_MAX_SNAPSHOTS: u32, module parameter max_snapshots
 * @INSIGHT_ATTR_CAPTURE: u32, bytes of each write kept by the sandbox
 * @INSIGHT_ATTR_INPUT_FD: u32, the fd whose reads are replayed (< 32768)
 * @INSIGHT_ATTR_INPUT: binary, the bytes replayed on %INSIGHT_ATTR_INPUT_FD
 * @INSIGHT_ATTR_SYSCALL: u32, an x86_64 syscall number
 * @INSIGHT_ATTR_ERRNO: u32, an errno (1 to 4095)
 * @INSIGHT_ATTR_OUTPUTS: nest of %INSIGHT_ATTR_OUTPUT
 * @INSIGHT_ATTR_OUTPUT: nest of &enum insight_output_attr
 * @INSIGHT_ATTR_EVENT: u32, an &enum insight_event
 * @INSIGHT_ATTR_PARENT: u32, a probe id
 * @INSIGHT_ATTR_SITE_INDEX: u32, a site index (the order sites were added)
 * @INSIGHT_ATTR_STATUS: u32, a wait status
 * @INSIGHT_ATTR_EVENTS_LOST: u64, events not delivered
 * @INSIGHT_ATTR_STEP: u8, 1 to single-step, 0 to stop
 * @INSIGHT_ATTR_HOLD: flag, hold a root snapshot at the target's first trap
 *	after it reads replayed input
 * @INSIGHT_ATTR_SESSION: u32, a session's id (from 1), since ABI 5
 * @INSIGHT_ATTR_FORK_SEQ: u64, sequence number of a split's decision in the
 *	splitting probe's path log, since ABI 5
 * @INSIGHT_ATTR_MEM_FD: u32, an fd of the caller's for /proc/PID/mem of
 *	the target (0 to INT_MAX), since ABI 6
 * @INSIGHT_ATTR_INJECT: nest of &enum insight_inject_attr, since ABI 7
 * @INSIGHT_ATTR_INJECT_ID: u32, an injection's id, since ABI 7
 * @INSIGHT_ATTR_INJECTS: nest of %INSIGHT_ATTR_INJECT, since ABI 7
 * @INSIGHT_ATTR_FAULT_PATH: string, the path a fault rule is for (at most
 *	%INSIGHT_FAULT_PATH_MAX bytes with its NUL), since ABI 8
 * @__INSIGHT_ATTR_MAX: number of attributes, for bounds
 */
enum insight_attr {
	INSIGHT_ATTR_UNSPEC,
	INSIGHT_ATTR_ABI_VERSION,
	INSIGHT_ATTR_ABI_MIN,
	INSIGHT_ATTR_PARAM_MAX_SESSIONS,
	INSIGHT_ATTR_PARAM_MAX_SITES,
	INSIGHT_ATTR_PARAM_MAX_PROBES,
	INSIGHT_ATTR_PID,
	INSIGHT_ATTR_SITES,
	INSIGHT_ATTR_SITE,
	INSIGHT_ATTR_START,
	INSIGHT_ATTR_DECISIONS,
	INSIGHT_ATTR_LOG_LOST,
	INSIGHT_ATTR_NEXT,
	INSIGHT_ATTR_PARAM_MAX_LOG,
	INSIGHT_ATTR_SESSIONS,
	INSIGHT_ATTR_PROBE,
	INSIGHT_ATTR_PROBES,
	INSIGHT_ATTR_PROBE_INFO,
	INSIGHT_ATTR_DEGRADED,
	INSIGHT_ATTR_POLICY,
	INSIGHT_ATTR_KEEP,
	INSIGHT_ATTR_PARAM_MAX_SNAPSHOTS,
	INSIGHT_ATTR_CAPTURE,
	INSIGHT_ATTR_INPUT_FD,
	INSIGHT_ATTR_INPUT,
	INSIGHT_ATTR_SYSCALL,
	INSIGHT_ATTR_ERRNO,
	INSIGHT_ATTR_OUTPUTS,
	INSIGHT_ATTR_OUTPUT,
	INSIGHT_ATTR_EVENT,
	INSIGHT_ATTR_PARENT,
	INSIGHT_ATTR_SITE_INDEX,
	INSIGHT_ATTR_STATUS,
	INSIGHT_ATTR_EVENTS_LOST,
	INSIGHT_ATTR_STEP,
	INSIGHT_ATTR_HOLD,
	INSIGHT_ATTR_SESSION,
	INSIGHT_ATTR_FORK_SEQ,
	INSIGHT_ATTR_MEM_FD,
	INSIGHT_ATTR_INJECT,
	INSIGHT_ATTR_INJECT_ID,
	INSIGHT_ATTR_INJECTS,
	INSIGHT_ATTR_FAULT_PATH,
	__INSIGHT_ATTR_MAX,
};
#define INSIGHT_ATTR_MAX (__INSIGHT_ATTR_MAX - 1)

/**
 * enum insight_site_attr - attributes of one site, in %INSIGHT_ATTR_SITE
 * @INSIGHT_SITE_UNSPEC: reserved
 * @INSIGHT_SITE_ADDR: u64, user address of a conditional jump in the target
 * @INSIGHT_SITE_POLICY: u32, an &enum insight_policy (default natural)
 * @INSIGHT_SITE_ERRNO: u32, in replies: 0 or the errno refusing the site
 * @__INSIGHT_SITE_MAX: number of site attributes, for bounds
 */
enum insight_site_attr {
	INSIGHT_SITE_UNSPEC,
	INSIGHT_SITE_ADDR,
	INSIGHT_SITE_POLICY,
	INSIGHT_SITE_ERRNO,
	__INSIGHT_SITE_MAX,
};
#define INSIGHT_SITE_MAX (__INSIGHT_SITE_MAX - 1)

/**
 * enum insight_inject_attr - attributes of an injection, in %INSIGHT_ATTR_INJECT
 * @INSIGHT_INJECT_UNSPEC: reserved
 * @INSIGHT_INJECT_CGROUP_FD: u32, the component: an fd of the caller's
 *	for a cgroup v2 directory (its processes and its descendants')
 * @INSIGHT_INJECT_PID: u32, the component: a process and its descendants
 * @INSIGHT_INJECT_SYSCALL: u32, the x86_64 syscall injected into
 * @INSIGHT_INJECT_ACTION: u32, an &enum insight_inject_action
 * @INSIGHT_INJECT_ERR: u32, ERRNO: the errno the call fails with (1-4095)
 * @INSIGHT_INJECT_DELAY_MS: u32, DELAY: how long the call waits first
 *	(1 to 600000)
 * @INSIGHT_INJECT_FD_KINDS: u32, INSIGHT_INJECT_FD_* the call's fd must be
 *	one of (the call's first argument; default any)
 * @INSIGHT_INJECT_PORT: u32, the port (1 to 65535) of the call's sockaddr
 *	(connect, bind, sendto), or else of its socket's peer
 * @INSIGHT_INJECT_PATH: string, a prefix (at a name boundary) of the
 *	call's path argument, or else of its fd's path
 * @INSIGHT_INJECT_NTH: u32, only the nth call that matches (from 1)
 * @INSIGHT_INJECT_PROB_PPM: u32, only with this probability, in
 *	millionths (1 to 1000000)
 * @INSIGHT_INJECT_LIB_FD: u32, an fd of the caller's for the file (an
 *	executable or a shared library) of the function injected into
 * @INSIGHT_INJECT_LIB_OFFSET: u64, the function's entry, an offset in
 *	that file
 * @INSIGHT_INJECT_RETVAL: u64, RETURN: the function's return value (in ax)
 * @INSIGHT_INJECT_ID: u32, in replies: the injection's id
 * @INSIGHT_INJECT_MATCHED: u64, in replies: calls that matched (the
 *	component's, every filter)
 * @INSIGHT_INJECT_INJECTED: u64, in replies: calls acted on
 * @__INSIGHT_INJECT_MAX: number of injection attributes, for bounds
 */
enum insight_inject_attr {
	INSIGHT_INJECT_UNSPEC,
	INSIGHT_INJECT_CGROUP_FD,
	INSIGHT_INJECT_PID,
	INSIGHT_INJECT_SYSCALL,
	INSIGHT_INJECT_ACTION,
	INSIGHT_INJECT_ERR,
	INSIGHT_INJECT_DELAY_MS,
	INSIGHT_INJECT_FD_KINDS,
	INSIGHT_INJECT_PORT,
	INSIGHT_INJECT_PATH,
	INSIGHT_INJECT_NTH,
	INSIGHT_INJECT_PROB_PPM,
	INSIGHT_INJECT_LIB_FD,
	INSIGHT_INJECT_LIB_OFFSET,
	INSIGHT_INJECT_RETVAL,
	INSIGHT_INJECT_ID,
	INSIGHT_INJECT_MATCHED,
	INSIGHT_INJECT_INJECTED,
	__INSIGHT_INJECT_MAX,
};
#define INSIGHT_INJECT_MAX (__INSIGHT_INJECT_MAX - 1)

/**
 * enum insight_inject_action - what an injection does to a call
 * @INSIGHT_INJECT_NONE: reserved
 * @INSIGHT_INJECT_ERRNO: the syscall fails with %INSIGHT_INJECT_ERR, not made
 * @INSIGHT_INJECT_DELAY: the syscall waits %INSIGHT_INJECT_DELAY_MS, then
 *	runs (less when the injection goes meanwhile, or a signal comes)
 * @INSIGHT_INJECT_KILL: the process is killed (SIGKILL) at the syscall
 * @INSIGHT_INJECT_RETURN: the library function returns
 *	%INSIGHT_INJECT_RETVAL at once
 * @__INSIGHT_INJECT_ACTION_MAX: number of actions, for bounds
 */
enum insight_inject_action {
	INSIGHT_INJECT_NONE,
	INSIGHT_INJECT_ERRNO,
	INSIGHT_INJECT_DELAY,
	INSIGHT_INJECT_KILL,
	INSIGHT_INJECT_RETURN,
	__INSIGHT_INJECT_ACTION_MAX,
};

/* %INSIGHT_INJECT_FD_KINDS: a regular file or directory, a socket, a pipe, other */
#define INSIGHT_INJECT_FD_FILE		(1U << 0)
#define INSIGHT_INJECT_FD_SOCKET	(1U << 1)
#define INSIGHT_INJECT_FD_PIPE		(1U << 2)
#define INSIGHT_INJECT_FD_OTHER		(1U << 3)
#define INSIGHT_INJECT_FD_ALL		0xfU

/**
 * enum insight_probe_attr - attributes of one probe, in %INSIGHT_ATTR_PROBE_INFO
 * @INSIGHT_PROBE_UNSPEC: reserved
 * @INSIGHT_PROBE_ID: u32, the probe id
 * @INSIGHT_PROBE_PARENT: u32, the id of the probe it was forked from
 *	(the target's is 0, its own)
 * @INSIGHT_PROBE_FORK_SEQ: u64, sequence number of the fork decision in
 *	the parent's path log
 * @INSIGHT_PROBE_PID: u32, process id (in the caller's pid namespace)
 * @INSIGHT_PROBE_STATE: u8, an &enum insight_probe_state
 * @__INSIGHT_PROBE_MAX: number of probe attributes, for bounds
 */
enum insight_probe_attr {
	INSIGHT_PROBE_UNSPEC,
	INSIGHT_PROBE_ID,
	INSIGHT_PROBE_PARENT,
	INSIGHT_PROBE_FORK_SEQ,
	INSIGHT_PROBE_PID,
	INSIGHT_PROBE_STATE,
	__INSIGHT_PROBE_MAX,
};
#define INSIGHT_PROBE_MAX (__INSIGHT_PROBE_MAX - 1)

/**
 * enum insight_output_attr - one captured output, in %INSIGHT_ATTR_OUTPUT
 * @INSIGHT_OUTPUT_UNSPEC: reserved
 * @INSIGHT_OUTPUT_SEQ: u64, its sequence number among the probe's outputs
 * @INSIGHT_OUTPUT_DECISIONS: u64, the probe's decisions logged before it
 * @INSIGHT_OUTPUT_NR: u32, the syscall number
 * @INSIGHT_OUTPUT_FD: u32, the fd written to
 * @INSIGHT_OUTPUT_LEN: u64, bytes the program wrote (the call's result)
 * @INSIGHT_OUTPUT_DATA: binary, the first of those bytes
 * @INSIGHT_OUTPUT_FLAGS: u32, %INSIGHT_OUTPUT_F_* bits (since ABI 6; absent
 *	means 0)
 * @__INSIGHT_OUTPUT_MAX: number of output attributes, for bounds
 */
enum insight_output_attr {
	INSIGHT_OUTPUT_UNSPEC,
	INSIGHT_OUTPUT_SEQ,
	INSIGHT_OUTPUT_DECISIONS,
	INSIGHT_OUTPUT_NR,
	INSIGHT_OUTPUT_FD,
	INSIGHT_OUTPUT_LEN,
	INSIGHT_OUTPUT_DATA,
	INSIGHT_OUTPUT_FLAGS,
	__INSIGHT_OUTPUT_MAX,
};
#define INSIGHT_OUTPUT_MAX (__INSIGHT_OUTPUT_MAX - 1)

/**
 * INSIGHT_OUTPUT_F_DENIED - the sandbox refused the call (EPERM): a denied
 * output, shown as "denied NAME"; its %INSIGHT_OUTPUT_FD is the call's
 * first argument, its length and data are 0.  Since ABI 6.
 */
#define INSIGHT_OUTPUT_F_DENIED		(1U << 0)
/**
 * INSIGHT_OUTPUT_F_IA32 - %INSIGHT_OUTPUT_NR is a 32-bit (ia32, int $0x80)
 * syscall number; such calls are always denied.  Since ABI 6.
 */
#define INSIGHT_OUTPUT_F_IA32		(1U << 1)

/** INSIGHT_CAPTURE_MAX - most bytes kept of one write */
#define INSIGHT_CAPTURE_MAX		1024
/** INSIGHT_INPUT_MAX - most bytes of replayed input */
#define INSIGHT_INPUT_MAX		65000
/** INSIGHT_FAULTS_MAX - most fault rules per probe */
#define INSIGHT_FAULTS_MAX		8
/** INSIGHT_FAULT_PATH_MAX - longest path of a fault rule, its NUL included */
#define INSIGHT_FAULT_PATH_MAX		256
/** INSIGHT_OUTPUTS_BATCH - most outputs in one OUTPUTS_GET dump message */
#define INSIGHT_OUTPUTS_BATCH		32

/**
 * enum insight_event - kinds of %INSIGHT_CMD_EVENT
 *
 * The split invariant: every split (a decision logged with
 * %INSIGHT_DECISION_FORK, and every PROBE_RESUME with %INSIGHT_ATTR_KEEP)
 * ends in exactly one %INSIGHT_EVENT_CREATED of the new probe (followed by
 * %INSIGHT_EVENT_PAUSED when it is a held snapshot) or one
 * %INSIGHT_EVENT_QUOTA of the splitting probe, both with the decision's
 * %INSIGHT_ATTR_FORK_SEQ; the one exception is a splitting probe killed
 * between its decision and its clone (its %INSIGHT_EVENT_KILLED ends it).
 *
 * @INSIGHT_EVENT_CREATED: a probe was forked (a held one is then paused)
 * @INSIGHT_EVENT_EXITED: a probe exited by itself
 * @INSIGHT_EVENT_KILLED: a probe was killed (SIGKILL)
 * @INSIGHT_EVENT_PAUSED: a snapshot is held, ready for PROBE_RESUME
 * @INSIGHT_EVENT_QUOTA: a split did not happen and its decision ran
 *	naturally: the session was at a cap, the clone failed, or the new
 *	process died before it could be registered
 * @INSIGHT_EVENT_DONE: a probe finished the replayed request (it went back
 *	to waiting for work, or read past the input); see %INSIGHT_CMD_SANDBOX
 */
enum insight_event {
	INSIGHT_EVENT_CREATED = 1,
	INSIGHT_EVENT_EXITED,
	INSIGHT_EVENT_KILLED,
	INSIGHT_EVENT_PAUSED,
	INSIGHT_EVENT_QUOTA,
	INSIGHT_EVENT_DONE,
};

/**
 * enum insight_probe_state - what a probe is doing
 * @INSIGHT_PROBE_EXITED: the process has exited (its log stays)
 * @INSIGHT_PROBE_RUNNING: the process runs
 * @INSIGHT_PROBE_HELD: a snapshot, held at its branch until resumed
 */
enum insight_probe_state {
	INSIGHT_PROBE_EXITED,
	INSIGHT_PROBE_RUNNING,
	INSIGHT_PROBE_HELD,
};

/**
 * enum insight_policy - what the module does when the target reaches a site
 * @INSIGHT_POLICY_NATURAL: take the direction the flags give
 * @INSIGHT_POLICY_TAKEN: always jump
 * @INSIGHT_POLICY_NOT_TAKEN: always fall through
 * @INSIGHT_POLICY_FORK: split the probe: it goes on in the natural
 *	direction and a new probe, forked in the kernel, takes the other.
 *	At the probe cap (max_probes running) the decision runs naturally
 *	and is counted in %INSIGHT_ATTR_DEGRADED.
 * @INSIGHT_POLICY_SNAPSHOT: split the probe: it goes on in the natural
 *	direction and the new probe is held at the branch, a snapshot to
 *	resume later in a chosen direction (%INSIGHT_CMD_PROBE_RESUME).  At
 *	the snapshot cap (max_snapshots held) the decision runs naturally
 *	and is counted in %INSIGHT_ATTR_DEGRADED.
 * @__INSIGHT_POLICY_MAX: number of policies, for bounds
 */
enum insight_policy {
	INSIGHT_POLICY_NATURAL,
	INSIGHT_POLICY_TAKEN,
	INSIGHT_POLICY_NOT_TAKEN,
	INSIGHT_POLICY_FORK,
	INSIGHT_POLICY_SNAPSHOT,
	__INSIGHT_POLICY_MAX,
};

/** INSIGHT_DECISION_TAKEN - &struct insight_decision.flags: the jump was taken */
#define INSIGHT_DECISION_TAKEN		(1U << 0)
/** INSIGHT_DECISION_FORCED - the site's policy, not the flags, chose */
#define INSIGHT_DECISION_FORCED		(1U << 1)
/** INSIGHT_DECISION_DEVIATED - the direction differs from the flags' */
#define INSIGHT_DECISION_DEVIATED	(1U << 2)

/** INSIGHT_DECISION_FORK - the probe was split here (both sides log it) */
#define INSIGHT_DECISION_FORK		(1U << 3)

/** INSIGHT_DECISION_STEPPED - seen while single-stepping, not at a site */
#define INSIGHT_DECISION_STEPPED	(1U << 4)
/** INSIGHT_SITE_NONE - &struct insight_decision.site of a stepped jump */
#define INSIGHT_SITE_NONE		0xffffffffU

/** INSIGHT_PATH_BATCH - most decisions in one PATH_GET dump message */
#define INSIGHT_PATH_BATCH		256
/** INSIGHT_PROBES_BATCH - most probes in one PROBES_GET dump message */
#define INSIGHT_PROBES_BATCH		128

/**
 * struct insight_decision - one branch decision in a path log
 * @seq: sequence number in the log, from 0
 * @addr: address of the conditional jump
 * @site: index of the site, in the order the session added them, or
 *	%INSIGHT_SITE_NONE
 * @flags: INSIGHT_DECISION_* bits
 */
struct insight_decision {
	__u64 seq;
	__u64 addr;
	__u32 site;
	__u32 flags;
};

/**
 * enum insight_ev_kind - kind of a &struct insight_sys_event
 * @INSIGHT_EV_SYS_ENTER: a traced task entered a syscall
 * @INSIGHT_EV_SYS_EXIT: a traced task returned from a syscall
 * @INSIGHT_EV_FORK: a traced process forked: @args[0] is the child's pid
 * @INSIGHT_EV_EXIT: a traced process exited: @ret is its wait status
 */
enum insight_ev_kind {
	INSIGHT_EV_SYS_ENTER = 1,
	INSIGHT_EV_SYS_EXIT = 2,
	INSIGHT_EV_FORK = 3,
	INSIGHT_EV_EXIT = 4,
};

/**
 * enum insight_fd_kind - what an event's fd refers to
 * @INSIGHT_FD_NONE: no fd, or not known
 * @INSIGHT_FD_FILE: a regular file (its name in @name)
 * @INSIGHT_FD_PIPE: a pipe or FIFO
 * @INSIGHT_FD_SOCKET: a socket (an IPv4 peer in @peer_addr, @peer_port)
 * @INSIGHT_FD_CHR: a character device: a tty, the console, /dev/null
 * @INSIGHT_FD_OTHER: anything else (eventfd, epoll, a directory...)
 */
enum insight_fd_kind {
	INSIGHT_FD_NONE,
	INSIGHT_FD_FILE,
	INSIGHT_FD_PIPE,
	INSIGHT_FD_SOCKET,
	INSIGHT_FD_CHR,
	INSIGHT_FD_OTHER,
};

/** INSIGHT_PAYLOAD_MAX - most payload bytes one stream event carries */
#define INSIGHT_PAYLOAD_MAX	4096

/**
 * struct insight_sys_event - one record of the eBPF syscall stream
 * @seq: per-stream sequence number, from 0, no gaps unless dropped
 * @ts_ns: CLOCK_MONOTONIC time of the event
 * @pid: thread group id of the task
 * @tid: thread id of the task
 * @kind: an &enum insight_ev_kind
 * @nr: syscall number (x86_64)
 * @args: syscall arguments (enter; exit repeats them)
 * @ret: return value (exit), wait status (process exit)
 * @fd: the fd the syscall works on (its first argument), or -1
 * @fd_kind: an &enum insight_fd_kind
 * @payload_len: payload bytes that follow, on exit records: the data
 *	written or read, the path of an open
 * @peer_addr: IPv4 address of a socket's peer, network order
 * @peer_port: its port, host order
 * @peer_family: address family of the socket
 * @name: the file's name (last component); for a socket fd and a process
 *	exit, the task's comm
 *
 * In the ring buffer, @payload_len bytes (at most %INSIGHT_PAYLOAD_MAX)
 * follow the structure.
 */
struct insight_sys_event {
	__u64 seq;
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__u32 kind;
	__s32 nr;
	__u64 args[6];
	__s64 ret;
	__s32 fd;
	__u16 fd_kind;
	__u16 payload_len;
	__u32 peer_addr;
	__u16 peer_port;
	__u16 peer_family;
	char name[32];
};

#endif /* _UAPI_LINUX_INSIGHT_H */
