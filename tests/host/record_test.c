// SPDX-License-Identifier: GPL-2.0
/*
 * insight record on the build host against tests/targets/webish: each
 * trigger fires exactly on the failing request and not before, and the
 * failure record (JSON, checked with jq) holds the request's input and
 * outputs byte for byte and the environment it touched.  Bad input gets
 * one line and exit 2, and leaves no file behind.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "target.h"
#include "util.h"

#define RECORD "/tmp/insight-record-test.json"
#define CONFIG "/tmp/insight-no-such-config"

static char err_out[4096];
static int port;

static int http(const char *path, char *resp, size_t len)
{
	return http_get(port, path, resp, len);
}

struct run {
	struct target web;
	pid_t rec;
	int err_fd;
};

/* webish, and the recorder on it with @trigger (two arguments). */
static int start(struct run *r, const char *opt, const char *val)
{
	char *webv[] = { NULL, NULL, (char *)CONFIG, NULL };
	char bin[256], pidbuf[16];
	int errp[2];
	size_t len = 0;

	char line[64];

	snprintf(bin, sizeof(bin), "%s/webish", getenv("INSIGHT_TARGET_DIR") ?: ".");
	webv[0] = bin;
	webv[1] = "0";		/* a free port, which webish reports */
	unlink(CONFIG);
	unlink(RECORD);
	if (target_startv(&r->web, webv, 0) || target_line(&r->web, line, sizeof(line)) ||
	    sscanf(line, "port %d", &port) != 1 || pipe(errp))
		return -1;
	snprintf(pidbuf, sizeof(pidbuf), "%d", r->web.pid);
	r->rec = fork();
	if (!r->rec) {
		dup2(errp[1], 2);
		execl(insight_cli(), "insight", "record", "--pid", pidbuf, "-o", RECORD,
		      opt, val, NULL);
		_exit(127);
	}
	close(errp[1]);
	r->err_fd = errp[0];
	/* go once it says it is recording */
	while (len < sizeof(err_out) - 1 && read(r->err_fd, err_out + len, 1) == 1)
		if (err_out[len++] == '\n' && strstr(err_out, "recording"))
			break;
	err_out[len] = '\0';
	return strstr(err_out, "recording") ? 0 : -1;
}

