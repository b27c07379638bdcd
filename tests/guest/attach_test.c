// SPDX-License-Identifier: GPL-2.0
/*
 * Who may attach (Documentation/kmod.rst, "Who may attach"): ATTACH takes
 * an fd for /proc/PID/mem of the target, which the kernel checked when it
 * was opened (ptrace's attach rules, Yama included); the module accepts it
 * only for exactly that process and image, open for writing.  The hostile
 * callers here are nobody holding CAP_SYS_ADMIN alone (enough for the
 * module's commands, not for ptrace) and fds of the wrong kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netlink/attr.h>

#include "kselftest_harness.h"
#include "libinsight.h"
#include "target.h"
#include "util.h"

#define BRANCHY TARGET_DIR "branchy"
#define SUID_BRANCHY "/tmp/insight-attach-suid-branchy"
#define YAMA_SCOPE "/proc/sys/kernel/yama/ptrace_scope"
#define NOBODY 65534

/* A session on a new socket; NULL (and a failed test) if it cannot open. */
static struct insight_nl *session(void)
{
	struct insight_nl *h;

	if (insight_nl_open(&h))
		return NULL;
	if (insight_session_new(h)) {
		insight_nl_close(h);
		return NULL;
	}
	return h;
}

static int open_mem(pid_t pid, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	return open(path, flags | O_CLOEXEC);
}

/* ATTACH to @pid with @path opened @flags as the fd (-errno of the open). */
static int attach_with(pid_t pid, const char *path, int flags)
{
	struct insight_nl *h = session();
	int fd, err;

	if (!h)
		return -ENOLINK;
	fd = open(path, flags | O_CLOEXEC, 0600);
	err = fd < 0 ? -errno : insight_attach_fd(h, pid, fd);
	if (fd >= 0)
		close(fd);
	insight_nl_close(h);
	return err;
}

/*
 * ATTACH to a new branchy with its /proc/PID/@name opened @flags as the
 * fd: the errno, or -ENOLINK if branchy cannot start.
 */
static int attach_with_proc_file(const char *name, int flags)
{
	char path[64];
	struct target t;
	int err;

	if (target_start(&t, BRANCHY, 0))
		return -ENOLINK;
	snprintf(path, sizeof(path), "/proc/%d/%s", t.pid, name);
	err = attach_with(t.pid, path, flags);
	target_stop(&t);
	return err;
}

/* Results written by a child that changed its identity. */
static int *shared_results(void)
{
	int *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	memset(r, 0x7f, 4096);	/* never an errno: a result not written */
	return r;
}

/*
 * Run @fn as nobody with CAP_SYS_ADMIN only, in a child, with a session of
 * its own; @fn fills @res.  0, or -1 if the child could not be set up.
 */
static int as_nobody_admin(int (*fn)(struct insight_nl *h, void *arg, int *res),
			   void *arg, int *res)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		struct insight_nl *h;

		if (become_nobody_admin())
			_exit(10);
		h = session();
		if (!h)
			_exit(11);
		_exit(fn(h, arg, res) ? 12 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) ? -1 : 0;
}

/* res[0]: a plain attach to *@arg (the library opens its mem file). */
static int plain_attach(struct insight_nl *h, void *arg, int *res)
{
	res[0] = insight_attach(h, *(pid_t *)arg);
	return 0;
}

/* The attach of an unprivileged caller, in a child: its errno. */
static int nobody_attach(pid_t pid)
{
	int *res = shared_results(), err;

	if (!res)
		return -ENOMEM;
	err = as_nobody_admin(plain_attach, &pid, res) ? -ENOLINK : res[0];
	munmap(res, 4096);
	return err;
}

TEST(attach_with_the_targets_mem_fd_traps_its_sites)
{
	struct insight_nl *h;
	struct target t;
	uint32_t pol = INSIGHT_POLICY_TAKEN;
	int fd, err;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_NE(NULL, h = session());
	ASSERT_LE(0, fd = open_mem(t.pid, O_RDWR));
	EXPECT_EQ(0, insight_attach_fd(h, t.pid, fd));
	close(fd);
	ASSERT_EQ(0, insight_sites_add(h, &t.site[0], &pol, 1, &err));
	EXPECT_EQ(0, err);
	EXPECT_EQ(0, target_ask(&t, 3));	/* LT forced taken: bit 0 not set */
	insight_nl_close(h);
	EXPECT_EQ(1, target_ask(&t, 3));
	target_stop(&t);
}

TEST(attach_without_a_mem_fd_is_einval)
{
	struct insight_nl *h;
	struct nl_msg *msg;
	struct target t;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_NE(NULL, h = session());
	ASSERT_NE(NULL, msg = insight_msg_new(h, INSIGHT_CMD_ATTACH));
	ASSERT_EQ(0, nla_put_u32(msg, INSIGHT_ATTR_PID, t.pid));
	EXPECT_EQ(-EINVAL, insight_transact(h, msg, NULL, NULL));
	insight_nl_close(h);
	target_stop(&t);
}

