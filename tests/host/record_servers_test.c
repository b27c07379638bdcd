// SPDX-License-Identifier: GPL-2.0
/*
 * insight record on real Debian servers as they ship, of two styles:
 * - nginx, an event loop (a master and its worker, given the master's
 *   pid): the worker, which exists before the recorder starts, is
 *   recorded; a 503 that nginx sends with writev fires --trigger-response
 *   and is in the record byte for byte; with --trigger-log, the record
 *   also holds the response nginx writes after its error line (the
 *   request is recorded to its end, not to the log line); a 502 from an
 *   upstream that refuses the connection nginx makes asynchronously has
 *   the refusal in the record (getsockopt's SO_ERROR, after the connect's
 *   EINPROGRESS);
 * - busybox httpd, a child forked per connection: the record is the
 *   child's, and names its executable although the child is gone when
 *   the record is written;
 * - redis-server, with its background threads, started through Debian's
 *   symlink to redis-check-rdb: the record names it redis-server;
 * - lighttpd, one process: its 404 comes from a stat() that fails, whose
 *   path the record keeps.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "target.h"
#include "util.h"

#define DIR_	"/tmp/insight-record-nginx"
#define RECORD	DIR_ "/record.json"

static char err_out[8192];

/* A port that was free a moment ago. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (s >= 0 && !bind(s, (void *)&a, sizeof(a)) && !getsockname(s, (void *)&a, &len))
		port = ntohs(a.sin_port);
	close(s);
	return port;
}

/* In a server's child before its exec: quiet, and killed if the test dies. */
static void server_child(void)
{
	int null = open("/dev/null", O_WRONLY);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (null >= 0)
		dup2(null, 1);
}

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int jq(const char *filter)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "jq -e '%s' " RECORD " >/dev/null", filter);
	return sh(cmd);
}

/* Connect to 127.0.0.1:@port, send @req, read the reply into @resp: its length, or -1. */
static ssize_t tcp_ask(int port, const char *req, char *resp, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n = -1;

	if (s >= 0 && !connect(s, (void *)&a, sizeof(a)) &&
	    write(s, req, strlen(req)) == (ssize_t)strlen(req))
		n = read(s, resp, len - 1);
	if (n >= 0)
		resp[n] = '\0';
	close(s);
	return n;
}

/*
 * Start the server @argv (quiet, killed if the test dies) and wait until
 * it answers on @port: an HTTP GET /, or @probe over TCP: its pid, or -1.
 */
