// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's breakpoints: each site is a jcc with an int3 on
 * its first byte.  They are checked and decoded at open, armed in the
 * target (probes inherit them with its memory), found by address at a
 * trap and unarmed in a process that leaves the sandbox.  At a trap the
 * jump is emulated, so the original byte is only put back at close.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>

#include "ptrace.h"

static int pt_site_cmp(const void *a, const void *b, void *arg)
{
	const struct pt_site *s = arg;
	uint64_t x = s[*(const uint32_t *)a].addr, y = s[*(const uint32_t *)b].addr;

	return x < y ? -1 : x > y;
}

/* The index of the armed site at @addr, or -1. */
long pt_site_at(struct xb *b, uint64_t addr)
{
	size_t lo = 0, hi = b->narmed, mid;
	uint64_t a;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		a = b->site[b->by_addr[mid]].addr;
		if (a == addr)
			return b->by_addr[mid];
		if (a < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Whether one of the sites starts at @addr (armed or not). */
bool pt_any_site(struct xb *b, uint64_t addr)
{
	size_t i;

	for (i = 0; i < b->nsites; i++)
		if (b->site[i].addr == addr)
			return true;
	return false;
}

/* Decode site @s from the bytes at its address: 0, or a positive errno. */
static int pt_site_decode(struct pt_site *s, int memfd)
{
	struct insight_jcc_insn j;
	uint8_t c[6];
	ssize_t n = pread(memfd, c, sizeof(c), s->addr);

	if (n < 2)
		return EFAULT;
	if (!insight_jcc_decode(c, (uint32_t)n, s->addr, &j))
		return insight_jcc_cond(c, (uint32_t)n) < 0 ? EILSEQ : EFAULT;
	s->cc = j.cc;
	s->next = j.next;
	s->taken = j.target;
	s->orig = c[0];
	return 0;
}

/* Whether site @s may be armed (as insight.ko tells): 0, or a positive errno. */
static int pt_site_check(const struct pt_site *s, const struct pt_map *m, size_t nmaps)
{
	size_t k;

	if (s->addr >= 0x800000000000ULL)
		return EINVAL;		/* not a user address */
	for (k = 0; k < nmaps; k++)
		if (s->addr >= m[k].lo && s->addr < m[k].hi)
			return m[k].exec && !m[k].vsyscall ? 0 : EACCES;
	return EFAULT;
}

/* Check each site and put an int3 on the good ones. */
void pt_arm(struct xb *b, const struct pt_map *m, size_t nmaps, int memfd, int *refused)
{
	static const uint8_t int3 = 0xcc;
	size_t i, k;

	for (i = 0; i < b->nsites; i++) {
		refused[i] = pt_site_check(&b->site[i], m, nmaps) ?:
			     pt_site_decode(&b->site[i], memfd);
		for (k = 0; !refused[i] && k < i; k++)
			if (b->site[k].addr == b->site[i].addr)
				refused[i] = EEXIST;
	}
	for (i = 0; i < b->nsites; i++) {
		if (refused[i])
			continue;
		if (pwrite(memfd, &int3, 1, b->site[i].addr) != 1) {
			refused[i] = EFAULT;
			continue;
		}
		b->site[i].armed = true;
		b->by_addr[b->narmed++] = i;
	}
	qsort_r(b->by_addr, b->narmed, sizeof(*b->by_addr), pt_site_cmp, b->site);
}

/* Write the original byte of every armed site into @pid's memory. */
int pt_unarm(struct xb *b, pid_t pid)
{
	int fd = pt_mem_open(pid, true), err = 0;
	size_t i;

	if (fd < 0)
		return -errno;
	for (i = 0; i < b->narmed; i++) {
		struct pt_site *s = &b->site[b->by_addr[i]];

		if (pwrite(fd, &s->orig, 1, s->addr) != 1)
			err = -EIO;
	}
	close(fd);
	return err;
}

/*
 * A SIGTRAP stop of @t: true if it was one of our sites (then handled).
 * The root snapshot is the target's first trap after it read replayed
 * input, whatever the site's policy.
 */
bool pt_branch(struct xb *b, struct pt_task *t)
{
	struct user_regs_struct r;
	struct pt_site *s;
	bool natural, snap;
	uint32_t flags;
	siginfo_t si;
	long idx;

	if (ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si) || si.si_code != SI_KERNEL ||
	    ptrace(PTRACE_GETREGS, t->tid, NULL, &r))
		return false;
	idx = pt_site_at(b, r.rip - 1);
	if (idx < 0)
		return false;
	s = &b->site[idx];
	natural = insight_jcc_taken(s->cc, r.eflags);
	flags = natural ? XB_TAKEN : 0;
	snap = s->policy == XB_SNAPSHOT;
	if (!t->probe->id && t->probe->in_off && b->root_pending) {
		b->root_pending = false;
		snap = true;
	}
	r.rip = s->addr;	/* the registers at the branch */
	if (snap) {
		if (!pt_split(b, t, idx, &r, flags | XB_FORK, false))
			return true;
	} else {
		pt_log(t->probe, idx, s->addr, flags);
	}
	r.rip = natural ? s->taken : s->next;
	ptrace(PTRACE_SETREGS, t->tid, NULL, &r);
	pt_resend(t);
	pt_cont(t, 0);
	return true;
}
