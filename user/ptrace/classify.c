// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's pure logic: the jcc condition and the syscall
 * classes of the sandbox.  To be replaced by include/insight/ (branch
 * shared-logic: one copy for insight.ko and user space); they are kept
 * together here so that the swap is one step.
 */
#include <sys/syscall.h>

#include "ptrace.h"

/*
 * Whether jcc condition @cc (0 to 15) holds for @flags: the condition
 * pairs (o, b, e, be, s, p, l, le) in opcode order, the low bit negates.
 */
bool pt_cond(unsigned int cc, unsigned long long flags)
{
	bool cf = flags & 0x1, pf = flags & 0x4, zf = flags & 0x40;
	bool sf = flags & 0x80, of = flags & 0x800;
	const bool holds[8] = { of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of };

	return holds[(cc >> 1) & 7] != (cc & 1);
}

/* What the sandbox does with syscall @nr: capture it, replay it, or nothing. */
enum pt_sys_kind pt_sys_kind(long nr)
{
	switch (nr) {
	case SYS_write:
	case SYS_pwrite64:
	case SYS_sendto:
		return SYS_WRITE;
	case SYS_writev:
	case SYS_pwritev:
	case SYS_pwritev2:
		return SYS_WRITEV;
	case SYS_sendmsg:
		return SYS_SENDMSG;
	case SYS_sendmmsg:
	case SYS_sendfile:
	case SYS_splice:
	case SYS_vmsplice:
	case SYS_tee:
	case SYS_copy_file_range:
		return SYS_OUT_OTHER;
	case SYS_read:
	case SYS_pread64:
	case SYS_recvfrom:
		return SYS_READ;
	case SYS_readv:
	case SYS_preadv:
	case SYS_preadv2:
		return SYS_READV;
	case SYS_recvmsg:
		return SYS_RECVMSG;
	default:
		return SYS_NONE;
	}
}

bool pt_is_read(enum pt_sys_kind kind)
{
	return kind >= SYS_READ;
}