static pid_t serve(char *const argv[], int port, const char *probe)
{
	char resp[512];
	pid_t pid = fork();
	int i;

	if (!pid) {
		server_child();
		execvp(argv[0], argv);
		_exit(127);
	}
	for (i = 0; pid > 0 && i < 100; i++) {
		if (probe ? tcp_ask(port, probe, resp, sizeof(resp)) > 0 :
			    http_get(port, "/", resp, sizeof(resp)) >= 0)
			return pid;
		usleep(50 * 1000);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

FIXTURE(nginx) {
	pid_t master, rec;
	int port, err_fd, held_port;
};

FIXTURE_SETUP(nginx)
{
	char conf[1536];
	FILE *f;

	self->held_port = free_port();
	ASSERT_EQ(0, sh("rm -rf " DIR_ " && mkdir -p " DIR_ "/html " DIR_ "/logs && "
			"echo hello >" DIR_ "/html/index.html"));
	self->port = free_port();
	ASSERT_LT(0, self->port);
	snprintf(conf, sizeof(conf),
		 "worker_processes 1;\nerror_log " DIR_ "/logs/error.log;\npid " DIR_ "/nginx.pid;\n"
		 "events { worker_connections 64; }\nhttp {\n"
		 "  access_log " DIR_ "/logs/access.log;\n"
		 "  client_body_temp_path " DIR_ "/body; proxy_temp_path " DIR_ "/proxy;\n"
		 "  fastcgi_temp_path " DIR_ "/fcgi; uwsgi_temp_path " DIR_ "/uwsgi;\n"
		 "  scgi_temp_path " DIR_ "/scgi;\n"
		 "  server { listen 127.0.0.1:%d; root " DIR_ "/html;\n"
		 "    location /busy { return 503; }\n"
		 "    location /up { proxy_pass http://127.0.0.1:%d; }\n"
		 "    location /held { proxy_pass http://127.0.0.1:%d; } }\n}\n", self->port,
		 free_port(), self->held_port);
	f = fopen(DIR_ "/nginx.conf", "w");
	ASSERT_NE(NULL, f);
	fputs(conf, f);
	fclose(f);
	self->master = serve((char *[]){ "nginx", "-p", DIR_, "-c", DIR_ "/nginx.conf",
					 "-g", "daemon off;", NULL }, self->port, NULL);
	ASSERT_LT(0, self->master) TH_LOG("nginx did not answer on port %d", self->port);
	self->rec = 0;
}

FIXTURE_TEARDOWN(nginx)
{
	if (self->rec > 0) {
		kill(self->rec, SIGKILL);
		waitpid(self->rec, NULL, 0);
	}
	kill(self->master, SIGTERM);
	waitpid(self->master, NULL, 0);
	sh("rm -rf " DIR_);
}

/* insight record --pid @server -o RECORD @opts..., once it says it records: its pid. */
static pid_t record_start(pid_t server, char *const opts[], int *err_fd)
{
	char pid[16], *argv[16] = { "insight", "record", "--pid", pid, "-o", RECORD };
	size_t len = 0;
	int errp[2], i;
	pid_t rec;

	for (i = 0; opts[i] && i < 9; i++)
		argv[6 + i] = opts[i];
	snprintf(pid, sizeof(pid), "%d", server);
	if (pipe(errp))
		return -1;
	rec = fork();
	if (!rec) {
		dup2(errp[1], 2);
		execv(insight_cli(), argv);
		_exit(127);
	}
	close(errp[1]);
	*err_fd = errp[0];
	while (len < sizeof(err_out) - 1 && read(*err_fd, err_out + len, 1) == 1)
		if (err_out[len++] == '\n' && strstr(err_out, "recording"))
			break;
	err_out[len] = '\0';
	return strstr(err_out, "recording") ? rec : -1;
}

/* The recorder's exit status, its stderr in err_out. */
static int record_wait(pid_t rec, int err_fd)
{
	size_t len = strlen(err_out);
	ssize_t n;
	int st;

	while ((n = read(err_fd, err_out + len, sizeof(err_out) - 1 - len)) > 0)
		len += n;
	err_out[len] = '\0';
	close(err_fd);
	waitpid(rec, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int record(FIXTURE_DATA(nginx) *self, char *const opts[])
{
	self->rec = record_start(self->master, opts, &self->err_fd);
	return self->rec > 0 ? 0 : -1;
}

static int record_end(FIXTURE_DATA(nginx) *self)
{
	int st = record_wait(self->rec, self->err_fd);

	self->rec = 0;
	return st;
}

TEST_F(nginx, a_503_sent_with_writev_fires_the_response_trigger_in_the_worker)
{
	char resp[1024], f[256];

	ASSERT_EQ(0, record(self, (char *[]){ "--trigger-response", "^HTTP/1\\.[01] 5", NULL }))
		TH_LOG("%s", err_out);
	ASSERT_LT(0, http_get(self->port, "/", resp, sizeof(resp)));	/* a 200 first */
	ASSERT_LT(0, http_get(self->port, "/busy", resp, sizeof(resp)));
	ASSERT_EQ(0, strncmp(resp, "HTTP/1.1 503", 12)) TH_LOG("%s", resp);
	EXPECT_EQ(0, record_end(self)) TH_LOG("%s", err_out);
	EXPECT_EQ(0, jq(".trigger.kind == \"response\""));
	/* the worker's request, not the master's, and the /busy one */
	snprintf(f, sizeof(f), ".request.pid != %d and .request.exe == \"nginx\"", self->master);
	EXPECT_EQ(0, jq(f));
	EXPECT_EQ(0, jq(".request.input_b64 | @base64d | startswith(\"GET /busy HTTP/1.0\")"));
	/* the writev, both pieces: header and page */
	EXPECT_EQ(0, jq("[.outputs[] | select(.syscall == \"writev\" and .fd_kind == \"socket\") |"
			" .data_b64 | @base64d] | length == 1 and (.[0] | startswith(\"HTTP/1.1 503\")"
			" and contains(\"<title>503 Service\"))"));
}

TEST_F(nginx, a_log_trigger_records_the_response_written_after_the_error_line)
{
	char resp[1024];

	ASSERT_EQ(0, record(self, (char *[]){ "--trigger-log", "No such file or directory", NULL }))
		TH_LOG("%s", err_out);
	ASSERT_LT(0, http_get(self->port, "/missing.html", resp, sizeof(resp)));
	ASSERT_EQ(0, strncmp(resp, "HTTP/1.1 404", 12)) TH_LOG("%s", resp);
	EXPECT_EQ(0, record_end(self)) TH_LOG("%s", err_out);
	EXPECT_EQ(0, jq(".trigger.kind == \"log\""));
	/* the error line, then the 404 nginx wrote after it */
	EXPECT_EQ(0, jq("[.outputs[] | select(.fd_kind == \"file\") | .data_b64 | @base64d |"
			" select(contains(\"missing.html\\\" failed (2: No such file\"))] | length == 1"));
	EXPECT_EQ(0, jq("[.outputs[] | select(.syscall == \"writev\") | .data_b64 | @base64d |"
			" select(startswith(\"HTTP/1.1 404\"))] | length == 1"));
	EXPECT_EQ(0, jq(".environment | map(select(.errno == \"ENOENT\" and"
			" (.path | endswith(\"/html/missing.html\")))) | length >= 1"));
}

TEST_F(nginx, an_upstreams_refusal_seen_by_getsockopt_is_in_the_environment)
{
	char *text[] = { (char *)insight_cli(), "trace", "--from", RECORD, NULL };
	static char out[16384];
	char resp[1024];

	ASSERT_EQ(0, record(self, (char *[]){ "--trigger-response", "^HTTP/1\\.[01] 502", NULL }))
		TH_LOG("%s", err_out);
	ASSERT_LT(0, http_get(self->port, "/up", resp, sizeof(resp)));
	ASSERT_EQ(0, strncmp(resp, "HTTP/1.1 502", 12)) TH_LOG("%s", resp);
	EXPECT_EQ(0, record_end(self)) TH_LOG("%s", err_out);
	/* the connect said only EINPROGRESS; SO_ERROR says it was refused */
	EXPECT_EQ(0, jq("[.environment[] | select(.syscall == \"connect\" and"
			" .errno == \"EINPROGRESS\")] | length == 1"));
	EXPECT_EQ(0, jq("[.environment[] | select(.syscall == \"getsockopt\" and"
			" .so_error == \"ECONNREFUSED\" and (.peer | startswith(\"127.0.0.1:\")))]"
			" | length == 1"));
	EXPECT_EQ(0, WEXITSTATUS(run_capture(text, out, sizeof(out))));
	EXPECT_NE(NULL, strstr(out, ", SOL_SOCKET, SO_ERROR, [ECONNREFUSED]) = 0")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "writev(")) TH_LOG("%s", out);
}

/*
 * An event loop answers one connection after reading another's request:
 * nginx reads GET /held and waits for its upstream, reads and answers a
 * GET / meanwhile (on a connection kept open), then answers /held with
 * a 502.  The record is /held's,
 * and the 200 is not among its outputs.
 */
TEST_F(nginx, an_answer_after_another_connections_request_is_its_own_connections)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(self->held_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lis = socket(AF_INET, SOCK_STREAM, 0), held, up, other, n, got = 0;
	char resp[1024] = "", req[] = "GET /held HTTP/1.0\r\n\r\n";
	const char *keep = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";

	ASSERT_EQ(0, bind(lis, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lis, 1));
	ASSERT_EQ(0, record(self, (char *[]){ "--trigger-response", "^HTTP/1\\.[01] 502", NULL }))
		TH_LOG("%s", err_out);
	a.sin_port = htons(self->port);
	held = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(held, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ((ssize_t)strlen(req), write(held, req, strlen(req)));
	up = accept(lis, NULL, NULL);	/* nginx, asking its upstream */
	ASSERT_LE(0, up);
	ASSERT_LT(0, read(up, resp, sizeof(resp)));
	/* another client's request, on a connection that stays open */
	other = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(other, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ((ssize_t)strlen(keep), write(other, keep, strlen(keep)));
	while (!strstr(resp, "hello\n") && (n = read(other, resp + got, sizeof(resp) - 1 - got)) > 0) {
		got += n;
		resp[got] = '\0';
	}
	ASSERT_EQ(0, strncmp(resp, "HTTP/1.1 200", 12)) TH_LOG("%s", resp);
	got = 0;
	close(up);			/* no answer: nginx says 502 */
	while ((n = read(held, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += n;
	resp[got] = '\0';
	close(held);
	close(other);
	close(lis);
	ASSERT_EQ(0, strncmp(resp, "HTTP/1.1 502", 12)) TH_LOG("%s", resp);
	EXPECT_EQ(0, record_end(self)) TH_LOG("%s", err_out);
	EXPECT_EQ(0, jq(".request.input_b64 | @base64d | startswith(\"GET /held HTTP/1.0\")"));
	EXPECT_EQ(0, jq("[.outputs[] | select(.fd_kind == \"socket\") | .data_b64 | @base64d |"
			" select(startswith(\"HTTP/1.1 \"))] | length == 1 and"
			" (.[0] | startswith(\"HTTP/1.1 502\"))"));
}

/* the same with --settle 0: as before the settle, the 404 is not there */
TEST_F(nginx, settle_0_writes_the_record_at_the_error_line)
{
	char resp[1024];

	ASSERT_EQ(0, record(self, (char *[]){ "--trigger-log", "No such file or directory",
				"--settle", "0", NULL })) TH_LOG("%s", err_out);
	ASSERT_LT(0, http_get(self->port, "/missing.html", resp, sizeof(resp)));
	EXPECT_EQ(0, record_end(self)) TH_LOG("%s", err_out);
	EXPECT_EQ(0, jq(".trigger.kind == \"log\""));
	EXPECT_EQ(0, jq("[.outputs[] | select(.syscall == \"writev\")] | length == 0"));
}

/*
 * Record server @srv (on @port) failing GET @url with a 404 (its reply
 * begins with @status), then stop it.
 */
static void record_404(struct __test_metadata *_metadata, pid_t srv, int port,
		       const char *url, const char *status)
{
	char resp[1024];
	int err_fd;
	pid_t rec;

	rec = record_start(srv, (char *[]){ "--trigger-response", "^HTTP/1\\.[01] 404", NULL },
			   &err_fd);
	ASSERT_LT(0, rec) TH_LOG("%s", err_out);
	ASSERT_LT(0, http_get(port, url, resp, sizeof(resp)));
	EXPECT_EQ(0, strncmp(resp, status, strlen(status))) TH_LOG("%s", resp);
	EXPECT_EQ(0, record_wait(rec, err_fd)) TH_LOG("%s", err_out);
	kill(srv, SIGTERM);
	waitpid(srv, NULL, 0);
}

/* busybox httpd as busybox-static ships it: a child per connection */
TEST(a_forked_childs_request_is_recorded_with_its_executable)
{
	char port[32], f[128];
	int p = free_port();
	pid_t srv;

	ASSERT_EQ(0, sh("rm -rf " DIR_ " && mkdir -p " DIR_ "/www && echo hi >" DIR_ "/www/index.html"));
	snprintf(port, sizeof(port), "127.0.0.1:%d", p);
	srv = serve((char *[]){ "busybox", "httpd", "-f", "-p", port, "-h", DIR_ "/www", NULL }, p,
		    NULL);
	ASSERT_LT(0, srv);
	record_404(_metadata, srv, p, "/missing", "HTTP/1.1 404");
	/* the child's request, named although the child has exited */
	snprintf(f, sizeof(f), ".request.pid != %d and .request.exe == \"busybox\"", srv);
	EXPECT_EQ(0, jq(f)) TH_LOG("%d", sh("jq -c .request " RECORD " >&2"));
	EXPECT_EQ(0, jq(".request.input_b64 | @base64d | startswith(\"GET /missing HTTP/1.0\")"));
	EXPECT_EQ(0, jq("[.outputs[] | .data_b64 | @base64d | select(startswith(\"HTTP/1.1 404\"))]"
			" | length == 1"));
	sh("rm -rf " DIR_);
}

TEST(redis_started_by_its_symlink_is_recorded_by_that_name)
{
	char port[16], resp[256], f[128];
	int err_fd, p = free_port();
	pid_t srv, rec;

	ASSERT_EQ(0, sh("rm -rf " DIR_ " && mkdir -p " DIR_));
	snprintf(port, sizeof(port), "%d", p);
	srv = serve((char *[]){ "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
				"--appendonly", "no", "--dir", DIR_, NULL }, p, "PING\r\n");
	ASSERT_LT(0, srv);
	rec = record_start(srv, (char *[]){ "--trigger-response", "^-ERR", NULL }, &err_fd);
	ASSERT_LT(0, rec) TH_LOG("%s", err_out);
	ASSERT_LT(0, tcp_ask(p, "NOSUCHCOMMAND\r\n", resp, sizeof(resp)));
	EXPECT_EQ(0, strncmp(resp, "-ERR unknown command", 20)) TH_LOG("%s", resp);
	EXPECT_EQ(0, record_wait(rec, err_fd)) TH_LOG("%s", err_out);
	kill(srv, SIGTERM);
	waitpid(srv, NULL, 0);
	snprintf(f, sizeof(f), ".request.pid == %d and .request.exe == \"redis-server\"", srv);
	EXPECT_EQ(0, jq(f)) TH_LOG("%d", sh("jq -c .request " RECORD " >&2"));
	EXPECT_EQ(0, jq(".request.input_b64 | @base64d | startswith(\"NOSUCHCOMMAND\")"));
	EXPECT_EQ(0, jq("[.outputs[] | .data_b64 | @base64d | select(startswith(\"-ERR unknown\"))]"
			" | length == 1"));
	sh("rm -rf " DIR_);
}

/* lighttpd: a missing file is a failed stat(), recorded with its path */
TEST(a_failed_lookups_path_is_in_the_environment)
{
	char conf[512];
	int p = free_port();
	pid_t srv;
	FILE *f;

	ASSERT_EQ(0, sh("rm -rf " DIR_ " && mkdir -p " DIR_ "/www && echo hi >" DIR_
			"/www/index.html"));
	snprintf(conf, sizeof(conf),
		 "server.document-root = \"" DIR_ "/www\"\nserver.port = %d\n"
		 "server.bind = \"127.0.0.1\"\nserver.upload-dirs = ( \"" DIR_ "\" )\n"
		 "server.errorlog = \"" DIR_ "/error.log\"\n", p);
	f = fopen(DIR_ "/lighttpd.conf", "w");
	ASSERT_NE(NULL, f);
	fputs(conf, f);
	fclose(f);
	srv = serve((char *[]){ "lighttpd", "-D", "-f", DIR_ "/lighttpd.conf", NULL }, p, NULL);
	ASSERT_LT(0, srv);
	record_404(_metadata, srv, p, "/missing.html", "HTTP/1.0 404");
	EXPECT_EQ(0, jq(".environment | map(select((.syscall | test(\"stat\")) and .path == \""
			DIR_ "/www/missing.html\" and .errno == \"ENOENT\")) | length >= 1"))
		TH_LOG("%d", sh("jq -c .environment " RECORD " >&2"));
	sh("rm -rf " DIR_);
}

TEST_HARNESS_MAIN
