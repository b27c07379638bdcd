// SPDX-License-Identifier: GPL-2.0
/*
 * A probe's memory shared with other processes, made its own.
 *
 * A probe forked from the target inherits its MAP_SHARED mappings (files,
 * shared anonymous memory, SysV shm): its stores would change what the
 * target and every other process mapping them see, and no syscall
 * sandbox sees a store.  So when a forked probe first runs (its
 * trampoline handler, in its own context, before it returns to
 * userspace), every shared mapping it could write -- VM_SHARED with
 * VM_MAYWRITE, since mprotect() can make a read-only one writable -- is
 * replaced by a private copy-on-write mapping of the same file range at
 * the same address with the same protection: vm_mmap(MAP_FIXED) unmaps
 * the old range and maps the file's pages anew, so the probe reads the
 * same bytes and its stores stay its own.  Page cache and shmem (shared
 * anonymous memory, SysV shm) map privately with their current contents.
 *
 * Device memory (VM_IO, VM_PFNMAP, VM_MIXEDMAP) or a mapping of anything
 * but a regular file cannot be made private that way: the split fails
 * and the probe is killed before it runs (a write there would reach the
 * device; a probe without the mapping would crash where the target
 * does not).
 *
 * A probe's own mmap(MAP_SHARED) is made MAP_PRIVATE at sys_enter
 * (insight_shared_mmap_enter(), called by the sandbox): rewritten in the
 * syscall's registers, the flags' register restored by a task_work
 * before the probe sees it again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/wait_bit.h>
#include <asm/unistd.h>

#include "insight.h"

/* mappings replaced per pass over the vmas (kept on the stack) */
#define INSIGHT_SHARED_BATCH	8

/**
 * struct insight_shared_map - a shared mapping to make private
 * @file: its file (a reference is held)
 * @start: its first address
 * @len: its length
 * @off: file offset of @start
 * @prot: its protection, as PROT_* bits
 */
struct insight_shared_map {
	struct file *file;
	unsigned long start;
	unsigned long len;
	unsigned long off;
	unsigned long prot;
};

static bool insight_vma_shared_writable(struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) ==
	       (VM_SHARED | VM_MAYWRITE);
}

static bool insight_vma_privatisable(struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       !(vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)) &&
	       S_ISREG(file_inode(vma->vm_file)->i_mode);
}

/*
 * Collect up to @max shared writable mappings of the current mm at or
 * above *@addr into @m, moving *@addr past the last one.  Returns how
 * many, or -EPERM when one cannot be made private.
 */
static int insight_shared_collect(unsigned long *addr,
				  struct insight_shared_map *m, int max)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int n = 0, err = 0;

	mmap_read_lock(mm);
	for (vma = find_vma(mm, *addr); vma && n < max;
	     vma = find_vma(mm, vma->vm_end)) {
		if (!insight_vma_shared_writable(vma))
			continue;
		if (!insight_vma_privatisable(vma)) {
			err = -EPERM;
			break;
		}
		m[n].file = get_file(vma->vm_file);
		m[n].start = vma->vm_start;
		m[n].len = vma->vm_end - vma->vm_start;
		m[n].off = vma->vm_pgoff << PAGE_SHIFT;
		m[n].prot = (vma->vm_flags & VM_READ ? PROT_READ : 0) |
			    (vma->vm_flags & VM_WRITE ? PROT_WRITE : 0) |
			    (vma->vm_flags & VM_EXEC ? PROT_EXEC : 0);
		*addr = vma->vm_end;
		n++;
	}
	mmap_read_unlock(mm);
	if (err) {
		while (n--)
			fput(m[n].file);
		return err;
	}
	return n;
}

/* Map @m privately over itself; 0 or -errno. */
static int insight_shared_replace(const struct insight_shared_map *m)
{
	unsigned long ret;

	ret = vm_mmap(m->file, m->start, m->len, m->prot,
		      MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, m->off);
	if (IS_ERR_VALUE(ret))
		return ret;
	return ret == m->start ? 0 : -EFAULT;
}

/**
 * insight_shared_maps_private() - make the current probe's shared memory its own
 *
 * Called in a forked probe's own context before it first returns to
 * userspace, while it has one thread.  Mappings are collected under the
 * mmap lock in batches and replaced after it is released (vm_mmap()
 * takes it for writing).
 *
 * Return: 0, or -errno when a mapping could not be made private: the
 * caller must then kill the probe before it runs.
 */
int insight_shared_maps_private(void)
{
	struct insight_shared_map m[INSIGHT_SHARED_BATCH];
	unsigned long addr = 0;
	int i, n, err = 0;

	if (!current->mm)
		return -ESRCH;
	do {
		n = insight_shared_collect(&addr, m, ARRAY_SIZE(m));
		if (n < 0)
			return n;
		for (i = 0; i < n; i++) {
			if (!err)
				err = insight_shared_replace(&m[i]);
			fput(m[i].file);
		}
	} while (!err && n == ARRAY_SIZE(m));
	return err;
}

/**
 * struct insight_mmap_fix - an mmap() whose flags were made private
 * @cb: the task_work that puts the caller's flags back in r10
 * @s: the session (alive while @s->pending counts this work)
 * @r10: the flags the probe passed
 */
struct insight_mmap_fix {
	struct callback_head cb;
	struct insight_session *s;
	unsigned long r10;
};

/*
 * After the syscall, before the probe sees its registers (TWA_SIGNAL work
 * runs first in get_signal(), before any signal frame is built): the
 * syscall ABI preserves r10, and the compiler relies on it.
 */
static void insight_mmap_fix_run(struct callback_head *cb)
{
	struct insight_mmap_fix *fx = container_of(cb, struct insight_mmap_fix, cb);
	struct insight_session *s = fx->s;

	task_pt_regs(current)->r10 = fx->r10;
	kfree(fx);
	if (atomic_dec_and_test(&s->pending))
		wake_up_var(&s->pending);
}

/**
 * insight_shared_mmap_enter() - make a probe's mmap(MAP_SHARED) private
 * @s: the probe's session
 * @regs: the probe's registers at sys_enter (preemption off)
 * @nr: the syscall number
 *
 * For x86_64 mmap() with MAP_SHARED or MAP_SHARED_VALIDATE: the type in
 * the flags (r10) becomes MAP_PRIVATE (MAP_SYNC, which only a shared
 * mapping has, is dropped) and the call goes on; a task_work restores
 * r10.  Without memory for the work the call is skipped with ENOMEM:
 * never a shared mapping.  Only for probes, never the target.
 */
void insight_shared_mmap_enter(struct insight_session *s, struct pt_regs *regs,
			       long nr)
{
	unsigned long type = regs->r10 & MAP_TYPE;
	struct insight_mmap_fix *fx;

	if (nr != __NR_mmap || (type != MAP_SHARED && type != MAP_SHARED_VALIDATE))
		return;
	fx = kmalloc(sizeof(*fx), GFP_ATOMIC);
	if (!fx)
		goto refuse;
	fx->s = s;
	fx->r10 = regs->r10;
	init_task_work(&fx->cb, insight_mmap_fix_run);
	atomic_inc(&s->pending);
	if (task_work_add(current, &fx->cb, TWA_SIGNAL)) {
		atomic_dec(&s->pending);
		kfree(fx);
		goto refuse;
	}
	regs->r10 = (regs->r10 & ~(MAP_TYPE | MAP_SYNC)) | MAP_PRIVATE;
	return;
refuse:
	regs->orig_ax = -1;
	regs->ax = -ENOMEM;
}
