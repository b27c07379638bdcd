// SPDX-License-Identifier: GPL-2.0
/*
 * Branch sites: conditional jumps of the target trapped with uprobes.
 *
 * A uprobe is per file and offset, but its consumer's filter decides in
 * which mm the int3 is written (uprobes writes it into the mm's private
 * copy of the page), so the breakpoint exists only in the session's
 * target: other processes running the same binary or library never see
 * it.  The handler runs in the trapping task's context; it picks the
 * direction, logs it and sets the instruction pointer itself, so uprobes
 * neither single-steps nor emulates the jump: one trap per branch, no
 * round trip to userspace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <insight/jcc.h>

#include "insight.h"

static int insight_site_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct insight_site *site = container_of(uc, struct insight_site, uc);
	struct insight_session *s = site->session;
	struct insight_probe *self;
	bool natural, taken;
	u8 policy;
	u32 flags = 0;

	/*
	 * The int3 lives in an mm that is no probe (a child the target
	 * forked by itself inherits its text): drop the breakpoint there.
	 */
	self = insight_probe_of_mm(s, current->mm);
	if (!self)
		return UPROBE_HANDLER_REMOVE;

	natural = insight_jcc_taken(site->cond, regs->flags);
	policy = READ_ONCE(site->policy);
	/*
	 * The root snapshot: the target's first trap once it reads the
	 * input, in the thread that read it (the request's, sandbox.c).
	 */
	if (!self->id && READ_ONCE(self->reader) == task_pid(current) &&
	    atomic_read(&s->hold_root) && atomic_xchg(&s->hold_root, 0))
		policy = INSIGHT_POLICY_SNAPSHOT;
	switch (policy) {
	case INSIGHT_POLICY_FORK:
	case INSIGHT_POLICY_SNAPSHOT:
		insight_fork(s, self, site, regs, natural,
			     policy == INSIGHT_POLICY_SNAPSHOT);
		insight_step_apply(self, regs);
		return 0;
	case INSIGHT_POLICY_TAKEN:
		taken = true;
		flags |= INSIGHT_DECISION_FORCED;
		break;
	case INSIGHT_POLICY_NOT_TAKEN:
		taken = false;
		flags |= INSIGHT_DECISION_FORCED;
		break;
	default:
		taken = natural;
		break;
	}
	if (taken)
		flags |= INSIGHT_DECISION_TAKEN;
	if (taken != natural)
		flags |= INSIGHT_DECISION_DEVIATED;
	insight_path_log(&self->path, site->index, site->addr, flags);
	/*
	 * Only the instruction pointer changes (and the trap flag when the
	 * probe is to be single-stepped).
	 */
	instruction_pointer_set(regs, taken ? site->target : site->next);
	insight_step_apply(self, regs);
	return 0;
}

static bool insight_site_filter(struct uprobe_consumer *uc,
				enum uprobe_filter_ctx ctx, struct mm_struct *mm)
{
	struct insight_site *site = container_of(uc, struct insight_site, uc);

	return insight_probe_of_mm(site->session, mm) != NULL;
}

/*
 * Decode the conditional jump at @site's address from the @len bytes
 * read there: fill in the condition and both directions, or -EILSEQ.
 */
static int site_decode(struct insight_site *site, const u8 *insn, int len)
{
	struct insight_jcc_insn j;

	if (!insight_jcc_decode(insn, len, site->addr, &j))
		return -EILSEQ;
	site->cond = j.cc;
	site->next = j.next;
	site->target = j.target;
	return 0;
}

/*
 * Find the file and offset behind @addr in @mm.  -EFAULT: not mapped;
 * -EACCES: not executable; -EOPNOTSUPP: anonymous memory (no uprobes).
 */
static int site_locate(struct insight_site *site, struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	int err = 0;

	if (!mmget_not_zero(mm))
		return -ESRCH;		/* the target has exited */
	mmap_read_lock(mm);
	vma = find_vma(mm, site->addr);
	if (!vma || vma->vm_start > site->addr)
		err = -EFAULT;
	else if (!(vma->vm_flags & VM_EXEC))
		err = -EACCES;
	else if (!vma->vm_file)
		err = -EOPNOTSUPP;
	if (!err) {
		site->inode = igrab(file_inode(vma->vm_file));
		site->offset = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
			       (site->addr - vma->vm_start);
		if (!site->inode)
			err = -ENOENT;
	}
	mmap_read_unlock(mm);
	mmput(mm);
	return err;
}