/* Wait for the recorder; its exit status. */
static int finish(struct run *r)
{
	size_t len = strlen(err_out);
	int status;
	ssize_t n;

	while ((n = read(r->err_fd, err_out + len, sizeof(err_out) - 1 - len)) > 0)
		len += n;
	err_out[len] = '\0';
	waitpid(r->rec, &status, 0);
	close(r->err_fd);
	target_stop(&r->web);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int cli(char **argv)
{
	int status = run_capture(argv, err_out, sizeof(err_out));

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int jq(const char *filter)
{
	char cmd[1024];
	int status;

	snprintf(cmd, sizeof(cmd), "jq -e '%s' %s >/dev/null", filter, RECORD);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The failing request: input, 500 response, failed open of CONFIG. */
static void check_record(struct __test_metadata *_metadata, const char *kind)
{
	char f[256];

	EXPECT_EQ(0, jq(".format == \"insight-failure-record\" and .version == 1"));
	snprintf(f, sizeof(f), ".trigger.kind == \"%s\"", kind);
	EXPECT_EQ(0, jq(f));
	/* "GET /conf HTTP/1.0\r\n\r\n", byte for byte */
	EXPECT_EQ(0, jq(".request.input_b64 == \"R0VUIC9jb25mIEhUVFAvMS4wDQoNCg==\" and "
			".request.fd_kind == \"socket\" and .request.input_truncated == false"));
	EXPECT_EQ(0, jq(".environment | map(select(.syscall == \"openat\" and "
			".path == \"" CONFIG "\" and .errno == \"ENOENT\")) | length == 1"));
}

/* Existing tools: the record converts to text and to Chrome JSON. */
static void check_conversion(struct __test_metadata *_metadata)
{
	char *text[] = { (char *)insight_cli(), "trace", "--from", RECORD, NULL };
	char *chrome[] = { (char *)insight_cli(), "trace", "--from", RECORD, "--format",
			   "chrome", "-o", RECORD ".chrome", NULL };
	static char out[8192];

	EXPECT_EQ(0, WEXITSTATUS(run_capture(text, out, sizeof(out))));
	EXPECT_NE(NULL, strstr(out, "\"GET /conf HTTP/1.0\\r\\n\\r\\n\", 22) = 22"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "<socket>, \"HTTP/1.0 500 Internal Server Error\\r\\n\\r\\n\", 38) = 38"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "openat(-100, \"" CONFIG "\", 0) = -1 ENOENT"))
		TH_LOG("%s", out);
	EXPECT_EQ(0, WEXITSTATUS(run_capture(chrome, out, sizeof(out))));
	EXPECT_EQ(0, WEXITSTATUS(system("jq -e '(.traceEvents | length >= 4) and "
					"([.traceEvents[] | select(.name == \"write\")] | length == 2)' "
					RECORD ".chrome >/dev/null")));
	unlink(RECORD ".chrome");
}

TEST(response_trigger_fires_on_the_500_only)
{
	struct run r;
	char resp[256];

	ASSERT_EQ(0, start(&r, "--trigger-response", "^HTTP/1\\.[01] 5")) TH_LOG("%s", err_out);
	ASSERT_LT(0, http("/", resp, sizeof(resp)));
	EXPECT_NE(NULL, strstr(resp, "200 OK"));
	usleep(300000);
	EXPECT_NE(0, access(RECORD, F_OK));	/* not yet */
	ASSERT_LT(0, http("/conf", resp, sizeof(resp)));
	EXPECT_NE(NULL, strstr(resp, "500"));
	ASSERT_EQ(0, finish(&r)) TH_LOG("%s", err_out);
	check_record(_metadata, "response");
	/* the response, byte for byte, among the outputs */
	EXPECT_EQ(0, jq(".outputs | map(select(.fd_kind == \"socket\" and .data_b64 == "
			"\"SFRUUC8xLjAgNTAwIEludGVybmFsIFNlcnZlciBFcnJvcg0KDQo=\")) | length == 1"));
	/* and the log line before it */
	EXPECT_EQ(0, jq(".outputs[0].data_b64 | @base64d | startswith(\"error: cannot open\")"));
	check_conversion(_metadata);
	unlink(RECORD);
}

TEST(bad_records_are_refused_with_one_line)
{
	char *argv[] = { (char *)insight_cli(), "trace", "--from", RECORD, NULL };
	FILE *f;

	f = fopen(RECORD, "w");
	ASSERT_NE(NULL, f);
	fputs("{\"format\":\"insight-failure-record\",\"version\":1,\"req", f);
	fclose(f);
	EXPECT_EQ(2, cli(argv));
	EXPECT_STREQ("insight: " RECORD " is not JSON (truncated?)\n", err_out);
	f = fopen(RECORD, "w");
	ASSERT_NE(NULL, f);
	fputs("{\"format\":\"insight-failure-record\",\"version\":2}", f);
	fclose(f);
	EXPECT_EQ(2, cli(argv));
	EXPECT_STREQ("insight: " RECORD " is a version 2 record; this insight reads version 1\n",
		     err_out);
	f = fopen(RECORD, "w");
	ASSERT_NE(NULL, f);
	fputs("{\"traceEvents\":[]}", f);
	fclose(f);
	EXPECT_EQ(2, cli(argv));
	EXPECT_STREQ("insight: " RECORD " is not an insight failure record\n", err_out);
	unlink(RECORD);
	EXPECT_EQ(2, cli(argv));
	EXPECT_STREQ("insight: cannot read " RECORD ": No such file or directory\n", err_out);
}

TEST(errno_trigger_fires_on_the_failed_open)
{
	struct run r;
	char resp[256];

	ASSERT_EQ(0, start(&r, "--trigger-errno", "openat:ENOENT")) TH_LOG("%s", err_out);
	ASSERT_LT(0, http("/", resp, sizeof(resp)));
	ASSERT_LT(0, http("/conf", resp, sizeof(resp)));
	ASSERT_EQ(0, finish(&r)) TH_LOG("%s", err_out);
	check_record(_metadata, "errno");
	unlink(RECORD);
}

TEST(log_trigger_fires_on_the_error_line)
{
	struct run r;
	char resp[256];

	ASSERT_EQ(0, start(&r, "--trigger-log", "cannot open")) TH_LOG("%s", err_out);
	ASSERT_LT(0, http("/", resp, sizeof(resp)));
	ASSERT_LT(0, http("/conf", resp, sizeof(resp)));
	ASSERT_EQ(0, finish(&r)) TH_LOG("%s", err_out);
	check_record(_metadata, "log");
	unlink(RECORD);
}

TEST(exit_trigger_fires_on_the_exit_status)
{
	struct run r;
	char resp[256];

	ASSERT_EQ(0, start(&r, "--trigger-exit", "3")) TH_LOG("%s", err_out);
	ASSERT_LT(0, http("/conf", resp, sizeof(resp)));	/* fails, but no trigger */
	usleep(300000);
	EXPECT_NE(0, access(RECORD, F_OK));
	ASSERT_LT(0, http("/quit", resp, sizeof(resp)));
	ASSERT_EQ(0, finish(&r)) TH_LOG("%s", err_out);
	EXPECT_EQ(0, jq(".trigger.kind == \"exit\""));
	unlink(RECORD);
}

/*
 * Bad input to insight record: each variant is the arguments after
 * "insight record" and what its one line of error must say (all of it,
 * or a part when @part).
 */
FIXTURE(bad_record_input) {
	int status;
};

FIXTURE_VARIANT(bad_record_input) {
	const char *args[8];
	const char *says;
	bool part;
};

FIXTURE_VARIANT_ADD(bad_record_input, invalid_log_regex) {
	.args = { "--pid", "1", "-o", RECORD, "--trigger-log", "(unclosed" },
	.says = "insight: --trigger-log: invalid regex '(unclosed'",
	.part = true,
};

FIXTURE_VARIANT_ADD(bad_record_input, unknown_errno_name) {
	.args = { "--pid", "1", "-o", RECORD, "--trigger-errno", "openat:EWHAT" },
	.says = "--trigger-errno takes SYSCALL:ERRNO",
	.part = true,
};

FIXTURE_VARIANT_ADD(bad_record_input, negative_settle) {
	.args = { "--pid", "1", "-o", RECORD, "--trigger-exit", "1", "--settle", "-1" },
	.says = "insight: --settle takes seconds from 0 to 3600 (not '-1')\n",
};

FIXTURE_VARIANT_ADD(bad_record_input, no_trigger) {
	.args = { "--pid", "1", "-o", RECORD },
	.says = "insight: no trigger: give at least one --trigger-*\n",
};

FIXTURE_VARIANT_ADD(bad_record_input, no_such_pid) {
	.args = { "--pid", "999999", "-o", RECORD, "--trigger-exit", "1" },
	.says = "insight: no process 999999\n",
};

FIXTURE_VARIANT_ADD(bad_record_input, unwritable_output) {
	.args = { "--pid", "1", "-o", "/nonexistent/r.json", "--trigger-exit", "1" },
	.says = "insight: cannot write /nonexistent/r.json: No such file or directory\n",
};

FIXTURE_VARIANT_ADD(bad_record_input, cgroup_not_v2) {
	.args = { "--cgroup", "/proc", "-o", RECORD, "--trigger-exit", "1" },
	.says = "insight: /proc is not a cgroup v2 directory\n",
};

/* Run insight record with the variant's arguments: its exit status. */
FIXTURE_SETUP(bad_record_input)
{
	char *argv[11] = { (char *)insight_cli(), "record" };
	int i;

	for (i = 0; i < 8 && variant->args[i]; i++)
		argv[i + 2] = (char *)variant->args[i];
	unlink(RECORD);
	unlink(RECORD ".tmp");
	self->status = cli(argv);
}

FIXTURE_TEARDOWN(bad_record_input)
{
}

TEST_F(bad_record_input, exits_2)
{
	EXPECT_EQ(2, self->status);
}

TEST_F(bad_record_input, says_what_is_wrong)
{
	if (variant->part) {
		EXPECT_NE(NULL, strstr(err_out, variant->says)) TH_LOG("%s", err_out);
	} else {
		EXPECT_STREQ(variant->says, err_out);
	}
}

TEST_F(bad_record_input, says_it_in_one_line)
{
	EXPECT_EQ(1, !!strchr(err_out, '\n') && !strchr(strchr(err_out, '\n') + 1, '\n'))
		TH_LOG("%s", err_out);
}

TEST_F(bad_record_input, leaves_no_record)
{
	EXPECT_NE(0, access(RECORD, F_OK));
}

TEST_F(bad_record_input, leaves_no_temporary_file)
{
	EXPECT_NE(0, access(RECORD ".tmp", F_OK));
}

TEST_HARNESS_MAIN
