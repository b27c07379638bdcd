// SPDX-License-Identifier: GPL-2.0
/*
 * include/insight/syscall_class.h: the sandbox's class of each syscall
 * (the writes captured, the calls refused, the reads replayed, the calls
 * on shared descriptions, the waits that end a request), the classes
 * the arguments decide, and when a probe has finished the replayed
 * request.
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
	/* writes to any fd: captured */
	NR(write, WRITE), NR(pwrite64, WRITE), NR(sendto, WRITE),
	NR(writev, WRITEV), NR(pwritev, WRITEV), NR(pwritev2, WRITEV),
	NR(sendmsg, SENDMSG), NR(sendmmsg, SENDMMSG), NR(sendfile, SENDFILE),
	/* outputs whose bytes cannot be read: refused */
	NR(splice, DENIED), NR(vmsplice, DENIED), NR(tee, DENIED),
	NR(copy_file_range, DENIED),
	/* reads: replayed on the input fd */
	NR(read, READ), NR(pread64, READ), NR(recvfrom, READ),
	NR(readv, READV), NR(preadv, READV), NR(preadv2, READV),
	NR(recvmsg, RECVMSG),
	/* the waits that end a request are no output and no read */
	NR(accept, NONE), NR(accept4, NONE), NR(epoll_wait, NONE),
	NR(epoll_pwait, NONE), NR(epoll_pwait2, NONE),
	/* side-effect free */
	NR(close, NONE), NR(fsync, NONE), NR(poll, NONE), NR(getpid, NONE),
	NR(clock_gettime, NONE), NR(brk, NONE), NR(fstat, NONE),
	NR(exit_group, NONE),
	/* shared descriptions */
	NR(epoll_ctl, SHARED_SUPPRESS), NR(setsockopt, SHARED_SUPPRESS),
	NR(shutdown, SHARED_SUPPRESS), NR(recvmmsg, SHARED_DENIED),
	NR(timerfd_settime, SHARED_DENIED), NR(getdents, SHARED_DENIED),
	NR(getdents64, SHARED_DENIED),
	NR(clone, CLONE), NR(fork, CLONE), NR(vfork, CLONE),
	/* refused */
	NR(clone3, ENOSYS), NR(execve, DENIED), NR(execveat, DENIED),
	NR(io_uring_setup, DENIED), NR(io_uring_enter, DENIED),
	NR(process_vm_writev, DENIED), NR(process_vm_readv, DENIED),
	NR(ptrace, DENIED), NR(unlink, DENIED), NR(unlinkat, DENIED),
	NR(rename, DENIED), NR(renameat2, DENIED), NR(mkdir, DENIED),
	NR(rmdir, DENIED), NR(chmod, DENIED), NR(fchown, DENIED),
	NR(truncate, DENIED), NR(ftruncate, DENIED), NR(link, DENIED),
	NR(symlink, DENIED), NR(utimensat, DENIED), NR(setxattr, DENIED),
	NR(mknod, DENIED), NR(creat, DENIED), NR(openat2, DENIED),
	NR(shmget, DENIED), NR(semop, DENIED), NR(msgsnd, DENIED),
	NR(mq_open, DENIED), NR(pidfd_send_signal, DENIED),
	NR(connect, SHARED_DENIED), NR(bind, DENIED), NR(listen, DENIED),
	NR(flock, DENIED), NR(fallocate, DENIED), NR(io_submit, DENIED),
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

TEST(no_syscall_is_none_and_unknown_numbers_are_denied)
{
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, insight_syscall_classify(-1));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, insight_syscall_classify(512));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, insight_syscall_classify(1L << 40));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, insight_syscall_classify(0x40000000 | __NR_write));
}

