// SPDX-License-Identifier: GPL-2.0
/*
 * A load-time self-test of the one uprobes behaviour the module relies
 * on: when a handler moves the instruction pointer, uprobes neither
 * emulates nor single-steps the probed instruction (upstream commit
 * 4363264111e1, "uprobe: Do not emulate/sstep original instruction when
 * ip is changed"; in Debian's 6.1 since 6.1.159).  Every site handler and
 * the fork trampoline's handler move ip; on a kernel without that
 * commit, uprobes then also emulates the jump (or the nop) from where the
 * handler put the task, and every site corrupts the target's control flow.
 *
 * The module tests it on its own process, needing nothing from
 * userspace: a tiny static ELF program, built below byte by byte, is
 * written to a shmem file with two uprobes on it, one on a conditional
 * jump and one on a nop (the two kinds of instruction the module traps),
 * and run as a usermode helper (the kernel's own process, executing the
 * file through /proc/self/fd).  Each handler moves ip to a label; the
 * program exits 0 only if it goes on exactly there.  Anything else
 * refuses the load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
#include <linux/umh.h>
#include <linux/uprobes.h>

#include "insight.h"

/*
 * The program; P1 and P2 are probed, each handler sends it to OK1, OK2.
 *  0: xor %eax,%eax      ZF=1, CF=0
 *  2: P1: jz +0          the jump (its two directions are both 4)
 *  4: mov $3,%edi        here: the handler's ip was not kept
 *  9: jmp out
 *  b: OK1: stc
 *  c: nop
 *  d: jnc fail4          at OK1+2 (CF=0): ip moved, then the jump emulated
 *  f: clc
 * 10: P2: nop            the trampoline's kind of instruction
 * 11: mov $5,%edi        here: the handler's ip was not kept
 * 16: jmp out
 * 18: OK2: stc
 * 19: jnc fail6          at OK2+1 (CF=0): ip moved, then the nop emulated
 * 1b: xor %edi,%edi      exit 0: both handlers' ip kept exactly
 * 1d: jmp out
 * 1f: fail4: mov $4,%edi
 * 24: jmp out
 * 26: fail6: mov $6,%edi
 * 2b: out: mov $60,%eax; syscall   (exit(%edi))
 */
#define ST_P1	0x02
#define ST_OK1	0x0b
#define ST_P2	0x10
#define ST_OK2	0x18

/**
 * struct insight_st_elf - the whole file: one PT_LOAD maps all of it
 * @eh: ELF header
 * @ph: its one program header
 * @code: the program above
 */
struct insight_st_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	u8 code[0x32];
} __packed;

#define ST_BASE		0x400000UL
#define ST_CODE		offsetof(struct insight_st_elf, code)
#define ST_ADDR(off)	(ST_BASE + ST_CODE + (off))

static const struct insight_st_elf insight_st_elf = {
	.eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE },
		.e_type = ET_EXEC,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = ST_ADDR(0),
		.e_phoff = offsetof(struct insight_st_elf, ph),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 1,
	},
	.ph = {
		.p_type = PT_LOAD,
		.p_flags = PF_R | PF_X,
		.p_vaddr = ST_BASE,
		.p_paddr = ST_BASE,
		.p_filesz = sizeof(struct insight_st_elf),
		.p_memsz = sizeof(struct insight_st_elf),
		.p_align = PAGE_SIZE,
	},
	.code = {
		0x31, 0xc0, 0x74, 0x00, 0xbf, 0x03, 0x00, 0x00,
		0x00, 0xeb, 0x20, 0xf9, 0x90, 0x73, 0x10, 0xf8,
		0x90, 0xbf, 0x05, 0x00, 0x00, 0x00, 0xeb, 0x13,
		0xf9, 0x73, 0x0b, 0x31, 0xff, 0xeb, 0x0c, 0xbf,
		0x04, 0x00, 0x00, 0x00, 0xeb, 0x05, 0xbf, 0x06,
		0x00, 0x00, 0x00, 0xb8, 0x3c, 0x00, 0x00, 0x00,
		0x0f, 0x05,
	},
};

/**
 * struct insight_st - one run of the self-test
 * @file: the shmem file holding the program
 * @task: the helper running it (compared, never followed)
 * @path: "/proc/self/fd/N", the helper's fd for @file
 * @argv: the helper's arguments (its path)
 * @envp: its environment (empty)
 * @jcc: the uprobe at P1
 * @nop: the uprobe at P2
 */
struct insight_st {
	struct file *file;
	struct task_struct *task;
	char path[32];
	char *argv[2];
	char *envp[1];
	struct uprobe_consumer jcc;
	struct uprobe_consumer nop;
};

