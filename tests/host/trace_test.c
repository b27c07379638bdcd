// SPDX-License-Identifier: GPL-2.0
/*
 * insight trace on the build host (its kernel has BPF): a child with known
 * syscalls is traced in each format; the JSON outputs must parse (jq);
 * a flood through a small ring must report drops; bad input gets one
 * clear line and exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

#define OUT "/tmp/insight-trace-test.out"
#define MSG "hello insight\n"

static char err_out[4096];

/* The child: waits for "go", writes MSG to a pipe, reads a file, floods. */
static void child_body(int go, int pipe_w, long flood)
{
	char buf[64], c;
	int fd;
	long i;

	if (read(go, &c, 1) != 1)
		_exit(1);
	if (write(pipe_w, MSG, strlen(MSG)) < 0)
		_exit(1);
	fd = open("/etc/hostname", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			_exit(1);
		close(fd);
	}
	for (i = 0; i < flood; i++)
		syscall(SYS_getppid);
	_exit(7);
}

/*
 * Trace a fresh child with @args (after "trace --pid CHILD"); its stderr
 * goes to err_out.  With @flood, the tracer is stopped while the child
 * makes that many syscalls, so the ring overflows.  Returns insight's
 * exit status.
 */
static int trace_child(char **args, long flood)
{
	int go[2], sink[2], errp[2], status;
	char pidbuf[16], *argv[16] = { (char *)insight_cli(), "trace", "--pid", pidbuf };
	pid_t child, tracer;
	size_t len = 0;
	ssize_t n;
	int i;

	if (pipe(go) || pipe(sink) || pipe(errp))
		return -1;
	child = fork();
	if (!child)
		child_body(go[0], sink[1], flood);
	snprintf(pidbuf, sizeof(pidbuf), "%d", child);
	for (i = 0; args[i] && i < 11; i++)
		argv[4 + i] = args[i];
	tracer = fork();
	if (!tracer) {
		dup2(errp[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(errp[1]);
	/* go once it says it is tracing */
	while (len < sizeof(err_out) - 1 &&
	       (n = read(errp[0], err_out + len, 1)) == 1 && err_out[len++] != '\n')
		;
	if (flood)
		kill(tracer, SIGSTOP);
	if (write(go[1], "g", 1) != 1)
		return -1;
	if (flood) {
		waitpid(child, NULL, 0);
		kill(tracer, SIGCONT);
	}
	while ((n = read(errp[0], err_out + len, sizeof(err_out) - 1 - len)) > 0)
		len += n;
	err_out[len] = '\0';
	waitpid(child, NULL, 0);
	waitpid(tracer, &status, 0);
	close(errp[0]);
	close(go[0]);
	close(go[1]);
	close(sink[0]);
	close(sink[1]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static int sh(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(text_shows_calls_data_files_and_exit)
{
	char *args[] = { "-o", OUT, NULL };
	char *text;

	ASSERT_EQ(0, trace_child(args, 0)) TH_LOG("%s", err_out);
	text = slurp(OUT);
	EXPECT_NE(NULL, strstr(text, "write(5<pipe>, \"hello insight\\n\", 14) = 14")
		  ?: strstr(text, "<pipe>, \"hello insight\\n\", 14) = 14")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "\"/etc/hostname\"")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "<file:hostname>")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "+++ exited with 7 +++")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(err_out, " 0 dropped")) TH_LOG("%s", err_out);
	unlink(OUT);
}

TEST(jsonl_lines_parse_and_carry_the_data)
{
	char *args[] = { "--format", "jsonl", "-o", OUT, NULL };

	ASSERT_EQ(0, trace_child(args, 0)) TH_LOG("%s", err_out);
	/* every line is JSON; the write's data is MSG in base64 */
	EXPECT_EQ(0, sh("jq -e . " OUT " >/dev/null"));
	EXPECT_EQ(0, sh("jq -e -s 'map(select(.syscall == \"write\" and .fd_kind == \"pipe\" "
			"and .data_b64 == \"aGVsbG8gaW5zaWdodAo=\" and .ret == 14)) | length == 1' "
			OUT " >/dev/null"));
	EXPECT_EQ(0, sh("jq -e -s 'map(select(.event == \"exit\" and .status == 1792)) "
			"| length == 1' " OUT " >/dev/null"));
	unlink(OUT);
}

TEST(chrome_trace_has_the_required_fields)
{
	char *args[] = { "--format", "chrome", "-o", OUT, NULL };

	ASSERT_EQ(0, trace_child(args, 0)) TH_LOG("%s", err_out);
	EXPECT_EQ(0, sh("jq -e '.traceEvents | length > 5' " OUT " >/dev/null"));
	EXPECT_EQ(0, sh("jq -e '[.traceEvents[] | select(.ph == \"X\") | "
			"has(\"name\") and has(\"ts\") and has(\"dur\") and has(\"pid\") "
			"and has(\"tid\")] | all' " OUT " >/dev/null"));
	EXPECT_EQ(0, sh("jq -e '[.traceEvents[] | select(.name == \"write\")] | length >= 1' "
			OUT " >/dev/null"));
	unlink(OUT);
}

TEST(a_flood_beyond_the_ring_reports_drops)
{
	char *args[] = { "--ring", "4096", "-o", "/dev/null", NULL };
	unsigned long events, dropped;
	char *p;

	ASSERT_EQ(0, trace_child(args, 200000)) TH_LOG("%s", err_out);
	/* the last count line (progress lines end in \r, the last in \n) */
	for (p = err_out; strstr(p, " events, "); p = strstr(p, " events, ") + 1)
		;
	while (p > err_out && p[-1] != '\r' && p[-1] != '\n')
		p--;
	ASSERT_EQ(2, sscanf(p, "insight: %lu events, %lu dropped", &events, &dropped))
		TH_LOG("%s", err_out);
	EXPECT_LT(0, dropped);
}

static int cli_fail(char **argv)
{
	int status = run_capture(argv, err_out, sizeof(err_out));

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(bad_input_is_one_line_and_exit_2)
{
	char *nopid[] = { (char *)insight_cli(), "trace", "--pid", "999999", NULL };
	char *notcg[] = { (char *)insight_cli(), "trace", "--cgroup", "/tmp", NULL };
	char *badfmt[] = { (char *)insight_cli(), "trace", "--pid", "1", "--format", "xml", NULL };
	char *badout[] = { (char *)insight_cli(), "trace", "--pid", "1", "-o",
			   "/nonexistent/dir/file", NULL };

	EXPECT_EQ(2, cli_fail(nopid));
	EXPECT_STREQ("insight: no process 999999\n", err_out);
	EXPECT_EQ(2, cli_fail(notcg));
	EXPECT_STREQ("insight: /tmp is not a cgroup v2 directory\n", err_out);
	EXPECT_EQ(2, cli_fail(badfmt));
	EXPECT_STREQ("insight: unknown format 'xml' (text, jsonl, chrome)\n", err_out);
	EXPECT_EQ(2, cli_fail(badout));
	EXPECT_STREQ("insight: cannot write /nonexistent/dir/file: No such file or directory\n",
		     err_out);
}

TEST_HARNESS_MAIN