TEST(reads_and_outputs_are_apart_and_none_is_neither)
{
	EXPECT_FALSE(insight_syscall_is_read(INSIGHT_SYSCALL_NONE));
	EXPECT_FALSE(insight_syscall_is_output(INSIGHT_SYSCALL_NONE));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_WRITE));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_WRITEV));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_SENDMSG));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_SENDMMSG));
	EXPECT_TRUE(insight_syscall_is_output(INSIGHT_SYSCALL_SENDFILE));
	EXPECT_TRUE(insight_syscall_is_read(INSIGHT_SYSCALL_READ));
	EXPECT_TRUE(insight_syscall_is_read(INSIGHT_SYSCALL_READV));
	EXPECT_TRUE(insight_syscall_is_read(INSIGHT_SYSCALL_RECVMSG));
	EXPECT_FALSE(insight_syscall_is_read(INSIGHT_SYSCALL_DENIED));
	EXPECT_FALSE(insight_syscall_is_output(INSIGHT_SYSCALL_DENIED));
	EXPECT_FALSE(insight_syscall_is_output(INSIGHT_SYSCALL_READ));
}

static const struct insight_syscall_ctx probe_ctx = { .self = 100, .input_fd = 5 };
static const struct insight_syscall_ctx target_ctx = { .self = 100, .input_fd = 5,
						       .target = true };

static enum insight_syscall_class cls_of(long nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	const __u64 a[6] = { a0, a1, a2, a3, 0, 0 };

	return insight_syscall_sandbox(nr, a, &probe_ctx);
}

