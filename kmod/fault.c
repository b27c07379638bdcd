// SPDX-License-Identifier: GPL-2.0
/*
 * A probe's fault rules (INSIGHT_CMD_FAULT_ADD): a syscall it is made to
 * fail with an errno, every call of that number or only those whose path
 * argument is a given string.  The sandbox's sys_enter probe asks here
 * first (kmod/sandbox.c); a rule's call is skipped and returns -errno.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/syscall.h>
#include <insight/inject_args.h>

#include "insight.h"
#include "sandbox.h"

/*
 * The string at user address @src into @dst (@max bytes): its length, or
 * -EFAULT when a byte of it is not in memory (a page at a time, without
 * faulting: strncpy_from_user_nofault is not exported to modules).  @max
 * when no NUL came within @max bytes.
 */
static long insight_str_nofault(char *dst, unsigned long src, size_t max)
{
	size_t got = 0, n;

	while (got < max) {
		n = min_t(size_t, max - got, PAGE_SIZE - offset_in_page(src + got));
		if (copy_from_user_nofault(dst + got, (const void __user *)(src + got), n))
			return -EFAULT;
		if (memchr(dst + got, '\0', n))
			return strnlen(dst, max);
		got += n;
	}
	return max;
}

/*
 * The errno of @p's rule for @nr: a rule without a path first; else, if
 * a rule names a path, the first whose path is the call's (read without
 * faulting, here where preemption is off: a path that cannot be read so
 * matches none).  Rules are only ever appended, under @s->lock.
 */
u32 insight_fault_of(struct insight_session *s, struct insight_probe *p,
			    long nr, struct pt_regs *regs)
{
	char path[INSIGHT_FAULT_PATH_MAX];
	unsigned long a[6];
	bool by_path = false;
	u32 i, err = 0;
	long n;

	spin_lock(&s->lock);
	for (i = 0; i < p->nfaults && !err; i++) {
		if (p->faults[i].nr != nr)
			continue;
		if (p->faults[i].path)
			by_path = true;
		else
			err = p->faults[i].err;
	}
	spin_unlock(&s->lock);
	if (err || !by_path)
		return err;
	syscall_get_arguments(current, regs, a);
	n = insight_str_nofault(path, a[insight_inject_path_arg(nr)], sizeof(path));
	if (n < 0 || n >= sizeof(path))
		return 0;
	spin_lock(&s->lock);
	for (i = 0; i < p->nfaults && !err; i++)
		if (p->faults[i].nr == nr && p->faults[i].path &&
		    !strcmp(p->faults[i].path, path))
			err = p->faults[i].err;
	spin_unlock(&s->lock);
	return err;
}

/* Append rule @nr -> @err (for calls of @path only, unless NULL) to @p. */
int insight_fault_store(struct insight_session *s, struct insight_probe *p, u32 nr,
			u32 err, const char *path)
{
	char *dup = NULL;
	int ret = 0;

	if (path) {
		dup = kstrdup(path, GFP_KERNEL);
		if (!dup)
			return -ENOMEM;
	}
	spin_lock(&s->lock);
	if (p->nfaults < INSIGHT_FAULTS_MAX) {
		p->faults[p->nfaults].nr = nr;
		p->faults[p->nfaults].err = err;
		p->faults[p->nfaults].path = dup;
		p->nfaults++;
		dup = NULL;
	} else {
		ret = -ENOSPC;
	}
	spin_unlock(&s->lock);
	kfree(dup);
	return ret;
}

void insight_faults_free(struct insight_probe *p)
{
	u32 i;

	for (i = 0; i < p->nfaults; i++)
		kfree(p->faults[i].path);
}
