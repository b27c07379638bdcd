// SPDX-License-Identifier: GPL-2.0
/*
 * Who may attach: the kernel's own ptrace check, through /proc/PID/mem.
 *
 * ptrace_may_access() and the LSM hooks are not exported to modules, so
 * the module does not judge credentials itself.  The caller opens
 * /proc/PID/mem of the target (read-write) and passes the fd with ATTACH.
 * That open is the kernel's full check: mem_open() -> mm_access() holds
 * the target's exec_update_lock and calls ptrace_may_access() with
 * PTRACE_MODE_ATTACH_FSCREDS, LSMs (Yama) included, and the file keeps
 * the mm it checked in file->private_data (mmgrab'ed) for as long as it
 * is open.  The module then only checks that the fd is such a file, open
 * for writing, and that its mm is the target's mm now: an exec after the
 * open gives the task a new mm, so an fd checked against the image before
 * a setuid exec never names the image after it.  Everything the session
 * does afterwards goes through that same mm (probe 0's), never through the
 * task's current mm.
 *
 * The file operations of /proc/PID/mem (proc_mem_operations) are static
 * in fs/proc/base.c: the module learns their address at load by opening
 * /proc/self/mem in a kernel thread, where mem_open() checks nothing (the
 * thread has no mm) and which it can verify: a procfs file named "mem".
 * That lookup is trusted as the loading of the module is.  No other procfs
 * file has those file operations; /proc/PID/environ, auxv and pagemap
 * also keep an mm in private_data but pass a weaker (read) check, and
 * are refused by the file operations.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include "insight.h"

static const struct file_operations *insight_mem_fops;

/*
 * In a kernel thread of its own: /proc/self/mem of a task without an mm
 * opens (mem_open() keeps a NULL mm) and proves itself a procfs file
 * named "mem".  A thread of its own because procfs caches the dentries
 * and inodes of the lookup until their task exits: the thread's go with it.
 */
static int insight_learn_mem_fops(void *data)
{
	struct completion *done = data;
	struct file *f = filp_open("/proc/self/mem", O_RDONLY, 0);
	int err = 0;

	if (IS_ERR(f)) {
		err = PTR_ERR(f);
		pr_err("cannot open /proc/self/mem (%d): ATTACH needs procfs at /proc\n",
		       err);
		goto out;
	}
	if (file_inode(f)->i_sb->s_magic != PROC_SUPER_MAGIC ||
	    strcmp(f->f_path.dentry->d_name.name, "mem") || f->private_data) {
		pr_err("/proc/self/mem is not procfs' mem file: ATTACH cannot check fds\n");
		err = -ENODEV;
	} else {
		insight_mem_fops = f->f_op;
	}
	__fput_sync(f);
out:
	complete(done);
	return err;
}

/* At load: learn /proc/PID/mem's file operations. */
int __init insight_attach_init(void)
{
	DECLARE_COMPLETION_ONSTACK(done);
	struct task_struct *t;
	int err;

	t = kthread_create(insight_learn_mem_fops, &done, "insight-attach");
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);	/* kthread_stop() after it returned */
	wake_up_process(t);
	wait_for_completion(&done);
	err = kthread_stop(t);
	put_task_struct(t);
	return err;
}

/*
 * May the caller attach to the task whose mm is @mm, on the strength of
 * @fd?  0; -EBADF: @fd is not open, or not open for writing; -EINVAL: not
 * a /proc/PID/mem file; -EACCES: the mem file of another mm (another
 * process, or the target before an exec).
 */
int insight_attach_check(int fd, struct mm_struct *mm)
{
	struct fd f = fdget(fd);
	int err = 0;

	if (!f.file)
		return -EBADF;
	if (f.file->f_op != insight_mem_fops)
		err = -EINVAL;
	else if (!(f.file->f_mode & FMODE_WRITE))
		err = -EBADF;
	else if (f.file->private_data != mm)	/* compared, never followed */
		err = -EACCES;
	fdput(f);
	return err;
}