TEST(a_closed_fd_is_ebadf)
{
	struct insight_nl *h;
	struct target t;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_NE(NULL, h = session());
	EXPECT_EQ(-EBADF, insight_attach_fd(h, t.pid, 1000));
	EXPECT_EQ(-ERANGE, insight_attach_fd(h, t.pid, -1));	/* out of the policy's range */
	insight_nl_close(h);
	target_stop(&t);
}

TEST(a_read_only_mem_fd_is_ebadf)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	EXPECT_EQ(-EBADF, attach_with_proc_file("mem", O_RDONLY));
}

/* O_PATH opens run no ptrace check (no mem_open()): fdget() skips them. */
TEST(an_o_path_mem_fd_is_ebadf)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	EXPECT_EQ(-EBADF, attach_with_proc_file("mem", O_PATH));
}

TEST(a_regular_file_is_einval)
{
	struct target t;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	EXPECT_EQ(-EINVAL, attach_with(t.pid, "/tmp/insight-attach-regular",
				       O_RDWR | O_CREAT));
	unlink("/tmp/insight-attach-regular");
	target_stop(&t);
}

TEST(the_targets_maps_file_is_einval)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	EXPECT_EQ(-EINVAL, attach_with_proc_file("maps", O_RDONLY));
}

/*
 * environ keeps the target's mm in its private data like mem does, but
 * its open checks only ptrace's read mode: refused by its kind.
 */
TEST(the_targets_environ_file_is_einval)
{
	ASSERT_EQ(0, insight_ensure_loaded());
	EXPECT_EQ(-EINVAL, attach_with_proc_file("environ", O_RDWR));
	EXPECT_EQ(-EINVAL, attach_with_proc_file("environ", O_RDONLY));
}

TEST(another_processes_mem_fd_is_eacces)
{
	struct target t, other;
	char path[64];

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	ASSERT_EQ(0, target_start(&other, BRANCHY, 0));
	snprintf(path, sizeof(path), "/proc/%d/mem", other.pid);
	EXPECT_EQ(-EACCES, attach_with(t.pid, path, O_RDWR));
	EXPECT_EQ(-EACCES, attach_with(t.pid, "/proc/self/mem", O_RDWR));
	target_stop(&other);
	target_stop(&t);
}

/*
 * res[0]: attach to root's process *@arg with the caller's own
 * /proc/self/mem; res[1]: to a child of its own (nobody, allowed).
 */
static int own_mem_and_own_child(struct insight_nl *h, void *arg, int *res)
{
	struct insight_nl *h2;
	struct target mine;
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	res[0] = insight_attach_fd(h, *(pid_t *)arg, fd);
	close(fd);
	h2 = session();
	if (!h2 || target_start(&mine, BRANCHY, 0))
		return -1;
	res[1] = insight_attach(h2, mine.pid);
	insight_nl_close(h2);
	target_stop(&mine);
	return 0;
}

TEST(unprivileged_caller_cannot_attach_to_roots_process)
{
	struct target t;
	int *res;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, 0));
	EXPECT_EQ(-EACCES, nobody_attach(t.pid));	/* the kernel's check at open */
	ASSERT_NE(NULL, res = shared_results());
	ASSERT_EQ(0, as_nobody_admin(own_mem_and_own_child, &t.pid, res));
	EXPECT_EQ(-EACCES, res[0]);	/* its own mem file names another mm */
	EXPECT_EQ(0, res[1]);		/* while its own child is allowed */
	munmap(res, 4096);
	target_stop(&t);
}

/* A copy of branchy, set-user-ID root. */
static int make_suid_branchy(void)
{
	char *const argv[] = { "/bin/cp", BRANCHY, SUID_BRANCHY, NULL };
	char out[256];

	if (run_capture(argv, out, sizeof(out)))
		return -EIO;
	if (chown(SUID_BRANCHY, 0, 0) || chmod(SUID_BRANCHY, 04755))
		return -errno;
	return 0;
}

/* Effective uid of @pid from /proc/PID/status, or -1. */
static long euid_of(pid_t pid)
{
	char path[64], line[256];
	long ruid, euid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %ld %ld", &ruid, &euid) == 2)
			break;
	fclose(f);
	return euid;
}

/*
 * As nobody: open the mem file of a child of its own before it execs
 * set-user-ID root branchy.  res[0]: ATTACH with that fd after the exec;
 * res[1]: a fresh attach; res[2]: the child's euid after the exec.
 */
