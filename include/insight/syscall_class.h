/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sandbox does with each x86_64 syscall (see INSIGHT_CMD_SANDBOX
 * in include/uapi/linux/insight.h): writes are captured and suppressed,
 * reads of the replayed fd are served from the input, a few outputs are
 * refused, and waiting for new work ends a request.  One implementation
 * for insight.ko's sandbox and the ptrace backend's, built unchanged
 * under Kbuild and in userspace: <asm/unistd.h> gives __NR_* in both.
 */
#ifndef _INSIGHT_SYSCALL_CLASS_H
#define _INSIGHT_SYSCALL_CLASS_H

#ifndef __KERNEL__
#include <stdbool.h>
#endif
#include <linux/types.h>
#include <asm/unistd.h>

/**
 * enum insight_syscall_class - what the sandbox does with a syscall
 * @INSIGHT_SYSCALL_NONE: nothing: it runs
 * @INSIGHT_SYSCALL_WRITE: an output of (fd, buf, len): write, pwrite64,
 *	sendto
 * @INSIGHT_SYSCALL_WRITEV: an output of (fd, iov, iovcnt): writev,
 *	pwritev, pwritev2
 * @INSIGHT_SYSCALL_SENDMSG: an output of (fd, msghdr): sendmsg
 * @INSIGHT_SYSCALL_OUTPUT_REFUSED: an output the sandbox cannot emulate:
 *	sendmmsg, sendfile, splice, vmsplice, tee, copy_file_range fail with
 *	EPERM and are captured with length 0
 * @INSIGHT_SYSCALL_READ: an input into (fd, buf, len): read, pread64,
 *	recvfrom
 * @INSIGHT_SYSCALL_READV: an input into (fd, iov, iovcnt): readv, preadv,
 *	preadv2
 * @INSIGHT_SYSCALL_RECVMSG: an input into (fd, msghdr): recvmsg
 */
enum insight_syscall_class {
	INSIGHT_SYSCALL_NONE,
	INSIGHT_SYSCALL_WRITE,
	INSIGHT_SYSCALL_WRITEV,
	INSIGHT_SYSCALL_SENDMSG,
	INSIGHT_SYSCALL_OUTPUT_REFUSED,
	INSIGHT_SYSCALL_READ,
	INSIGHT_SYSCALL_READV,
	INSIGHT_SYSCALL_RECVMSG,
};

/**
 * insight_syscall_classify() - the sandbox's class of a syscall
 * @nr: x86_64 syscall number (orig_ax; -1 and unknown numbers are none)
 *
 * Return: an &enum insight_syscall_class.
 */
static inline enum insight_syscall_class insight_syscall_classify(__s64 nr)
{
	switch (nr) {
	case __NR_write:
	case __NR_pwrite64:
	case __NR_sendto:
		return INSIGHT_SYSCALL_WRITE;
	case __NR_writev:
	case __NR_pwritev:
	case __NR_pwritev2:
		return INSIGHT_SYSCALL_WRITEV;
	case __NR_sendmsg:
		return INSIGHT_SYSCALL_SENDMSG;
	case __NR_sendmmsg:
	case __NR_sendfile:
	case __NR_splice:
	case __NR_vmsplice:
	case __NR_tee:
	case __NR_copy_file_range:
		return INSIGHT_SYSCALL_OUTPUT_REFUSED;
	case __NR_read:
	case __NR_pread64:
	case __NR_recvfrom:
		return INSIGHT_SYSCALL_READ;
	case __NR_readv:
	case __NR_preadv:
	case __NR_preadv2:
		return INSIGHT_SYSCALL_READV;
	case __NR_recvmsg:
		return INSIGHT_SYSCALL_RECVMSG;
	default:
		return INSIGHT_SYSCALL_NONE;
	}
}

/**
 * insight_syscall_is_read() - whether a class reads (replayed on the input fd)
 * @cls: an &enum insight_syscall_class
 *
 * Return: true for READ, READV and RECVMSG.
 */
static inline bool insight_syscall_is_read(enum insight_syscall_class cls)
{
	return cls >= INSIGHT_SYSCALL_READ && cls <= INSIGHT_SYSCALL_RECVMSG;
}

/**
 * insight_syscall_is_output() - whether a class writes (captured, suppressed)
 * @cls: an &enum insight_syscall_class
 *
 * Return: true for WRITE, WRITEV, SENDMSG and OUTPUT_REFUSED.
 */
static inline bool insight_syscall_is_output(enum insight_syscall_class cls)
{
	return cls >= INSIGHT_SYSCALL_WRITE &&
	       cls <= INSIGHT_SYSCALL_OUTPUT_REFUSED;
}

/**
 * insight_syscall_waits_for_work() - whether a syscall waits for a request
 * @nr: x86_64 syscall number
 *
 * A server that makes one of these after reading a request has finished
 * it: accept, accept4, epoll_wait, epoll_pwait, epoll_pwait2.
 *
 * Return: true for those five.
 */
static inline bool insight_syscall_waits_for_work(__s64 nr)
{
	switch (nr) {
	case __NR_accept:
	case __NR_accept4:
	case __NR_epoll_wait:
	case __NR_epoll_pwait:
	case __NR_epoll_pwait2:
		return true;
	default:
		return false;
	}
}

/**
 * insight_syscall_request_done() - whether a syscall ends the replayed request
 * @nr: the syscall the probe is entering
 * @fd: its first argument
 * @input_fd: the fd whose reads are replayed
 * @in_off: how much of the input the probe has read
 * @input_len: the input's length
 *
 * Having read some input, the probe waits for new work; or it reads the
 * input fd at or past the end of the input.
 *
 * Return: true when the probe has finished the request.
 */
static inline bool insight_syscall_request_done(__s64 nr, __s32 fd,
						__s32 input_fd, __u64 in_off,
						__u64 input_len)
{
	if (insight_syscall_waits_for_work(nr))
		return in_off > 0;
	return insight_syscall_is_read(insight_syscall_classify(nr)) &&
	       fd == input_fd && in_off >= input_len;
}

#endif /* _INSIGHT_SYSCALL_CLASS_H */
