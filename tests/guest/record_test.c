// SPDX-License-Identifier: GPL-2.0
/*
 * insight record in the guest (the Debian 6.1 kernel, through CO-RE):
 * a failing request is recorded, and while the recorder runs its maps
 * and links are pinned under /sys/fs/bpf/insight/record-<pid>/ where
 * bpftool reads them with their BTF; they are gone when it ends, also
 * on SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "target.h"
#include "util.h"

#define RECORD "/tmp/insight-guest-record.json"

static char err_out[4096];

/* The recorder on @pid; returns its pid once it says it is recording. */
static pid_t recorder(pid_t pid, int *err_fd)
{
	char pidbuf[16];
	int errp[2];
	size_t len = 0;
	pid_t rec;

	if (pipe(errp))
		return -1;
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	rec = fork();
	if (!rec) {
		dup2(errp[1], 2);
		execl(insight_cli(), "insight", "record", "--pid", pidbuf, "-o", RECORD,
		      "--trigger-response", "^HTTP/1\\.[01] 5", NULL);
		_exit(127);
	}
	close(errp[1]);
	*err_fd = errp[0];
	while (len < sizeof(err_out) - 1 && read(errp[0], err_out + len, 1) == 1)
		if (err_out[len++] == '\n' && strstr(err_out, "recording"))
			break;
	err_out[len] = '\0';
	return strstr(err_out, "recording") ? rec : -1;
}

static int exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

TEST(failing_request_is_recorded_and_pins_come_and_go)
{
	char dir[128], path[192], resp[256], cmd[256];
	struct target web;
	int port, err_fd, status;
	pid_t rec;

	unlink(RECORD);
	ASSERT_EQ(0, webish_start(&web, "/nonexistent.conf", &port));
	rec = recorder(web.pid, &err_fd);
	ASSERT_LT(0, rec) TH_LOG("%s", err_out);
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/insight/record-%d", rec);
	snprintf(path, sizeof(path), "%s/drops", dir);
	EXPECT_TRUE(exists(path)) TH_LOG("%s", path);
	snprintf(path, sizeof(path), "%s/link_stream_sys_exit", dir);
	EXPECT_TRUE(exists(path)) TH_LOG("%s", path);
	/* bpftool reads the pinned map, with its BTF */
	snprintf(cmd, sizeof(cmd), "bpftool map show pinned %s/pids | grep -q 'name pids'", dir);
	EXPECT_EQ(0, WEXITSTATUS(system(cmd)));
	snprintf(cmd, sizeof(cmd), "bpftool -j map dump pinned %s/drops | jq -e '.[0].formatted.key == 0' >/dev/null",
		 dir);
	EXPECT_EQ(0, WEXITSTATUS(system(cmd)));

	ASSERT_LT(0, http_get(port, "/", resp, sizeof(resp)));
	ASSERT_LT(0, http_get(port, "/conf", resp, sizeof(resp)));
	ASSERT_EQ(rec, waitpid(rec, &status, 0));
	EXPECT_EQ(0, status);
	close(err_fd);
	EXPECT_FALSE(exists(dir));
	EXPECT_EQ(0, WEXITSTATUS(system("jq -e '.request.input_b64 == "
					"\"R0VUIC9jb25mIEhUVFAvMS4wDQoNCg==\"' " RECORD " >/dev/null")));
	target_stop(&web);
	unlink(RECORD);
}

TEST(sigterm_removes_the_pins)
{
	struct target web;
	int port, err_fd, status;
	char dir[128];
	pid_t rec;

	ASSERT_EQ(0, webish_start(&web, "/nonexistent.conf", &port));
	rec = recorder(web.pid, &err_fd);
	ASSERT_LT(0, rec) TH_LOG("%s", err_out);
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/insight/record-%d", rec);
	EXPECT_TRUE(exists(dir));
	kill(rec, SIGTERM);
	ASSERT_EQ(rec, waitpid(rec, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_FALSE(exists(dir));
	EXPECT_FALSE(exists("/sys/fs/bpf/insight"));
	EXPECT_FALSE(exists(RECORD));
	close(err_fd);
	target_stop(&web);
}

/* Without the right to load BPF: one line, exit 2, nothing left. */
TEST(bpf_not_permitted_is_one_line_and_exit_2)
{
	static char out[1024];
	char *trace[] = { (char *)insight_cli(), "trace", "--pid", "1", NULL };
	char *record[] = { (char *)insight_cli(), "record", "--pid", "1", "-o",
			   "/tmp/nobody.json", "--trigger-exit", "1", NULL };
	int fds[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int st1, st2;

		close(fds[0]);
		if (become_nobody())
			_exit(100);
		st1 = run_capture(trace, out, sizeof(out));
		if (write(fds[1], out, strlen(out)) < 0)
			_exit(101);
		st2 = run_capture(record, out, sizeof(out));
		if (write(fds[1], out, strlen(out)) < 0)
			_exit(101);
		_exit(WEXITSTATUS(st1) * 10 + WEXITSTATUS(st2));
	}
	close(fds[1]);
	memset(out, 0, sizeof(out));
	ASSERT_LT(0, read(fds[0], out, sizeof(out) - 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(22, WEXITSTATUS(status)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "insight: cannot load the BPF stream: Operation not permitted "
				    "(BPF not permitted: run as root)\n")) TH_LOG("%s", out);
	EXPECT_FALSE(exists("/tmp/nobody.json"));
	EXPECT_FALSE(exists("/tmp/nobody.json.tmp"));
	EXPECT_FALSE(exists("/sys/fs/bpf/insight"));
	close(fds[0]);
}

TEST_HARNESS_MAIN
