// SPDX-License-Identifier: GPL-2.0
/*
 * A probe's own positions in the regular files it shares with the target
 * and the other probes (kmod/sandbox.c sends their read, readv, preadv2
 * at the current position, and lseek here), and in the stream sockets it
 * shares (the slots only: kmod/sockpos.c reads them).
 *
 * A fork copies the fd table, so after one the target and its probes
 * hold the same descriptions, and a read or an lseek by one would move
 * the file position the others see.  Instead each probe reads at a
 * position of its own (vfs_iter_read() at that position: the file's own
 * does not move), starting where the description was when the probe
 * first used it, or where its parent's own position was at the fork
 * (insight_fpos_inherit(), called as the child is registered: the
 * parent makes no syscall between its trampoline clone and the child's
 * registration).  Up to INSIGHT_FPOS_MAX files per probe; past that,
 * the call is refused (a denied output).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <asm/unistd.h>
#include <insight/syscall_class.h>

#include "insight.h"

/* The slot of @file in @p's positions, a new one (at @file's own), or NULL. */
static struct insight_fpos *insight_fpos_slot(struct insight_probe *p,
					      struct file *file)
{
	struct insight_fpos *free = NULL;
	int i;

	lockdep_assert_held(&p->path.lock);
	for (i = 0; i < INSIGHT_FPOS_MAX; i++) {
		if (p->fpos[i].file == file)
			return &p->fpos[i];
		if (!p->fpos[i].file && !free)
			free = &p->fpos[i];
	}
	if (free) {
		free->file = get_file(file);
		free->pos = READ_ONCE(file->f_pos);
	}
	return free;
}

/* Whether @p has a position of its own in @file (atomic context too). */
bool insight_fpos_has(struct insight_probe *p, struct file *file)
{
	bool has = false;
	int i;

	spin_lock(&p->path.lock);
	for (i = 0; i < INSIGHT_FPOS_MAX && !has; i++)
		has = p->fpos[i].file == file;
	spin_unlock(&p->path.lock);
	return has;
}

/* read, readv, preadv2 (at -1): into the user's buffers from @pos. */
static ssize_t insight_fpos_read(struct file *file, long nr,
				 const unsigned long *a, loff_t *pos)
{
	struct iovec iovstack[UIO_FASTIOV], *iov = iovstack;
	struct iov_iter iter;
	ssize_t n;

	if (nr == __NR_read)
		n = import_single_range(READ, (void __user *)a[1], a[2], iovstack,
					&iter);
	else
		n = import_iovec(READ, (const struct iovec __user *)a[1], a[2],
				 UIO_FASTIOV, &iov, &iter);
	if (n < 0)
		return n;
	n = vfs_iter_read(file, &iter, pos, 0);
	kfree(iov == iovstack ? NULL : iov);
	return n;
}

/**
 * insight_fpos_get() - @p's own position in @file
 * @p: the probe
 * @file: a shared description (a regular file, or a stream socket:
 *	kmod/sockpos.c)
 * @pos: set to the position: a new one starts at @file's own
 *
 * Return: 0, or -EPERM when @p has no slot left for a new file.
 */
int insight_fpos_get(struct insight_probe *p, struct file *file, loff_t *pos)
{
	struct insight_fpos *slot;

	spin_lock(&p->path.lock);
	slot = insight_fpos_slot(p, file);
	*pos = slot ? slot->pos : 0;
	spin_unlock(&p->path.lock);
	return slot ? 0 : -EPERM;
}

/* Move @p's own position in @file (one insight_fpos_get() gave) to @pos. */
void insight_fpos_set(struct insight_probe *p, struct file *file, loff_t pos)
{
	int i;

	spin_lock(&p->path.lock);
	for (i = 0; i < INSIGHT_FPOS_MAX; i++)
		if (p->fpos[i].file == file)
			p->fpos[i].pos = pos;
	spin_unlock(&p->path.lock);
}

/**
 * insight_fpos_call() - a call on a shared regular file, at @p's own position
 * @p: the probe, the current task
 * @nr: read, readv, preadv2 (at the current position) or lseek
 * @a: its arguments
 *
 * Return: what the call returns, or -errno.
 */
long insight_fpos_call(struct insight_probe *p, long nr, const unsigned long *a)
{
	struct file *file = fget(a[0]);
	loff_t pos;
	long ret;

	if (!file)
		return -EBADF;
	if (insight_fpos_get(p, file, &pos)) {
		fput(file);
		insight_output_denied(p, nr, a[0], 0, GFP_KERNEL);
		return -EPERM;
	}
	if (nr == __NR_lseek)
		ret = pos = insight_fpos_seek(pos, a[1], a[2],
					      i_size_read(file_inode(file)));
	else
		ret = insight_fpos_read(file, nr, a, &pos);
	if (ret >= 0)
		insight_fpos_set(p, file, pos);
	fput(file);
	return ret;
}

/* @child, being registered, starts at its parent's own positions. */
void insight_fpos_inherit(struct insight_session *s, u32 parent,
			  struct insight_probe *child)
{
	struct insight_probe *p = insight_probe_get(s, parent);
	int i;

	if (!p || p == child)
		return;
	spin_lock(&p->path.lock);
	for (i = 0; i < INSIGHT_FPOS_MAX; i++) {
		child->fpos[i].pos = p->fpos[i].pos;
		child->fpos[i].file = p->fpos[i].file ? get_file(p->fpos[i].file) :
				      NULL;
	}
	spin_unlock(&p->path.lock);
}

/* The probe is freed: drop its files. */
void insight_fpos_release(struct insight_probe *p)
{
	int i;

	for (i = 0; i < INSIGHT_FPOS_MAX; i++)
		if (p->fpos[i].file)
			fput(p->fpos[i].file);
}
