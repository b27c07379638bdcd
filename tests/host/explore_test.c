// SPDX-License-Identifier: GPL-2.0
/*
 * insight explore's bad input on the build host (no module there): each
 * case gets one line and exit 2, and leaves the target running.  And a
 * stripped binary, explored with the ptrace backend: it still works,
 * reporting addresses.
 */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "failure_record.h"
#include "kselftest_harness.h"
#include "target.h"
#include "util.h"

#define REC "/tmp/insight-explore-test.json"

static char out[4096];

static int explore(const char *pid, const char *rec, const char *opt, const char *val)
{
	char *argv[] = { (char *)insight_cli(), "explore", "--in-place", "--pid", (char *)pid,
			 "--record", (char *)rec, (char *)opt, (char *)val, NULL };
	int st = run_capture(argv, out, sizeof(out));

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A minimal failure record of program @exe. */
static void write_record(const char *exe)
{
	write_failure_record(REC, exe, "GET ", 4, "ok", 2);
}

FIXTURE(web) {
	struct target t;
	int port;
	char pid[16];
};

FIXTURE_SETUP(web)
{
	ASSERT_EQ(0, webish_start(&self->t, "/nonexistent.conf", &self->port));
	snprintf(self->pid, sizeof(self->pid), "%d", self->t.pid);
	write_record("webish");
}

FIXTURE_TEARDOWN(web)
{
	char resp[256];

	/* the target is unharmed */
	EXPECT_LT(0, http_get(self->port, "/", resp, sizeof(resp)));
	EXPECT_NE(NULL, strstr(resp, "hello"));
	target_stop(&self->t);
	unlink(REC);
}

TEST_F(web, no_such_process)
{
	EXPECT_EQ(2, explore("999999", REC, NULL, NULL));
	EXPECT_STREQ("insight: no process 999999\n", out);
}

TEST_F(web, record_of_another_program)
{
	write_record("nginx");
	EXPECT_EQ(2, explore(self->pid, REC, NULL, NULL));
	EXPECT_NE(NULL, strstr(out, "is a record of 'nginx', not of process")) TH_LOG("%s", out);
}

/* Outside a shadow VM, exploring the production process must be asked for. */
TEST_F(web, refused_outside_a_shadow_without_in_place)
{
	char *argv[] = { (char *)insight_cli(), "explore", "--pid", self->pid, "--record", REC,
			 NULL };
	int st = run_capture(argv, out, sizeof(out));

	ASSERT_EQ(0, access("/run/insight/shadow", F_OK) ? 0 : -1) TH_LOG("a shadow's mark here");
	EXPECT_EQ(2, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	EXPECT_NE(NULL, strstr(out, "not a shadow VM")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "--in-place")) TH_LOG("%s", out);
	EXPECT_EQ(1, !!strchr(out, '\n') && !strchr(strchr(out, '\n') + 1, '\n'));
}

/* Without --pid, the process the record says read the request (pid 1 here). */
TEST_F(web, the_pid_defaults_to_the_records)
{
	char *argv[] = { (char *)insight_cli(), "explore", "--in-place", "--record", REC, NULL };
	int st = run_capture(argv, out, sizeof(out));

	EXPECT_EQ(2, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	EXPECT_NE(NULL, strstr(out, "is a record of 'webish', not of process 1 ")) TH_LOG("%s", out);
}

TEST_F(web, unreadable_record)
{
	EXPECT_EQ(2, explore(self->pid, "/nonexistent.json", NULL, NULL));
	EXPECT_EQ(1, !!strchr(out, '\n') && !strchr(strchr(out, '\n') + 1, '\n'));
}

TEST_F(web, quota_zero)
{
	EXPECT_EQ(2, explore(self->pid, REC, "--quota", "0"));
	EXPECT_STREQ("insight: --quota must be at least 1\n", out);
}

TEST_F(web, quota_above_the_cap)
{
	char *argv[] = { (char *)insight_cli(), "explore", "--in-place", "--pid", self->pid, "--record", REC,
			 "--backend", "ptrace", "--quota", "65", NULL };
	int st = run_capture(argv, out, sizeof(out));

	EXPECT_EQ(2, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	EXPECT_NE(NULL, strstr(out, "above the backend's cap")) TH_LOG("%s", out);
}

TEST_F(web, module_not_loaded)
{
	EXPECT_EQ(2, explore(self->pid, REC, "--backend", "kmod"));
	EXPECT_NE(NULL, strstr(out, "insight.ko is not loaded")) TH_LOG("%s", out);
}

TEST_F(web, unknown_backend)
{
	EXPECT_EQ(2, explore(self->pid, REC, "--backend", "dtrace"));
	EXPECT_STREQ("insight: --backend is kmod or ptrace (not 'dtrace')\n", out);
}

/* A copy of webish in a new directory (same name), made by @how. */
static int webish_copy(char *dir, int (*how)(const char *path))
{
	char src[512], dst[512], buf[65536];
	int in, out, err = -1;
	ssize_t n;

	if (!mkdtemp(dir))
		return -1;
	snprintf(src, sizeof(src), "%s/webish", getenv("INSIGHT_TARGET_DIR") ?: TARGET_DIR);
	snprintf(dst, sizeof(dst), "%s/webish", dir);
	in = open(src, O_RDONLY);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0755);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	if (in >= 0 && out >= 0 && n == 0)
		err = 0;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err ? err : how(dst);
}

static int strip_all(const char *path)
{
	char *argv[] = { "/usr/bin/strip", "--strip-all", (char *)path, NULL };
	int st = run_capture(argv, out, sizeof(out));

	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

/* No section headers at all: the kernel runs it, libelf sees no section. */
static int drop_sections(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDWR), err = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) == sizeof(eh)) {
		eh.e_shoff = 0;
		eh.e_shnum = 0;
		eh.e_shstrndx = 0;
		if (pwrite(fd, &eh, sizeof(eh), 0) == sizeof(eh))
			err = 0;
	}
	close(fd);
	return err;
}