TEST(reads_of_the_input_are_replayed_others_consume_or_run)
{
	EXPECT_EQ(INSIGHT_SYSCALL_READ, cls_of(__NR_read, 5, 0, 10, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_RECVMSG, cls_of(__NR_recvmsg, 5, 0, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_SHARED_DENIED, cls_of(__NR_read, 6, 0, 10, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_SHARED_DENIED, cls_of(__NR_recvfrom, 6, 0, 10, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_pread64, 6, 0, 10, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_preadv2, 6, 0, 1, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_SHARED_DENIED, cls_of(__NR_preadv2, 6, 0, 1, -1));
}

TEST(creating_or_truncating_a_file_is_faked_reading_one_runs)
{
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_openat, -100, 0, 0 /* O_RDONLY */, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_open, 0, 02 /* O_RDWR */, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_OPEN_CREAT, cls_of(__NR_openat, -100, 0, 0101, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_OPEN_CREAT, cls_of(__NR_open, 0, 01001, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_OPEN_CREAT, cls_of(__NR_openat, -100, 0, 020200002, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, insight_syscall_classify(__NR_creat));
}

TEST(a_fake_open_does_what_the_call_would_have_without_changing_a_file)
{
	/* O_CREAT: an existing file opens, a missing one is a private new one */
	EXPECT_EQ(INSIGHT_OPEN_AGAIN, insight_syscall_open_fake(0101, true));
	EXPECT_EQ(INSIGHT_OPEN_MEMFD, insight_syscall_open_fake(0101, false));
	/* O_CREAT|O_EXCL of an existing file: EEXIST, as it would */
	EXPECT_EQ(INSIGHT_OPEN_EEXIST, insight_syscall_open_fake(0301, true));
	EXPECT_EQ(INSIGHT_OPEN_MEMFD, insight_syscall_open_fake(0301, false));
	/* O_TRUNC: an empty private file; missing without O_CREAT: ENOENT */
	EXPECT_EQ(INSIGHT_OPEN_MEMFD, insight_syscall_open_fake(01001, true));
	EXPECT_EQ(INSIGHT_OPEN_MEMFD, insight_syscall_open_fake(01101, false));
	EXPECT_EQ(INSIGHT_OPEN_ENOENT, insight_syscall_open_fake(01001, false));
	/* O_TMPFILE: always a private file */
	EXPECT_EQ(INSIGHT_OPEN_MEMFD, insight_syscall_open_fake(020200002, true));
}

TEST(arguments_decide_mmap_futex_fcntl_ioctl_lseek)
{
	const __u64 shared_file[6] = { 0, 4096, 3, 0x01, 7, 0 };
	const __u64 private_file[6] = { 0, 4096, 3, 0x02, 7, 0 };
	const __u64 shared_anon[6] = { 0, 4096, 3, 0x21, -1, 0 };

	EXPECT_EQ(INSIGHT_SYSCALL_MMAP_SHARED,
		  insight_syscall_sandbox(__NR_mmap, shared_file, &probe_ctx));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE,
		  insight_syscall_sandbox(__NR_mmap, private_file, &probe_ctx));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE,
		  insight_syscall_sandbox(__NR_mmap, shared_anon, &probe_ctx));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_madvise, 0, 4096, 9, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_madvise, 0, 4096, 4, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_futex, 0, 1 | 128, 1, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_futex, 0, 0, 1, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_futex, 0, 1, 1, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_fcntl, 3, 3 /* F_GETFL */, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_SHARED_SUPPRESS, cls_of(__NR_fcntl, 3, 4, 04000, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_fcntl, 3, 6 /* F_SETLK */, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_ioctl, 3, 0x541b /* FIONREAD */, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_SHARED_SUPPRESS, cls_of(__NR_ioctl, 3, 0x5421, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_ioctl, 3, 0x5412 /* TIOCSTI */, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_SHARED_DENIED, cls_of(__NR_lseek, 3, 0, 1 /* SEEK_CUR */, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_SHARED_DENIED, cls_of(__NR_lseek, 3, 0, 0, 0));
}

TEST(a_probes_own_file_position_seeks_as_lseek_would)
{
	EXPECT_EQ(10, insight_fpos_seek(4, 10, 0 /* SEEK_SET */, 100));
	EXPECT_EQ(14, insight_fpos_seek(4, 10, 1 /* SEEK_CUR */, 100));
	EXPECT_EQ(90, insight_fpos_seek(4, -10, 2 /* SEEK_END */, 100));
	EXPECT_EQ(-EINVAL, insight_fpos_seek(4, -10, 1, 100));
	EXPECT_EQ(-EINVAL, insight_fpos_seek(4, 0, 7, 100));
	EXPECT_EQ(50, insight_fpos_seek(4, 50, 3 /* SEEK_DATA */, 100));
	EXPECT_EQ(100, insight_fpos_seek(4, 50, 4 /* SEEK_HOLE */, 100));
	EXPECT_EQ(-ENXIO, insight_fpos_seek(4, 100, 3, 100));
}

TEST(signals_only_to_itself)
{
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_kill, 100, 15, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_kill, 101, 0, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_kill, 101, 15, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_kill, 0, 15, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_kill, -1, 9, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_tgkill, 100, 101, 6, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_tgkill, 102, 102, 6, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_rt_sigqueueinfo, 102, 10, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_prlimit64, 0, 7, 1, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, cls_of(__NR_prlimit64, 102, 7, 1, 0));
}

TEST(accept_runs_in_the_target_only_threads_run_forks_do_not)
{
	const __u64 a[6] = { 3 };

	EXPECT_EQ(INSIGHT_SYSCALL_NONE, insight_syscall_sandbox(__NR_accept4, a, &target_ctx));
	EXPECT_EQ(INSIGHT_SYSCALL_DENIED, insight_syscall_sandbox(__NR_accept4, a, &probe_ctx));
	EXPECT_EQ(INSIGHT_SYSCALL_NONE, cls_of(__NR_clone, 0x3d0f00, 0, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_CLONE, cls_of(__NR_clone, 0x8000 /* CLONE_PARENT */, 0, 0, 0));
	EXPECT_EQ(INSIGHT_SYSCALL_CLONE, cls_of(__NR_clone, 17 /* SIGCHLD */, 0, 0, 0));
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

TEST(a_forked_probe_waiting_for_work_before_the_request_is_done)
{
	EXPECT_TRUE(insight_syscall_idle_fork(__NR_epoll_wait, true, 0));
	EXPECT_TRUE(insight_syscall_idle_fork(__NR_accept4, true, 0));
	EXPECT_FALSE(insight_syscall_idle_fork(__NR_epoll_wait, false, 0));
	EXPECT_FALSE(insight_syscall_idle_fork(__NR_epoll_wait, true, 1));
	EXPECT_FALSE(insight_syscall_idle_fork(__NR_read, true, 0));
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
