// SPDX-License-Identifier: GPL-2.0
/*
 * include/insight/syscall_class.h: the sandbox's class of each syscall
 * INSIGHT_CMD_SANDBOX's documentation speaks of (the writes captured,
 * the outputs refused, the reads replayed, the waits that end a
 * request) and of a few it leaves alone, and when a probe has finished
 * the replayed request.
 */
#include <stdbool.h>
#include <stdint.h>
#include <insight/syscall_class.h>

#include "kselftest_harness.h"

#define NR(name, cls) { #name, __NR_##name, INSIGHT_SYSCALL_##cls }

static const struct {
	const char *name;
	long nr;
	enum insight_syscall_class cls;
} table[] = {
	/* writes to sockets, pipes, files, character devices: captured */
	NR(write, WRITE), NR(pwrite64, WRITE), NR(sendto, WRITE),
	NR(writev, WRITEV), NR(pwritev, WRITEV), NR(pwritev2, WRITEV),
	NR(sendmsg, SENDMSG),
	/* the outputs the uapi documentation says fail with EPERM */
	NR(sendmmsg, OUTPUT_REFUSED), NR(sendfile, OUTPUT_REFUSED),
	NR(splice, OUTPUT_REFUSED), NR(vmsplice, OUTPUT_REFUSED),
	NR(tee, OUTPUT_REFUSED), NR(copy_file_range, OUTPUT_REFUSED),
	/* reads: replayed on the input fd */
	NR(read, READ), NR(pread64, READ), NR(recvfrom, READ),
	NR(readv, READV), NR(preadv, READV), NR(preadv2, READV),
	NR(recvmsg, RECVMSG),
	/* the waits that end a request are no output and no read */
	NR(accept, NONE), NR(accept4, NONE), NR(epoll_wait, NONE),
	NR(epoll_pwait, NONE), NR(epoll_pwait2, NONE),
	/* and some others the sandbox leaves alone */
	NR(openat, NONE), NR(close, NONE), NR(fsync, NONE), NR(poll, NONE),
	NR(recvmmsg, NONE), NR(io_uring_enter, NONE), NR(process_vm_writev, NONE),
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

TEST(each_syscall_has_its_documented_class)
{
	unsigned int i;

	for (i = 0; i < TABLE_LEN; i++) {
		EXPECT_EQ(table[i].cls, insight_syscall_classify(table[i].nr))
			TH_LOG("%s (%ld)", table[i].name, table[i].nr);
	}
}

TEST(no_syscall_and_unknown_numbers_are_none)
{
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, insight_syscall_classify(-1));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, insight_syscall_classify(512));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, insight_syscall_classify(1L << 40));
}

TEST(reads_and_outputs_are_apart_and_none_is_neither)
{
	EXPECT_FALSE(insight_syscall_is_read(INSIGHT_SYSCALL_NONE));
	EXPECT_FALSE(insight_syscall_is_output(INSIGHT_SYSCALL_NONE));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_WRITE));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_WRITEV));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_SENDMSG));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_OUTPUT_REFUSED));
	EXPECT_TRUE(insight_syscall_is_read(INSIGHT_SYSCALL_READ));
	EXPECT_TRUE(insight_syscall_is_read(INSIGHT_SYSCALL_READV));
	EXPECT_TRUE(insight_syscall_is_read(INSIGHT_SYSCALL_RECVMSG));
	EXPECT_FALSE(insight_syscall_is_read(INSIGHT_SYSCALL_OUTPUT_REFUSED));
	EXPECT_FALSE(insight_syscall_is_output(INSIGHT_SYSCALL_READ));
}

TEST(only_accept_and_epoll_waits_wait_for_work)
{
	static const long waits[] = { __NR_accept, __NR_accept4, __NR_epoll_wait,
				      __NR_epoll_pwait, __NR_epoll_pwait2 };
	unsigned int i, n = 0;

	for (i = 0; i < sizeof(waits) / sizeof(waits[0]); i++)
		EXPECT_TRUE(insight_syscall_waits_for_work(waits[i]));
	for (i = 0; i < TABLE_LEN; i++)
		n += insight_syscall_waits_for_work(table[i].nr);
	EXPECT_EQ(5, n);
	EXPECT_FALSE(insight_syscall_waits_for_work(__NR_poll));
	EXPECT_FALSE(insight_syscall_waits_for_work(__NR_select));
	EXPECT_FALSE(insight_syscall_waits_for_work(__NR_epoll_ctl));
}

TEST(waiting_for_work_ends_the_request_only_after_reading_input)
{
	EXPECT_FALSE(insight_syscall_request_done(__NR_accept4, 3, 5, 0, 100));
	EXPECT_TRUE(insight_syscall_request_done(__NR_accept4, 3, 5, 1, 100));
	EXPECT_TRUE(insight_syscall_request_done(__NR_epoll_wait, 4, 5, 100, 100));
}

TEST(reading_the_input_fd_at_its_end_ends_the_request)
{
	EXPECT_TRUE(insight_syscall_request_done(__NR_read, 5, 5, 100, 100));
	EXPECT_TRUE(insight_syscall_request_done(__NR_recvmsg, 5, 5, 100, 100));
	EXPECT_TRUE(insight_syscall_request_done(__NR_readv, 5, 5, 0, 0));
	EXPECT_FALSE(insight_syscall_request_done(__NR_read, 5, 5, 99, 100));
}

TEST(other_fds_and_other_syscalls_do_not_end_the_request)
{
	EXPECT_FALSE(insight_syscall_request_done(__NR_read, 6, 5, 100, 100));
	EXPECT_FALSE(insight_syscall_request_done(__NR_write, 5, 5, 100, 100));
	EXPECT_FALSE(insight_syscall_request_done(__NR_close, 5, 5, 100, 100));
	EXPECT_FALSE(insight_syscall_request_done(__NR_recvmmsg, 5, 5, 100, 100));
}

TEST_HARNESS_MAIN