/* Start a copy of webish made by @how in @dir; its pid in @pid. */
static int webish_copy_start(struct target *t, char *dir, int (*how)(const char *path),
			     int *port, char *pid)
{
	const char *old = getenv("INSIGHT_TARGET_DIR");
	char *keep = old ? strdup(old) : NULL;
	int err;

	if (webish_copy(dir, how))
		return -1;
	setenv("INSIGHT_TARGET_DIR", dir, 1);
	err = webish_start(t, "/nonexistent.conf", port);
	if (keep)
		setenv("INSIGHT_TARGET_DIR", keep, 1);
	free(keep);
	snprintf(pid, 16, "%d", t->pid);
	return err;
}

/* Stop it and remove it and the record; 0 if it was unharmed. */
static int webish_copy_stop(struct target *t, const char *dir, int port)
{
	char path[512], resp[256];
	int ok = http_get(port, "/", resp, sizeof(resp)) > 0 && strstr(resp, "hello");

	target_stop(t);
	snprintf(path, sizeof(path), "%s/webish", dir);
	unlink(path);
	rmdir(dir);
	unlink(REC);
	return ok ? 0 : -1;
}

static char big[1 << 20];

TEST(stripped_binary_reproduces_with_addresses)
{
	char dir[] = "/tmp/insight-stripped-XXXXXX", pid[16];
	struct target t;
	int port, st;
	char *argv[] = { (char *)insight_cli(), "explore", "--in-place", "--pid", pid, "--record", REC,
			 "--backend", "ptrace", "--json", "--timeout", "60", NULL };

	ASSERT_EQ(0, webish_copy_start(&t, dir, strip_all, &port, pid));
	/* what webish answers GET / in this environment: a natural match */
	write_failure_record(REC, "webish", "GET / HTTP/1.0\r\n\r\n", 18,
			     "HTTP/1.0 200 OK\r\n\r\nhello\n", 25);
	st = run_capture(argv, big, sizeof(big));
	EXPECT_EQ(0, WIFEXITED(st) ? WEXITSTATUS(st) : -1) TH_LOG("%.300s", big);
	EXPECT_NE(NULL, strstr(big, "\"status\":\"reproduced\"")) TH_LOG("%.300s", big);
	EXPECT_NE(NULL, strstr(big, "\"natural_matches\":true"));
	/* no symbols, no lines: addresses only, every jump of the binary a site */
	EXPECT_NE(NULL, strstr(big, "\"path\":[{\"index\":0,\"addr\":\"0x"));
	EXPECT_EQ(NULL, strstr(big, "\"src\":\"webish.c"));
	EXPECT_EQ(NULL, strstr(big, "\"func\":\"main\""));
	EXPECT_LT(1000, atoi(strstr(big, "\"sites\":") ? strstr(big, "\"sites\":") + 8 : "0"));
	EXPECT_EQ(0, webish_copy_stop(&t, dir, port));
}

TEST(binary_without_sections)
{
	char dir[] = "/tmp/insight-nosect-XXXXXX", pid[16];
	struct target t;
	int port;

	ASSERT_EQ(0, webish_copy_start(&t, dir, drop_sections, &port, pid));
	write_record("webish");
	EXPECT_EQ(2, explore(pid, REC, "--backend", "ptrace"));
	EXPECT_NE(NULL, strstr(out, "has no executable section")) TH_LOG("%s", out);
	EXPECT_EQ(1, !!strchr(out, '\n') && !strchr(strchr(out, '\n') + 1, '\n'));
	EXPECT_EQ(0, webish_copy_stop(&t, dir, port));
}

TEST_HARNESS_MAIN
