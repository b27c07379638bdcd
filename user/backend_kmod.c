// SPDX-License-Identifier: GPL-2.0
/*
 * The explorer's kmod backend: insight.ko does the work (user/backend.h),
 * reached through libinsight; this file translates the netlink ABI's
 * records into the contract's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <insight/syscall_class.h>

#include "backend.h"
#include "libinsight.h"

/* What a probe lost, as the module last said (see note_lost). */
struct kmod_lost {
	uint64_t *seen;		/* by probe id */
	size_t n;
};

struct xb {
	struct insight_nl *h;
	struct xb_lost lost;
	struct kmod_lost lost_path, lost_outputs;
	pid_t pid;
	uint64_t *sites;
	size_t nsites;
	unsigned int max_probes;
};

/* The state letter of @pid in /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Whether @pid sleeps in a read of @fd (/proc/PID/syscall: the number,
 * then the arguments), the one sleep the sandbox must see restarted.
 */
static bool sleeps_reading(pid_t pid, int fd)
{
	char path[64];
	long long nr, arg0;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fscanf(f, "%lld %llx", &nr, &arg0);
	fclose(f);
	return n == 2 && fd >= 0 && arg0 == fd &&
	       insight_syscall_is_read(insight_syscall_classify(nr));
}

/*
 * Make a target sleeping in a read of the replayed fd restart it (a stop
 * and a continue: the kernel restarts an interrupted read that has no
 * handler to run), so that it goes through the sandbox.  Only a read:
 * after a stop, epoll_wait() and a few others fail with EINTR instead of
 * restarting (signal(7)), which the target would see.
 */
static void kick(pid_t pid, int in_fd)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int i;

	if (proc_state(pid) != 'S' || !sleeps_reading(pid, in_fd))
		return;
	if (kill(pid, SIGSTOP))
		return;
	for (i = 0; i < 1000 && proc_state(pid) != 'T' && proc_state(pid) != 't'; i++)
		nanosleep(&ts, NULL);
	kill(pid, SIGCONT);
}

