/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libinsight: a small client of the insight generic netlink family.
 *
 * Every function returns 0 or a negative errno: the exact errno the
 * kernel answered with (not libnl's translation), so callers and tests
 * can tell EINVAL from ERANGE from EPERM.
 */
#ifndef INSIGHT_LIBINSIGHT_H
#define INSIGHT_LIBINSIGHT_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/insight.h>
#include <insight/inject_args.h>

struct nl_msg;
struct nlattr;
struct insight_nl;

/*
 * Open a netlink socket and resolve the insight family.  -ENOENT means
 * the family is not registered: insight.ko is not loaded.
 */
int insight_nl_open(struct insight_nl **out);
void insight_nl_close(struct insight_nl *h);

/* A request of the insight family for @cmd, to fill with nla_put_*(). */
struct nl_msg *insight_msg_new(struct insight_nl *h, uint8_t cmd);

/*
 * Send @msg (consumed) and wait for the kernel's answer.  Each reply
 * message's attributes, parsed into @tb (INSIGHT_ATTR_MAX + 1 entries),
 * are passed to @on_reply if it is not NULL.
 */
typedef int (*insight_reply_fn)(struct nlattr **tb, void *arg);
int insight_transact(struct insight_nl *h, struct nl_msg *msg,
		     insight_reply_fn on_reply, void *arg);

/* The extended-ack message of the last failed request, or "". */
const char *insight_nl_errmsg(const struct insight_nl *h);

struct insight_version {
	uint32_t abi;		/* the module's ABI version */
	uint32_t abi_min;	/* oldest client ABI it serves */
};
int insight_version(struct insight_nl *h, struct insight_version *v);

struct insight_status {
	uint32_t max_sessions;
	uint32_t max_sites;
	uint32_t max_probes;
	uint32_t max_log;
	uint32_t max_snapshots;
	uint32_t sessions;	/* open now */
};
int insight_status(struct insight_nl *h, struct insight_status *st);

/*
 * Open this socket's exploration session (ends when @h is closed).  It
 * first joins the events group (insight_events_join()).
 */
int insight_session_new(struct insight_nl *h);
/* The id of this socket's session, 0 before insight_session_new(). */
uint32_t insight_session_id(const struct insight_nl *h);

/*
 * Join the events group on a second socket of @h (done by
 * insight_session_new()): -EPERM without CAP_SYS_ADMIN.
 */
int insight_events_join(struct insight_nl *h);

/* A dump request (NLM_F_DUMP) for @cmd; insight_transact() reads it all. */
struct nl_msg *insight_dump_new(struct insight_nl *h, uint8_t cmd);

/*
 * Attach the session to process @pid: opens /proc/@pid/mem read-write
 * (the kernel's ptrace check, LSMs included) and passes it with
 * insight_attach_fd().  -ESRCH: no such process; -EACCES: the caller may
 * not trace it; other errnos as insight_attach_fd().
 */
int insight_attach(struct insight_nl *h, uint32_t pid);
/* ATTACH with @mem_fd, the caller's fd for /proc/@pid/mem (uapi header). */
int insight_attach_fd(struct insight_nl *h, uint32_t pid, int mem_fd);

/*
 * Add @n branch sites; errs[i] receives 0 or the positive errno refusing
 * addrs[i].  policies may be NULL (all natural).
 */
int insight_sites_add(struct insight_nl *h, const uint64_t *addrs,
		      const uint32_t *policies, unsigned int n, int *errs);
int insight_site_policy(struct insight_nl *h, uint64_t addr, uint32_t policy);

/*
 * Read probe @probe's path log (0: the target) from sequence number
 * @start: up to @max decisions into @d, their number into *n; *lost gets
 * the decisions the full log dropped.  One dump, however many messages.
 */
int insight_path_get(struct insight_nl *h, uint32_t probe, uint64_t start,
		     struct insight_decision *d, unsigned int max,
		     unsigned int *n, uint64_t *lost);

struct insight_probe_info {
	uint32_t id;
	uint32_t parent;
	uint64_t fork_seq;
	uint32_t pid;
	int state;	/* an enum insight_probe_state */
};

/*
 * The session's probes from id @start (up to @max, one dump) and its
 * degraded-fork count.
 */
int insight_probes_get(struct insight_nl *h, uint32_t start,
		       struct insight_probe_info *p, unsigned int max,
		       unsigned int *n, uint64_t *degraded);
/* The same, and the session's events not delivered (@events_lost may be NULL). */
int insight_probes_get_lost(struct insight_nl *h, uint32_t start,
			    struct insight_probe_info *p, unsigned int max,
			    unsigned int *n, uint64_t *degraded,
			    uint64_t *events_lost);

/* Release held snapshot @probe in direction @policy (TAKEN/NOT_TAKEN). */
int insight_probe_resume(struct insight_nl *h, uint32_t probe, uint32_t policy,
			 int keep);
int insight_probe_kill(struct insight_nl *h, uint32_t probe);
/* Single-step probe @probe (from its next trap at a site) or stop. */
int insight_probe_step(struct insight_nl *h, uint32_t probe, int on);

/*
 * Turn the session's sandbox on: keep @capture bytes of each write; if
 * @input_fd >= 0, serve its reads from @input (@input_len bytes).
 */
int insight_sandbox(struct insight_nl *h, uint32_t capture, int input_fd,
		    const void *input, uint32_t input_len);
/* The same, and with @hold the target's first trap after reading input holds a
 * root snapshot. */
int insight_sandbox_hold(struct insight_nl *h, uint32_t capture, int input_fd,
			 const void *input, uint32_t input_len, int hold);
/* Make probe @probe's syscall @nr fail with -@err from now on; with a
 * @path (not NULL), only its calls whose path argument is @path. */
int insight_fault_add(struct insight_nl *h, uint32_t probe, uint32_t nr,
		      uint32_t err, const char *path);

/* A component to inject into: a cgroup v2 directory, or else a process tree. */
struct insight_component {
	const char *cgroup;	/* its path, or NULL */
	pid_t pid;		/* else: this process and its descendants */
};

/*
 * Inject @sp into component @c while this handle is open (or until
 * insight_inject_del()); its id in *@id.  A library function
 * (sp->nr INSIGHT_INJECT_NR_LIBRARY) is sp->offset in file sp->lib.
 */
int insight_inject_add(struct insight_nl *h, const struct insight_component *c,
		       const struct insight_inject_spec *sp, uint32_t *id);
int insight_inject_del(struct insight_nl *h, uint32_t id);

struct insight_inject_count {
	uint32_t id, nr, action;
	uint64_t matched;	/* calls that matched (the component's, every filter) */
	uint64_t injected;	/* calls acted on */
};

/* This handle's injections and their counts (up to @max). */
int insight_inject_get(struct insight_nl *h, struct insight_inject_count *out,
		       unsigned int max, unsigned int *n);

struct insight_output_info {
	uint64_t seq;
	uint64_t decisions;	/* the probe's decisions before this output */
	uint32_t nr;
	uint32_t fd;
	uint64_t len;
	uint32_t captured;
	uint32_t flags;		/* INSIGHT_OUTPUT_F_*: a denied call (ABI 6) */
	uint8_t data[INSIGHT_CAPTURE_MAX];
};

/* Probe @probe's captured outputs from @start (up to @max). */
int insight_outputs_get(struct insight_nl *h, uint32_t probe, uint64_t start,
			struct insight_output_info *o, unsigned int max,
			unsigned int *n, uint64_t *lost);

struct insight_event_info {
	uint32_t kind;		/* an enum insight_event */
	uint32_t probe;		/* quota: the probe that did not split */
	uint32_t parent;	/* created */
	uint32_t site;		/* created, paused, quota */
	uint32_t status;	/* exited, killed: a wait status */
	uint32_t session;	/* the session's id (always this socket's) */
	uint64_t fork_seq;	/* created, quota: the split's decision */
	uint64_t events_lost;	/* the session's events lost so far */
};

/*
 * Events of this socket's session, oldest first, from the events group:
 * those waiting, or what arrives within @timeout_ms.  Other sessions'
 * events are dropped here.  Returns how many were stored in @ev, or
 * -errno (-ENOENT: no session).
 */
int insight_events_read(struct insight_nl *h, struct insight_event_info *ev,
			unsigned int max, int timeout_ms);

#endif /* INSIGHT_LIBINSIGHT_H */