static int fd_across_suid_exec(struct insight_nl *h, void *arg, int *res)
{
	char *const argv[] = { SUID_BRANCHY, NULL };
	struct target t;
	int fd;

	if (target_spawn_held(&t, argv, 0))
		return -1;
	fd = open_mem(t.pid, O_RDWR);
	if (fd < 0 || target_release(&t)) {
		target_stop(&t);
		return -1;
	}
	res[0] = insight_attach_fd(h, t.pid, fd);
	res[1] = insight_attach(h, t.pid);
	res[2] = euid_of(t.pid);
	close(fd);
	target_stop(&t);
	return 0;
}

TEST(mem_fd_opened_before_a_setuid_exec_is_eacces)
{
	int *res;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, make_suid_branchy());
	ASSERT_NE(NULL, res = shared_results());
	ASSERT_EQ(0, as_nobody_admin(fd_across_suid_exec, NULL, res));
	EXPECT_EQ(0, res[2]);		/* the exec did make it root */
	EXPECT_EQ(-EACCES, res[0]);	/* the fd names the image before it */
	EXPECT_EQ(-EACCES, res[1]);	/* and the kernel refuses a new one */
	munmap(res, 4096);
	unlink(SUID_BRANCHY);
}

/* Any exec: the fd is tied to the image checked, a new fd to the new one. */
TEST(mem_fd_opened_before_an_exec_is_eacces_one_opened_after_works)
{
	char *const argv[] = { BRANCHY, NULL };
	struct insight_nl *h;
	struct target t;
	int fd;

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_spawn_held(&t, argv, 0));
	ASSERT_LE(0, fd = open_mem(t.pid, O_RDWR));
	ASSERT_EQ(0, target_release(&t));
	ASSERT_NE(NULL, h = session());
	EXPECT_EQ(-EACCES, insight_attach_fd(h, t.pid, fd));
	close(fd);
	EXPECT_EQ(0, insight_attach(h, t.pid));
	insight_nl_close(h);
	target_stop(&t);
}

/*
 * A session attached before its target execs holds the old image: the
 * new one gets no site (ESRCH, each) and runs unharmed.
 */
TEST(an_exec_after_attach_leaves_the_new_image_alone)
{
	char *const argv[] = { BRANCHY, NULL };
	struct insight_nl *h;
	struct target t;
	int errs[2];

	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_spawn_held(&t, argv, 0));
	ASSERT_NE(NULL, h = session());
	ASSERT_EQ(0, insight_attach(h, t.pid));
	ASSERT_EQ(0, target_release(&t));
	EXPECT_EQ(0, insight_sites_add(h, t.site, NULL, 2, errs));
	EXPECT_EQ(ESRCH, errs[0]);
	EXPECT_EQ(ESRCH, errs[1]);
	EXPECT_EQ(0x7d, text_byte(t.pid, t.site[0]));	/* no int3 */
	EXPECT_EQ(1, target_ask(&t, 3));
	insight_nl_close(h);
	target_stop(&t);
}

static int yama_scope(void)
{
	FILE *f = fopen(YAMA_SCOPE, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int set_yama_scope(int v)
{
	FILE *f = fopen(YAMA_SCOPE, "w");
	int err;

	if (!f)
		return -errno;
	err = fprintf(f, "%d\n", v) < 0;
	err |= fclose(f);
	return err ? -EIO : 0;
}

/*
 * Yama's ptrace_scope, which the module's own check never consulted: a
 * caller without CAP_SYS_PTRACE attaches to a process of its own uid that
 * is not its descendant under scope 0 only; scope 2 still lets root (with
 * CAP_SYS_PTRACE) attach.  Scope 3 cannot be turned back off once set, so
 * it is left untried (it would end every later attach of this boot).
 */
TEST(yama_ptrace_scope_is_respected)
{
	int saved = yama_scope();
	struct insight_nl *h;
	struct target t;

	if (saved < 0)
		SKIP(return, "no Yama in this kernel (" YAMA_SCOPE ")");
	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, target_start(&t, BRANCHY, NOBODY));	/* a sibling of the caller */
	EXPECT_EQ(0, set_yama_scope(0));
	EXPECT_EQ(0, nobody_attach(t.pid));
	EXPECT_EQ(0, set_yama_scope(1));
	EXPECT_EQ(-EACCES, nobody_attach(t.pid));
	EXPECT_EQ(0, set_yama_scope(2));
	EXPECT_EQ(-EACCES, nobody_attach(t.pid));
	h = session();
	EXPECT_NE(NULL, h);
	if (h) {
		EXPECT_EQ(0, insight_attach(h, t.pid));
		insight_nl_close(h);
	}
	EXPECT_EQ(0, set_yama_scope(saved));
	target_stop(&t);
}

TEST_HARNESS_MAIN