struct insight_site *insight_site_find(struct insight_session *s, u64 addr)
{
	u32 i;

	for (i = 0; i < s->nsites; i++)
		if (s->sites[i]->addr == addr)
			return s->sites[i];
	return NULL;
}

/* SITE_POLICY: change the policy of the site at @addr (-ENOENT: none). */
int insight_site_set_policy(struct insight_session *s, u64 addr, u32 policy)
{
	struct insight_site *site = insight_site_find(s, addr);

	if (!site)
		return -ENOENT;
	if (policy >= __INSIGHT_POLICY_MAX)
		return -EINVAL;
	WRITE_ONCE(site->policy, policy);
	return 0;
}

/*
 * Make room for @n more sites: -ENOENT if the session is not attached,
 * -ENOSPC beyond max_sites.
 */
int insight_sites_reserve(struct insight_session *s, u32 n)
{
	struct insight_site **sites;

	if (!insight_session_attached(s))
		return -ENOENT;
	if (n > insight_max_sites - s->nsites)
		return -ENOSPC;
	sites = kvrealloc(s->sites, s->nsites * sizeof(*sites),
			  (s->nsites + n) * sizeof(*sites), GFP_KERNEL);
	if (!sites)
		return -ENOMEM;
	s->sites = sites;
	return 0;
}

/* Caller holds insight_lock; @s is attached, with room reserved. */
int insight_site_add(struct insight_session *s, u64 addr, u32 policy)
{
	struct insight_probe *target;
	struct insight_site *site;
	struct task_struct *task;
	u8 insn[6];
	int err, n;

	if (addr >= TASK_SIZE_MAX)
		return -EINVAL;		/* not a user address */
	if (policy >= __INSIGHT_POLICY_MAX)
		return -EINVAL;
	if (insight_site_find(s, addr))
		return -EEXIST;
	site = kzalloc(sizeof(*site), GFP_KERNEL);
	if (!site)
		return -ENOMEM;
	site->session = s;
	site->addr = addr;
	site->policy = policy;
	site->index = s->nsites;
	site->uc.handler = insight_site_handler;
	site->uc.filter = insight_site_filter;

	target = list_first_entry(&s->probes, struct insight_probe, node);
	err = site_locate(site, target->mm);
	if (err)
		goto err_free;
	task = insight_probe_task(target);	/* its leader may have left */
	if (!task) {
		err = -ESRCH;
		goto err_iput;
	}
	/*
	 * Sites must start instructions (the caller disassembled them);
	 * an address inside another instruction cannot be told apart.
	 */
	n = access_process_vm(task, addr, insn, sizeof(insn), FOLL_FORCE);
	err = n < 2 ? -EFAULT : site_decode(site, insn, n);
	put_task_struct(task);
	if (err)
		goto err_iput;

	err = uprobe_register(site->inode, site->offset, &site->uc);
	if (err)
		goto err_iput;
	s->sites[s->nsites++] = site;
	return 0;

err_iput:
	iput(site->inode);
err_free:
	kfree(site);
	return err;
}

/*
 * Remove sites[@first..nsites) of @s, the last ones added (a SITES_ADD
 * that failed); after this no handler of theirs runs.  Their indexes are
 * given again to the next sites added.
 */
void insight_sites_remove_from(struct insight_session *s, u32 first)
{
	while (s->nsites > first) {
		struct insight_site *site = s->sites[--s->nsites];

		uprobe_unregister(site->inode, site->offset, &site->uc);
		iput(site->inode);
		kfree(site);
	}
}

/* Remove every breakpoint of @s; after this no handler of @s runs. */
void insight_sites_remove(struct insight_session *s)
{
	insight_sites_remove_from(s, 0);
	kvfree(s->sites);
	s->sites = NULL;
}
