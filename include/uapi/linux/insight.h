/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * insight.h - the one ABI shared by insight.ko, its eBPF programs and
 * userspace (the insight CLI and libinsight).
 *
 * Rules (see Documentation/abi.rst):
 * - numbers are never reused: a retired command or attribute keeps its slot;
 * - every new command, attribute or event field bumps INSIGHT_ABI_VERSION;
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
 * Raised by one for every addition to this header.
 */
#define INSIGHT_ABI_VERSION	1

/**
 * INSIGHT_ABI_MIN - oldest client ABI version the module still serves
 */
#define INSIGHT_ABI_MIN		1

/** INSIGHT_GENL_NAME - name of the generic netlink family */
#define INSIGHT_GENL_NAME	"insight"
/** INSIGHT_GENL_VERSION - genlmsghdr.version of every message */
#define INSIGHT_GENL_VERSION	1

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
 *	%INSIGHT_ATTR_SESSIONS.
 * @__INSIGHT_CMD_MAX: number of commands, for bounds
 */
enum insight_cmd {
	INSIGHT_CMD_UNSPEC,
	INSIGHT_CMD_VERSION,
	INSIGHT_CMD_STATUS,
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
 * @__INSIGHT_ATTR_MAX: number of attributes, for bounds
 */
enum insight_attr {
	INSIGHT_ATTR_UNSPEC,
	INSIGHT_ATTR_ABI_VERSION,
	INSIGHT_ATTR_ABI_MIN,
	INSIGHT_ATTR_PARAM_MAX_SESSIONS,
	INSIGHT_ATTR_PARAM_MAX_SITES,
	INSIGHT_ATTR_PARAM_MAX_PROBES,
	__INSIGHT_ATTR_MAX,
};
#define INSIGHT_ATTR_MAX (__INSIGHT_ATTR_MAX - 1)

/**
 * enum insight_ev_kind - kind of a &struct insight_sys_event
 * @INSIGHT_EV_SYS_ENTER: a traced task entered a syscall
 * @INSIGHT_EV_SYS_EXIT: a traced task returned from a syscall
 */
enum insight_ev_kind {
	INSIGHT_EV_SYS_ENTER = 1,
	INSIGHT_EV_SYS_EXIT = 2,
};

/**
 * struct insight_sys_event - one record of the eBPF syscall stream
 * @seq: per-stream sequence number, from 0, no gaps unless dropped
 * @ts_ns: CLOCK_MONOTONIC time of the event
 * @pid: thread group id of the task
 * @tid: thread id of the task
 * @kind: an &enum insight_ev_kind
 * @nr: syscall number (x86_64)
 * @args: syscall arguments (enter only)
 * @ret: return value (exit only)
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
};

#endif /* _UAPI_LINUX_INSIGHT_H */