static struct insight_st insight_st;

/*
 * Send the helper to @to; with fake_old_uprobes, to where a kernel that
 * emulates the instruction after the handler would (@skew bytes on).
 */
static int insight_st_move(struct pt_regs *regs, unsigned long to,
			   unsigned long skew)
{
	if (current == READ_ONCE(insight_st.task))
		instruction_pointer_set(regs, to + (insight_fake_old_uprobes ? skew : 0));
	return 0;
}

static int insight_st_jcc(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	return insight_st_move(regs, ST_ADDR(ST_OK1), 2);	/* jz rel8: 2 bytes, +0 */
}

static int insight_st_nop(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	return insight_st_move(regs, ST_ADDR(ST_OK2), 1);
}

/* In the helper, before its exec: give it an fd for the program. */
static int insight_st_init(struct subprocess_info *info, struct cred *new)
{
	struct insight_st *st = info->data;
	int fd = get_unused_fd_flags(O_CLOEXEC);

	if (fd < 0)
		return fd;
	fd_install(fd, get_file(st->file));
	snprintf(st->path, sizeof(st->path), "/proc/self/fd/%d", fd);
	WRITE_ONCE(st->task, current);
	return 0;
}

/*
 * Run the program as a usermode helper: its wait status (0: it exited
 * 0), or -errno if it could not run.  The wait is not killable: the
 * helper runs insight_st_init(), module text, and the module is gone
 * once a failed init returns.  It is bounded: the program has no loop.
 */
static int insight_st_run(struct insight_st *st)
{
	struct subprocess_info *info;

	/* not empty: an empty path would skip the run and return 0 */
	strscpy(st->path, "/proc/self/fd/-", sizeof(st->path));
	st->argv[0] = st->path;
	st->argv[1] = NULL;
	st->envp[0] = NULL;
	info = call_usermodehelper_setup(st->path, st->argv, st->envp, GFP_KERNEL,
					 insight_st_init, NULL, st);
	if (!info)
		return -ENOMEM;
	return call_usermodehelper_exec(info, UMH_WAIT_PROC);
}

/* What a failed run says about the kernel. */
static const char *insight_st_why(int status)
{
	switch (status) {
	case 3 << 8:
		return "the jump's handler did not keep its instruction pointer";
	case 4 << 8:
		return "the jump was emulated after its handler moved the instruction pointer";
	case 5 << 8:
		return "the nop's handler did not keep its instruction pointer";
	case 6 << 8:
		return "the nop was emulated after its handler moved the instruction pointer";
	default:
		return "the test program did not exit 0";
	}
}

/*
 * At load: 0 when uprobes keep a handler's instruction pointer as it is;
 * -EOPNOTSUPP (and why, in the log) when they do not; -errno when the
 * test cannot run.
 */
int __init insight_selftest(void)
{
	struct insight_st *st = &insight_st;
	struct inode *inode;
	loff_t pos = 0;
	ssize_t n;
	int err;

	st->file = shmem_file_setup("insight-selftest", PAGE_SIZE, VM_NORESERVE);
	if (IS_ERR(st->file))
		return PTR_ERR(st->file);
	n = kernel_write(st->file, &insight_st_elf, sizeof(insight_st_elf), &pos);
	if (n != sizeof(insight_st_elf)) {
		err = n < 0 ? n : -EIO;
		goto out_fput;
	}
	inode = file_inode(st->file);
	st->jcc.handler = insight_st_jcc;
	st->nop.handler = insight_st_nop;
	err = uprobe_register(inode, ST_CODE + ST_P1, &st->jcc);
	if (err)
		goto out_fput;
	err = uprobe_register(inode, ST_CODE + ST_P2, &st->nop);
	if (err)
		goto out_jcc;

	err = insight_st_run(st);
	if (err < 0) {
		pr_err("cannot run the uprobes self-test (%d): not loading\n", err);
	} else if (err) {
		pr_err("uprobes self-test failed (status %#x): %s; this kernel lacks upstream 4363264111e1 (Debian 6.1.159 and later have it) and every site would corrupt the target: not loading\n",
		       err, insight_st_why(err));
		err = -EOPNOTSUPP;
	} else {
		pr_info("uprobes self-test passed: a handler's instruction pointer is kept\n");
	}
	uprobe_unregister(inode, ST_CODE + ST_P2, &st->nop);
out_jcc:
	uprobe_unregister(inode, ST_CODE + ST_P1, &st->jcc);
out_fput:
	fput(st->file);
	st->file = NULL;
	WRITE_ONCE(st->task, NULL);
	return err;
}