static int kmod_open(struct xb **out, const struct xb_config *cfg, int *refused,
		     char *why, size_t whylen)
{
	struct insight_status st;
	struct xb *b;
	int err;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->pid = cfg->pid;
	err = insight_nl_open(&b->h);
	if (err) {
		snprintf(why, whylen, err == -ENOENT ? "insight.ko is not loaded (modprobe insight, "
			 "or use --backend ptrace)" : "cannot open the insight netlink family: %s",
			 strerror(-err));
		free(b);
		return err;
	}
	err = insight_status(b->h, &st);
	if (!err)
		err = insight_session_new(b->h);
	if (err) {
		snprintf(why, whylen, "cannot open a session: %s", strerror(-err));
		goto fail;
	}
	b->max_probes = st.max_probes;
	err = insight_attach(b->h, cfg->pid);
	if (err) {
		snprintf(why, whylen, "cannot attach to %d: %s", cfg->pid, strerror(-err));
		goto fail;
	}
	err = insight_sites_add(b->h, cfg->sites, NULL, cfg->nsites, refused);
	if (err) {
		snprintf(why, whylen, "cannot add %zu sites: %s", cfg->nsites, strerror(-err));
		goto fail;
	}
	err = insight_sandbox_hold(b->h, INSIGHT_CAPTURE_MAX, cfg->in_fd, cfg->input,
				   cfg->input_len, 1);
	if (err) {
		snprintf(why, whylen, "cannot turn the sandbox on: %s", strerror(-err));
		goto fail;
	}
	b->sites = malloc(cfg->nsites * sizeof(*b->sites));
	if (!b->sites) {
		err = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	memcpy(b->sites, cfg->sites, cfg->nsites * sizeof(*b->sites));
	b->nsites = cfg->nsites;
	kick(cfg->pid, cfg->in_fd);
	*out = b;
	return 0;
fail:
	insight_nl_close(b->h);
	free(b);
	return err;
}

static unsigned int kmod_max_probes(struct xb *b)
{
	return b->max_probes;
}

static int kmod_policy(struct xb *b, size_t site, enum xb_policy policy)
{
	if (site >= b->nsites)
		return -ENOENT;		/* as the module says of an unknown site */
	if (policy != XB_NATURAL && policy != XB_SNAPSHOT)
		return -EINVAL;		/* not mapped onto NATURAL */
	return insight_site_policy(b->h, b->sites[site], policy == XB_SNAPSHOT ?
				   INSIGHT_POLICY_SNAPSHOT : INSIGHT_POLICY_NATURAL);
}

static int kmod_resume(struct xb *b, uint32_t probe, int taken, int keep)
{
	return insight_probe_resume(b->h, probe, taken ? INSIGHT_POLICY_TAKEN :
				    INSIGHT_POLICY_NOT_TAKEN, keep);
}

static int kmod_kill(struct xb *b, uint32_t probe)
{
	return insight_probe_kill(b->h, probe);
}

static int kmod_fault(struct xb *b, uint32_t probe, int nr, int err, const char *path)
{
	return insight_fault_add(b->h, probe, nr, err, path);
}

/* The contract's event for one of the module's (user/backend.h). */
static int kmod_event_kind(uint32_t kind)
{
	switch (kind) {
	case INSIGHT_EVENT_CREATED:
		return XB_EV_CREATED;
	case INSIGHT_EVENT_PAUSED:
		return XB_EV_HELD;
	case INSIGHT_EVENT_QUOTA:
		return XB_EV_QUOTA;
	case INSIGHT_EVENT_DONE:
		return XB_EV_DONE;
	case INSIGHT_EVENT_EXITED:
		return XB_EV_EXITED;
	case INSIGHT_EVENT_KILLED:
		return XB_EV_KILLED;
	default:
		return 0;	/* a kind this client does not know */
	}
}

static int kmod_events(struct xb *b, struct xb_event *ev, unsigned int max,
		       int timeout_ms)
{
	struct insight_event_info in[64];
	int i, n, k = 0;

	n = insight_events_read(b->h, in, max < 64 ? max : 64, timeout_ms);
	for (i = 0; i < n; i++) {
		/* each event says how many of the session's were lost so far */
		if (in[i].events_lost > b->lost.events)
			b->lost.events = in[i].events_lost;
		ev[k].kind = kmod_event_kind(in[i].kind);
		if (!ev[k].kind)
			continue;
		ev[k].probe = in[i].probe;
		ev[k].parent = in[i].parent;
		ev[k].fork_seq = in[i].fork_seq;
		ev[k].site = in[i].site;
		ev[k].status = in[i].status;
		k++;
	}
	return n < 0 ? n : k;
}

/* insight_decision.flags are the contract's bit for bit (checked here). */
_Static_assert(INSIGHT_DECISION_TAKEN == XB_TAKEN && INSIGHT_DECISION_FORCED == XB_FORCED &&
	       INSIGHT_DECISION_DEVIATED == XB_DEVIATED && INSIGHT_DECISION_FORK == XB_FORK &&
	       INSIGHT_DECISION_STEPPED == XB_STEPPED && INSIGHT_SITE_NONE == XB_SITE_NONE,
	       "decision flags differ");
_Static_assert(INSIGHT_CAPTURE_MAX <= XB_CAPTURE_MAX, "captures do not fit");

/*
 * The module reports, with each read of a probe's log or outputs, how
 * many of them that probe lost so far: count each probe's once.
 */
static void note_lost(struct kmod_lost *l, uint32_t probe, uint64_t lost, uint64_t *total)
{
	uint64_t *more;
	size_t n;

	if (probe >= l->n) {
		n = probe + 64;
		more = realloc(l->seen, n * sizeof(*more));
		if (!more)
			return;
		memset(more + l->n, 0, (n - l->n) * sizeof(*more));
		l->seen = more;
		l->n = n;
	}
	if (lost > l->seen[probe])
		*total += lost - l->seen[probe];
	l->seen[probe] = lost;
}

/* Probe @probe's own log, all of it, in the module's layout. */
static int kmod_path_raw(struct xb *b, uint32_t probe, struct insight_decision **d,
			 size_t *n, uint64_t *lost)
{
	struct insight_decision *all = NULL, *more;
	size_t cap = 0, len = 0;
	unsigned int got;
	int err;

	do {
		if (cap - len < INSIGHT_PATH_BATCH) {
			cap = cap ? cap * 2 : 1024;
			more = realloc(all, cap * sizeof(*all));
			if (!more) {
				free(all);
				return -ENOMEM;
			}
			all = more;
		}
		err = insight_path_get(b->h, probe, len, all + len, cap - len, &got, lost);
		if (err) {
			free(all);
			return err;
		}
		len += got;
	} while (got && len == cap);
	*d = all;
	*n = len;
	return 0;
}

static int kmod_path(struct xb *b, uint32_t probe, struct xb_decision **d, size_t *n)
{
	struct insight_decision *raw;
	uint64_t lost = 0;
	size_t k;
	int err;

	err = kmod_path_raw(b, probe, &raw, n, &lost);
	if (err)
		return err;
	*d = malloc((*n ? *n : 1) * sizeof(**d));
	for (k = 0; *d && k < *n; k++)
		(*d)[k] = (struct xb_decision){ raw[k].seq, raw[k].addr, raw[k].site,
						raw[k].flags };
	free(raw);
	if (!*d)
		return -ENOMEM;
	note_lost(&b->lost_path, probe, lost, &b->lost.decisions);
	return 0;
}

static int kmod_outputs(struct xb *b, uint32_t probe, uint64_t start,
			struct xb_output *o, unsigned int max, unsigned int *n)
{
	struct insight_output_info *in;
	uint64_t lost = 0;
	unsigned int k;
	int err;

	in = malloc((max ? max : 1) * sizeof(*in));
	if (!in)
		return -ENOMEM;
	err = insight_outputs_get(b->h, probe, start, in, max, n, &lost);
	for (k = 0; !err && k < *n; k++) {
		o[k] = (struct xb_output){ .seq = in[k].seq, .decisions = in[k].decisions,
					   .nr = in[k].nr, .fd = in[k].fd, .len = in[k].len,
					   .captured = in[k].captured,
					   .flags = (in[k].flags & INSIGHT_OUTPUT_F_DENIED ?
						     XB_OUT_DENIED : 0) |
						    (in[k].flags & INSIGHT_OUTPUT_F_IA32 ?
						     XB_OUT_IA32 : 0) };
		memcpy(o[k].data, in[k].data, in[k].captured);
	}
	free(in);
	if (!err)
		note_lost(&b->lost_outputs, probe, lost, &b->lost.outputs);
	return err;
}

static const enum xb_probe_state kmod_state[] = {
	[INSIGHT_PROBE_EXITED] = XB_PROBE_EXITED,
	[INSIGHT_PROBE_RUNNING] = XB_PROBE_RUNNING,
	[INSIGHT_PROBE_HELD] = XB_PROBE_HELD,
};

static int kmod_probes(struct xb *b, struct xb_probe *p, unsigned int max,
		       unsigned int *n)
{
	struct insight_probe_info *in;
	unsigned int i;
	int err;

	in = calloc(max ? max : 1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	err = insight_probes_get(b->h, 0, in, max, n, &b->lost.degraded);
	for (i = 0; !err && i < *n; i++)
		p[i] = (struct xb_probe){ in[i].id, in[i].parent, in[i].fork_seq, in[i].pid,
					  (unsigned int)in[i].state < 3 ?
					  kmod_state[in[i].state] : XB_PROBE_EXITED };
	free(in);
	return err;
}

static int kmod_lost(struct xb *b, struct xb_lost *l)
{
	struct insight_probe_info one;
	unsigned int n;
	int err;

	/* the module's counters come with its probe list */
	err = insight_probes_get(b->h, 0, &one, 1, &n, &b->lost.degraded);
	*l = b->lost;
	return err;
}

static void kmod_close(struct xb *b)
{
	insight_nl_close(b->h);	/* the session ends: probes killed, sites gone */
	free(b->lost_path.seen);
	free(b->lost_outputs.seen);
	free(b->sites);
	free(b);
}

const struct xb_ops xb_kmod_ops = {
	.name = "kmod",
	.open = kmod_open,
	.max_probes = kmod_max_probes,
	.policy = kmod_policy,
	.resume = kmod_resume,
	.kill = kmod_kill,
	.fault = kmod_fault,
	.events = kmod_events,
	.path = kmod_path,
	.outputs = kmod_outputs,
	.probes = kmod_probes,
	.lost = kmod_lost,
	.close = kmod_close,
};
