// SPDX-License-Identifier: GPL-2.0
/*
 * insight faults on the build host: the fault list of a component from a
 * dry run's trace (jsonl, as insight trace writes it) and a binary's
 * imports, each call with its manual page's errors; and insight inject's
 * usage errors (one line, exit 2; the module is not needed for those).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[16384], out_buf[65536];

static int run(char *const *args)
{
	char *argv[24] = { (char *)insight_cli() };
	int i, st;

	for (i = 0; args[i] && i < 22; i++)
		argv[i + 1] = args[i];
	st = run_capture(argv, out, sizeof(out));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define TRACE "/tmp/insight-faults-test.jsonl"

static void write_trace(void)
{
	FILE *f = fopen(TRACE, "w");

	fputs("{\"seq\":1,\"pid\":7,\"syscall\":\"openat\",\"nr\":257,\"ret\":-2}\n"
	      "{\"seq\":2,\"pid\":7,\"syscall\":\"connect\",\"nr\":42,\"ret\":0}\n"
	      "{\"seq\":3,\"pid\":7,\"syscall\":\"openat\",\"nr\":257,\"ret\":3}\n"
	      "{\"event\":\"exit\",\"pid\":7}\n"
	      "not json\n", f);
	fclose(f);
}

TEST(the_traced_syscalls_come_with_their_manual_errors)
{
	char *args[] = { "faults", "--trace", TRACE, NULL };

	write_trace();
	ASSERT_EQ(0, run(args)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "syscall openat (2 calls): ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "syscall connect (1 calls): ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(strstr(out, "syscall connect"), " ECONNREFUSED"));
	EXPECT_NE(NULL, strstr(out, "environment disk-full: "));
	unlink(TRACE);
}

TEST(a_binarys_imports_come_with_theirs_in_json)
{
	char *args[] = { "faults", "--binary", "/bin/sh", "--json", NULL };

	ASSERT_EQ(0, run(args)) TH_LOG("%s", out);
	/* dash imports malloc (3) and dup2 (a libc wrapper: section 2) */
	EXPECT_NE(NULL, strstr(out, "{\"name\":\"malloc\",\"binary\":\"\\/bin\\/sh\","
			       "\"manual\":true,\"errnos\":[\"ENOMEM\"]}")) TH_LOG("%.600s", out);
	EXPECT_NE(NULL, strstr(out, "{\"name\":\"dup2\",\"binary\":\"\\/bin\\/sh\","
			       "\"manual\":true,\"errnos\":[\"EBADF\",\"EBUSY\""));
	EXPECT_NE(NULL, strstr(out, "\"environment\":[{\"fault\":\"partition\""));
}

/*
 * A dry run watched live: a shell that waits for a line, then opens a
 * file that is not there; insight faults --pid on it, until it is gone.
 */
TEST(a_dry_run_watched_with_the_stream_lists_what_the_component_made)
{
	char pidarg[16], line[256];
	int in[2], err[2], out[2], st;
	pid_t sh, fl;
	FILE *f;
	ssize_t n;

	if (geteuid())
		SKIP(return, "the eBPF stream needs root");
	ASSERT_EQ(0, pipe(in));
	sh = fork();
	ASSERT_LE(0, sh);
	if (!sh) {
		dup2(in[0], 0);
		close(in[1]);
		execl("/bin/sh", "sh", "-c", "read x; exec 3</nonexistent/insight-faults", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	snprintf(pidarg, sizeof(pidarg), "%d", sh);
	ASSERT_EQ(0, pipe(err));
	ASSERT_EQ(0, pipe(out));
	fl = fork();
	ASSERT_LE(0, fl);
	if (!fl) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execl(insight_cli(), "insight", "faults", "--pid", pidarg, "--duration", "20",
		      "--json", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	f = fdopen(err[0], "r");
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_NE(NULL, strstr(line, "watching pid")) TH_LOG("%s", line);
	ASSERT_EQ(3, write(in[1], "go\n", 3));
	ASSERT_EQ(sh, waitpid(sh, &st, 0));	/* gone: the watch ends */
	ASSERT_EQ(fl, waitpid(fl, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	n = read(out[0], out_buf, sizeof(out_buf) - 1);
	out_buf[n > 0 ? n : 0] = '\0';
	EXPECT_NE(NULL, strstr(out_buf, "{\"name\":\"read\",\"calls\":")) TH_LOG("%.800s", out_buf);
	EXPECT_NE(NULL, strstr(out_buf, "{\"name\":\"openat\",\"calls\":"));
	EXPECT_NE(NULL, strstr(strstr(out_buf, "\"openat\"") ?: "", "\"ENOENT\""));
	fclose(f);
	close(out[0]);
	close(in[1]);
}

TEST(faults_usage_errors_exit_2)
{
	char *none[] = { "faults", NULL };
	char *missing[] = { "faults", "--trace", "/nonexistent/trace.jsonl", NULL };
	char *not_elf[] = { "faults", "--binary", "/etc/hostname", NULL };

	EXPECT_EQ(2, run(none));
	EXPECT_EQ(2, run(missing));
	EXPECT_NE(NULL, strstr(out, "No such file"));
	EXPECT_EQ(2, run(not_elf));
	EXPECT_NE(NULL, strstr(out, "not an ELF file")) TH_LOG("%s", out);
}

TEST(inject_usage_errors_exit_2_with_one_line)
{
	char *no_comp[] = { "inject", "--syscall", "openat", "--errno", "ENOENT", NULL };
	char *bad_sc[] = { "inject", "--pid", "1", "--syscall", "nosuch", "--errno", "EIO", NULL };
	char *no_act[] = { "inject", "--pid", "1", "--syscall", "openat", NULL };
	char *bad_err[] = { "inject", "--pid", "1", "--syscall", "openat", "--errno", "EWHAT", NULL };
	char *bad_fn[] = { "inject", "--pid", "1", "--lib", "/proc/self/exe", "--function",
			   "no_such_function", "--return", "0", NULL };
	char *both[] = { "inject", "--pid", "1", "--syscall", "openat", "--errno", "EIO",
			 "--lib", "/bin/sh", "--offset", "0", "--return", "0", NULL };

	EXPECT_EQ(2, run(no_comp));
	EXPECT_STREQ("insight: name the component: --pid or --cgroup\n", out);
	EXPECT_EQ(2, run(bad_sc));
	EXPECT_STREQ("insight: unknown syscall 'nosuch'\n", out);
	EXPECT_EQ(2, run(no_act));
	EXPECT_STREQ("insight: a syscall takes --errno, --delay or --kill\n", out);
	EXPECT_EQ(2, run(bad_err));
	EXPECT_NE(NULL, strstr(out, "unknown errno 'EWHAT'"));
	EXPECT_EQ(2, run(bad_fn));
	EXPECT_NE(NULL, strstr(out, "no function no_such_function"));
	EXPECT_EQ(2, run(both));
	EXPECT_STREQ("insight: inject into a --syscall or a --lib function, one of them\n", out);
}

TEST_HARNESS_MAIN
