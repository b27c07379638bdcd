// SPDX-License-Identifier: GPL-2.0
/*
 * The explorer's kmod backend: insight.ko does the work (user/backend.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"

struct xb {
	struct insight_nl *h;
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
 * Make a target sleeping in a syscall restart it (a stop and a continue:
 * the kernel restarts an interrupted syscall that has no handler to run),
 * so that a blocked read of the replayed fd goes through the sandbox.
 */
static void kick(pid_t pid)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int i;

	if (proc_state(pid) != 'S')
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
	kick(cfg->pid);
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

static int kmod_policy(struct xb *b, size_t site, int policy)
{
	if (site >= b->nsites)
		return -EINVAL;
	return insight_site_policy(b->h, b->sites[site], policy);
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

static int kmod_events(struct xb *b, struct xb_event *ev, unsigned int max,
		       int timeout_ms)
{
	struct insight_event_info in[64];
	int i, n;

	n = insight_events_read(b->h, in, max < 64 ? max : 64, timeout_ms);
	for (i = 0; i < n; i++) {
		ev[i].kind = in[i].kind;
		ev[i].probe = in[i].probe;
		ev[i].parent = in[i].parent;
		ev[i].site = in[i].site;
		ev[i].status = in[i].status;
	}
	return n;
}

static int kmod_path(struct xb *b, uint32_t probe, struct insight_decision **d,
		     size_t *n)
{
	struct insight_decision *all = NULL, *more;
	size_t cap = 0, len = 0;
	unsigned int got;
	uint64_t lost;
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
		err = insight_path_get(b->h, probe, len, all + len, cap - len, &got, &lost);
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

static int kmod_outputs(struct xb *b, uint32_t probe, uint64_t start,
			struct insight_output_info *o, unsigned int max, unsigned int *n)
{
	uint64_t lost;

	return insight_outputs_get(b->h, probe, start, o, max, n, &lost);
}

static int kmod_probes(struct xb *b, struct xb_probe *p, unsigned int max,
		       unsigned int *n)
{
	struct insight_probe_info *in;
	uint64_t degraded;
	unsigned int i;
	int err;

	in = calloc(max, sizeof(*in));
	if (!in)
		return -ENOMEM;
	err = insight_probes_get(b->h, 0, in, max, n, &degraded);
	for (i = 0; !err && i < *n; i++) {
		p[i].id = in[i].id;
		p[i].parent = in[i].parent;
		p[i].fork_seq = in[i].fork_seq;
		p[i].pid = in[i].pid;
		p[i].state = in[i].state;
	}
	free(in);
	return err;
}

static void kmod_close(struct xb *b)
{
	insight_nl_close(b->h);	/* the session ends: probes killed, sites gone */
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
	.events = kmod_events,
	.path = kmod_path,
	.outputs = kmod_outputs,
	.probes = kmod_probes,
	.close = kmod_close,
};
