// SPDX-License-Identifier: GPL-2.0
/*
 * insight shadow against a real production VM: the Insight guest under
 * qemu TCG (tools/vm/run --qmp --disk), printing a numbered beat every
 * 0.2 s on its serial port and writing it to its qcow2 disk.  The clone
 * must continue from production's state (not boot anew), production must
 * keep running, destroy must leave nothing, and a SIGKILL of insight
 * shadow at each step of the clone must leave production running with
 * its disk chain as it was; what the shadow sends a peer on its network
 * reaches it only if the peer's policy is forward.  Bad input against
 * fake QMP servers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <json-c/json.h>

#include "kselftest_harness.h"
#include "util.h"
#include "shadow/qmp.h"

static char out[16384];

static int shadow_cli(char *a0, char *a1, char *a2, char *a3, char *a4, char *a5)
{
	char *argv[] = { (char *)insight_cli(), "shadow", a0, a1, a2, a3, a4, a5, NULL };

	return run_capture(argv, out, sizeof(out));
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- fake QMP servers, for bad input ------------------------------------ */
struct fake {
	char path[108];
	int lfd;
	int qmp;	/* 0: says something else; 1: QMP, a raw disk; 2: QMP, 1 PiB of RAM */
	int migrated;	/* it was asked to migrate */
	pthread_t t;
};

static void answer(int fd, const char *line, struct fake *f)
{
	struct json_object *m = json_tokener_parse(line), *ex, *id;
	const char *cmd = m && json_object_object_get_ex(m, "execute", &ex) ?
			  json_object_get_string(ex) : "";
	const char *ret = "{}";
	char reply[1024];

	if (!strcmp(cmd, "query-status"))
		ret = "{\"status\":\"running\",\"running\":true}";
	else if (!strcmp(cmd, "query-memory-size-summary"))
		ret = f->qmp == 2 ? "{\"base-memory\":1125899906842624}" : "{\"base-memory\":1048576}";
	else if (!strcmp(cmd, "query-block"))
		ret = "[{\"device\":\"virtio0\",\"inserted\":{\"drv\":\"raw\",\"file\":\"/srv/disk.img\","
		      "\"ro\":false}}]";
	else if (!strncmp(cmd, "migrate", 7))
		f->migrated = 1;
	snprintf(reply, sizeof(reply), "{\"return\":%s,\"id\":%lld}\n", ret,
		 m && json_object_object_get_ex(m, "id", &id) ? (long long)json_object_get_int64(id) : 0);
	if (write(fd, reply, strlen(reply)) < 0)
		perror("fake qmp");
	json_object_put(m);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	char buf[4096];
	ssize_t n;
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (!f->qmp) {
		if (write(fd, "220 smtp ready\r\n", 16) < 0)
			perror("fake");
	} else {
		const char *g = "{\"QMP\":{\"version\":{},\"capabilities\":[]}}\n";

		if (write(fd, g, strlen(g)) < 0)
			perror("fake");
	}
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		char *line, *save;

		buf[n] = '\0';
		for (line = strtok_r(buf, "\n", &save); line && f->qmp; line = strtok_r(NULL, "\n", &save))
			answer(fd, line, f);
	}
	close(fd);
	return NULL;
}

static int fake_start(struct fake *f, int qmp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->qmp = qmp;
	snprintf(f->path, sizeof(f->path), "/tmp/insight-fakeqmp.%d", getpid());
	strcpy(sa.sun_path, f->path);
	unlink(f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(f->lfd, 1))
		return -1;
	return pthread_create(&f->t, NULL, fake_main, f);
}

static void fake_stop(struct fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	close(f->lfd);
	pthread_cancel(f->t);
	pthread_join(f->t, NULL);
	unlink(f->path);
}

/* One line of output, ending in a newline. */
static int one_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl && !nl[1];
}

/*
 * insight shadow against a fake server, with option @opt @arg (or none):
 * its exit code; *@migrated if asked to.
 */
static int against_fake(int qmp, char *opt, char *arg, int *migrated)
{
	struct fake f;
	int rc;

	if (fake_start(&f, qmp))
		return -1;
	rc = exit_code(shadow_cli("--qmp", f.path, "--dir", "/tmp/insight-shadow-none", opt, arg));
	*migrated = f.migrated;
	fake_stop(&f);
	return rc;
}

TEST(no_socket_is_bad_input)
{
	EXPECT_EQ(2, exit_code(shadow_cli("--qmp", "/nonexistent/qmp.sock", "--dir", "/tmp/insight-x",
					  NULL, NULL))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "cannot connect to QMP socket")) TH_LOG("%s", out);
	EXPECT_TRUE(one_line(out)) TH_LOG("%s", out);
}

/* Each refused before the VM is touched: one line, exit 2, no directory. */
TEST(not_qemu_raw_disk_little_memory_and_no_agent_are_refused_before_anything)
{
	static const struct {
		int qmp;
		char *opt, *arg;
		const char *says;
	} cases[] = {
		{ 0, NULL, NULL, "not a QMP server" },
		{ 1, NULL, NULL, "disk virtio0 (/srv/disk.img) is raw, not qcow2" },
		{ 2, NULL, NULL, "not enough host memory for a shadow" },
		/* the fake's qemu command line is this test's: no guest agent */
		{ 1, "--exec", "true", "--exec needs qemu-guest-agent in the VM" },
		{ 1, "--explore", "/tmp/f.json", "--explore needs qemu-guest-agent in the VM" },
	};
	unsigned int i;
	int migrated;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(2, against_fake(cases[i].qmp, cases[i].opt, cases[i].arg, &migrated))
			TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, cases[i].says)) TH_LOG("%s", out);
		EXPECT_TRUE(one_line(out)) TH_LOG("%s", out);
		EXPECT_EQ(0, migrated);
		EXPECT_NE(0, access("/tmp/insight-shadow-none", F_OK));
	}
}

TEST(bad_peer_policies_are_bad_input)
{
	static const char *const bad[] = { "10.0.2.2=drop", "10.0.2.2:80=block", "name:80=drop",
					   "10.0.2.2:99999=forward", NULL };
	int i;

	for (i = 0; bad[i]; i++) {
		EXPECT_EQ(2, exit_code(shadow_cli("--qmp", "/x", "--dir", "/y", "--peer",
						  (char *)bad[i]))) TH_LOG("%s: %s", bad[i], out);
		EXPECT_NE(NULL, strstr(out, "--peer")) TH_LOG("%s", out);
		EXPECT_TRUE(one_line(out)) TH_LOG("%s", out);
	}
	EXPECT_EQ(2, exit_code(shadow_cli("--destroy", "--dir", "/y", "--net-log", "/tmp/n", NULL)));
	EXPECT_NE(NULL, strstr(out, "usage: insight shadow")) TH_LOG("%s", out);
	EXPECT_NE(0, access("/y", F_OK));
	EXPECT_NE(0, access("/tmp/n", F_OK));
}

TEST(bad_pause_bound_is_bad_input)
{
	EXPECT_EQ(2, exit_code(shadow_cli("--qmp", "/x", "--dir", "/y", "--max-pause", "0")));
	EXPECT_NE(NULL, strstr(out, "--max-pause takes milliseconds")) TH_LOG("%s", out);
}

/* The options of --explore without it, or with --destroy: the usage, exit 2. */
TEST(explore_options_without_explore_are_bad_input)
{
	EXPECT_EQ(2, exit_code(shadow_cli("--qmp", "/x", "--dir", "/y", "--watch", NULL)));
	EXPECT_NE(NULL, strstr(out, "usage: insight shadow")) TH_LOG("%s", out);
	EXPECT_TRUE(one_line(out)) TH_LOG("%s", out);
	EXPECT_EQ(2, exit_code(shadow_cli("--qmp", "/x", "--dir", "/y", "--keep", NULL)));
	EXPECT_EQ(2, exit_code(shadow_cli("--destroy", "--dir", "/y", "--explore", "/f.json", NULL)));
	EXPECT_EQ(2, exit_code(shadow_cli("--dir", "/y", "--explore", "/f.json", "--timeout", "0")));
	EXPECT_NE(NULL, strstr(out, "--timeout takes seconds")) TH_LOG("%s", out);
	EXPECT_NE(0, access("/y", F_OK));
}

/* ---- a real production VM ---------------------------------------------- */
static const char beat_loop[] =
	"i=0; while :; do i=$((i+1)); echo \"beat $i\"; "
	"echo \"disk $i\" | dd of=/dev/vda bs=512 seek=1 conv=fsync 2>/dev/null; sleep 0.2; done";

FIXTURE(prod) {
	char dir[64], qmp[128], disk[128], log[128], shadow[128], agent[128];
	pid_t run;
};

/* The last beat production (or the shadow) printed in @path, or 0. */
static int last_beat(const char *path, int *first)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int n, last = 0;

	if (first)
		*first = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "beat %d", &n) == 1) {
			if (first && !*first)
				*first = n;
			last = n;
		}
	if (f)
		fclose(f);
	return last;
}

/* Production's run state and its disk's active file, by QMP. */
static int prod_state(const char *sock, char *status, size_t slen, char *file, size_t flen)
{
	struct json_object *st, *blk, *v, *ins;
	char why[256];
	struct qmp q;

	if (qmp_open(&q, sock, why, sizeof(why)))
		return -1;
	st = qmp_exec(&q, "query-status", NULL, why, sizeof(why));
	blk = qmp_exec(&q, "query-block", NULL, why, sizeof(why));
	qmp_close(&q);
	snprintf(status, slen, "%s", st && json_object_object_get_ex(st, "status", &v) ?
		 json_object_get_string(v) : "?");
	snprintf(file, flen, "%s", blk && json_object_array_length(blk) &&
		 json_object_object_get_ex(json_object_array_get_idx(blk, 0), "inserted", &ins) &&
		 json_object_object_get_ex(ins, "file", &v) ? json_object_get_string(v) : "?");
	json_object_put(st);
	json_object_put(blk);
	return 0;
}

FIXTURE_SETUP(prod)
{
	char *img[] = { "/usr/bin/qemu-img", "create", "-q", "-f", "qcow2", self->disk, "64M", NULL };
	int i, fd;

	strcpy(self->dir, "/tmp/insight-shadow-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->qmp, sizeof(self->qmp), "%s/qmp.sock", self->dir);
	snprintf(self->disk, sizeof(self->disk), "%s/data.qcow2", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/prod.out", self->dir);
	snprintf(self->shadow, sizeof(self->shadow), "%s/shadow", self->dir);
	snprintf(self->agent, sizeof(self->agent), "%s/qga.sock", self->dir);
	ASSERT_EQ(0, run_capture(img, out, sizeof(out))) TH_LOG("%s", out);
	self->run = fork();
	ASSERT_LE(0, self->run);
	if (!self->run) {
		setpgid(0, 0);
		fd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("tools/vm/run", "tools/vm/run", "--no-load", "--smp", "1", "--timeout", "600",
		      "--qmp", self->qmp, "--disk", self->disk, "--agent", self->agent, "--outbound",
		      "--", "sh", "-c",
		      beat_loop, NULL);
		_exit(127);
	}
	for (i = 0; i < 600 && last_beat(self->log, NULL) < 5; i++)
		usleep(100 * 1000);
	ASSERT_LE(5, last_beat(self->log, NULL)) TH_LOG("production VM did not start");
}

FIXTURE_TEARDOWN(prod)
{
	char cmd[256];

	if (!access(self->shadow, F_OK))
		shadow_cli("--destroy", "--dir", self->shadow, NULL, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "%s/small", self->dir);
	umount2(cmd, MNT_DETACH);
	kill(-self->run, SIGTERM);
	waitpid(self->run, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		perror(cmd);
}

static int file_has(const char *path, const char *text)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = !!strstr(line, text);
	if (f)
		fclose(f);
	return found;
}

/* A hash of file @path's bytes (FNV-1a), 0 if it cannot be read. */
static unsigned long long file_hash(const char *path)
{
	unsigned long long h = 1469598103934665603ULL;
	FILE *f = fopen(path, "r");
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		h = (h ^ (unsigned char)c) * 1099511628211ULL;
	fclose(f);
	return h;
}

/* Whether the bytes of file @path hold @text (a disk image's, say). */
static int bytes_have(const char *path, const char *text)
{
	static char buf[1 << 22];
	FILE *f = fopen(path, "r");
	size_t n, keep = 0, tl = strlen(text);
	int found = 0;

	while (f && !found && (n = fread(buf + keep, 1, sizeof(buf) - keep, f)) > 0) {
		n += keep;
		found = !!memmem(buf, n, text, tl);
		/* a match across two reads: the last bytes carried over */
		keep = n < tl - 1 ? n : tl - 1;
		memmove(buf, buf + n - keep, keep);
	}
	if (f)
		fclose(f);
	return found;
}

static int gone(pid_t pid)
{
	char path[64], st[512];
	FILE *f;
	int z = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	if (fgets(st, sizeof(st), f) && strrchr(st, ')'))
		z = strrchr(st, ')')[2] == 'Z';
	fclose(f);
	return z;
}

TEST_F_TIMEOUT(prod, clone_continues_production_state_and_destroy_leaves_nothing, 300)
{
	char serial[160], status[32], file[256], overlay[160];
	struct json_object *o, *v;
	unsigned long long base;
	int first = 0, at, i;
	pid_t pid;

	/* a bound the stop-and-copy cannot keep: abandoned, production resumed */
	EXPECT_EQ(1, exit_code(shadow_cli("--qmp", self->qmp, "--dir", self->shadow, "--max-pause",
					  "1"))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "the pause bound (1 ms)")) TH_LOG("%s", out);
	EXPECT_NE(0, access(self->shadow, F_OK)) TH_LOG("%s", out);
	ASSERT_EQ(0, prod_state(self->qmp, status, sizeof(status), file, sizeof(file)));
	EXPECT_STREQ("running", status);
	EXPECT_STREQ(self->disk, file);

	ASSERT_EQ(0, exit_code(shadow_cli("--qmp", self->qmp, "--dir", self->shadow, "--json",
					  NULL))) TH_LOG("%s", out);
	at = last_beat(self->log, NULL);
	base = file_hash(self->disk);
	snprintf(overlay, sizeof(overlay), "%s/shadow-virtio0.qcow2", self->shadow);
	o = json_tokener_parse(out);
	ASSERT_NE(NULL, o) TH_LOG("%s", out);
	ASSERT_TRUE(json_object_object_get_ex(o, "pause_ms", &v));
	TH_LOG("pause %.1f ms", json_object_get_double(v));
	EXPECT_LT(json_object_get_double(v), 500.0);
	EXPECT_GT(json_object_get_double(v), 0.0);
	ASSERT_TRUE(json_object_object_get_ex(o, "pid", &v));
	pid = json_object_get_int(v);
	json_object_put(o);

	/* the shadow goes on from production's beat, it did not boot */
	snprintf(serial, sizeof(serial), "%s/serial1.log", self->shadow);
	for (i = 0; i < 100 && last_beat(serial, &first) < 2; i++)
		usleep(100 * 1000);
	EXPECT_GE(first, 3) TH_LOG("shadow's first beat %d, production's at clone %d", first, at);
	EXPECT_LE(first, at + 5);
	EXPECT_FALSE(gone(pid));
	/* production keeps running, on its own overlay */
	ASSERT_EQ(0, prod_state(self->qmp, status, sizeof(status), file, sizeof(file)));
	EXPECT_STREQ("running", status);
	EXPECT_NE(NULL, strstr(file, "/shadow/production-virtio0.qcow2")) TH_LOG("%s", file);
	usleep(1000 * 1000);
	EXPECT_LT(at, last_beat(self->log, NULL));
	/* both VMs wrote their disks (dd, each beat): each on its own overlay */
	EXPECT_EQ(base, file_hash(self->disk)) TH_LOG("the base image was written");
	EXPECT_TRUE(bytes_have(overlay, "disk ")) TH_LOG("the shadow's writes are not in its overlay");

	/* a second shadow is refused, into the same directory or another */
	EXPECT_EQ(2, exit_code(shadow_cli("--qmp", self->qmp, "--dir", self->shadow, NULL, NULL)));
	EXPECT_NE(NULL, strstr(out, "cannot create the shadow directory")) TH_LOG("%s", out);
	snprintf(serial, sizeof(serial), "%s/second", self->dir);
	EXPECT_EQ(2, exit_code(shadow_cli("--qmp", self->qmp, "--dir", serial, NULL, NULL)));
	EXPECT_NE(NULL, strstr(out, "the VM has a shadow already")) TH_LOG("%s", out);
	EXPECT_NE(0, access(serial, F_OK));

	ASSERT_EQ(0, exit_code(shadow_cli("--destroy", "--dir", self->shadow, NULL, NULL, NULL)))
		TH_LOG("%s", out);
	EXPECT_NE(0, access(self->shadow, F_OK));
	for (i = 0; i < 50 && !gone(pid); i++)
		usleep(100 * 1000);
	EXPECT_TRUE(gone(pid));
	ASSERT_EQ(0, prod_state(self->qmp, status, sizeof(status), file, sizeof(file)));
	EXPECT_STREQ("running", status);
	EXPECT_STREQ(self->disk, file);
}

/* ---- the network boundary --------------------------------------------- */
#define PEER_PORTS 3

/*
 * A peer on the host that counts the bytes it gets on each of its ports,
 * over TCP (answering each read "peer-ack") and UDP (answering each
 * datagram with a TFTP error, "peer-udp").
 */
struct counting_peer {
	int lis[PEER_PORTS], udp[PEER_PORTS], port[PEER_PORTS];
	long got[PEER_PORTS], udp_got[PEER_PORTS];
	volatile int stop;
	pthread_t th;
};

static void peer_datagram(struct counting_peer *p, int i)
{
	static const char tftp_error[] = "\0\5\0\1peer-udp";
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	char buf[2048];
	ssize_t n = recvfrom(p->udp[i], buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

	if (n <= 0)
		return;
	__atomic_add_fetch(&p->udp_got[i], n, __ATOMIC_SEQ_CST);
	sendto(p->udp[i], tftp_error, sizeof(tftp_error), 0, (struct sockaddr *)&from, len);
}

static void peer_serve(struct counting_peer *p, int i)
{
	struct timeval tv = { .tv_sec = 5 };
	char buf[4096];
	ssize_t n;
	int c = accept(p->lis[i], NULL, NULL);

	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		__atomic_add_fetch(&p->got[i], n, __ATOMIC_SEQ_CST);
		if (write(c, "peer-ack\n", 9) != 9)
			break;
	}
	close(c);
}

static void *peer_main(void *arg)
{
	struct counting_peer *p = arg;
	struct pollfd pfd[2 * PEER_PORTS];
	int i;

	while (!p->stop) {
		for (i = 0; i < PEER_PORTS; i++) {
			pfd[i] = (struct pollfd){ .fd = p->lis[i], .events = POLLIN };
			pfd[PEER_PORTS + i] = (struct pollfd){ .fd = p->udp[i], .events = POLLIN };
		}
		if (poll(pfd, 2 * PEER_PORTS, 100) <= 0)
			continue;
		for (i = 0; i < PEER_PORTS; i++) {
			if (pfd[i].revents)
				peer_serve(p, i);
			if (pfd[PEER_PORTS + i].revents)
				peer_datagram(p, i);
		}
	}
	return NULL;
}

static int peer_start(struct counting_peer *p)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < PEER_PORTS; i++) {
		a.sin_port = 0;
		p->lis[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (p->lis[i] < 0 || bind(p->lis[i], (struct sockaddr *)&a, sizeof(a)) ||
		    listen(p->lis[i], 4) || getsockname(p->lis[i], (struct sockaddr *)&a, &len))
			return -1;
		p->port[i] = ntohs(a.sin_port);
		p->udp[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (p->udp[i] < 0 || bind(p->udp[i], (struct sockaddr *)&a, sizeof(a)))
			return -1;
	}
	return pthread_create(&p->th, NULL, peer_main, p);
}

static void peer_stop(struct counting_peer *p)
{
	int i;

	p->stop = 1;
	pthread_join(p->th, NULL);
	for (i = 0; i < PEER_PORTS; i++) {
		close(p->lis[i]);
		close(p->udp[i]);
	}
}

/* Is there a line in @path with all of @a, @b and @c? */
static int line_has(const char *path, const char *a, const char *b, const char *c)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int hit = 0;

	while (f && !hit && fgets(line, sizeof(line), f))
		hit = strstr(line, a) && strstr(line, b) && strstr(line, c);
	if (f)
		fclose(f);
	return hit;
}

/*
 * The shadow connects to a peer that listens, on the host, on three ports:
 * the first under replay (the default: with no record, refused), the
 * second under drop (accepted, unanswered), the third under forward, and
 * sends a datagram to the first and the third.  The peer gets bytes on
 * the third only; the log has every byte sent, each with its policy;
 * destroy leaves the log (outside DIR) and no process.
 */
TEST_F_TIMEOUT(prod, the_shadows_bytes_reach_a_peer_only_under_forward, 300)
{
	char log[160], drop[64], fwd[64], cmd[512], want[64], hex[32];
	char *argv[] = { (char *)insight_cli(), "shadow", "--qmp", self->qmp, "--dir", self->shadow,
			 "--net-log", log, "--peer", drop, "--peer", fwd, "--exec", cmd, NULL };
	struct counting_peer p;
	int i;

	ASSERT_EQ(0, peer_start(&p));
	snprintf(log, sizeof(log), "%s/network.log", self->dir);
	snprintf(drop, sizeof(drop), "10.0.2.2:%d=drop", p.port[1]);
	snprintf(fwd, sizeof(fwd), "10.0.2.2:%d=forward", p.port[2]);
	snprintf(cmd, sizeof(cmd), "for p in %d %d %d; do echo to-$p | nc -w 3 10.0.2.2 $p; "
		 "echo \"port $p: $?\"; done; for p in %d %d; do timeout 4 tftp -g -r x -l /tmp/x "
		 "10.0.2.2 $p 2>&1; done; true", p.port[0], p.port[1], p.port[2], p.port[0], p.port[2]);
	EXPECT_EQ(0, exit_code(run_capture(argv, out, sizeof(out)))) TH_LOG("%s", out);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "port %d: %d\n", p.port[i], i == 0);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	}
	EXPECT_NE(NULL, strstr(out, "peer-ack")) TH_LOG("forward's answer: %s", out);
	EXPECT_EQ(0, __atomic_load_n(&p.got[0], __ATOMIC_SEQ_CST));
	EXPECT_EQ(0, __atomic_load_n(&p.got[1], __ATOMIC_SEQ_CST));
	snprintf(want, sizeof(want), "to-%d\n", p.port[2]);
	EXPECT_EQ((long)strlen(want), __atomic_load_n(&p.got[2], __ATOMIC_SEQ_CST));
	/* UDP (a TFTP read request): replay sends nothing, forward relays both ways */
	EXPECT_EQ(0, __atomic_load_n(&p.udp_got[0], __ATOMIC_SEQ_CST));
	EXPECT_LT(0, __atomic_load_n(&p.udp_got[2], __ATOMIC_SEQ_CST));
	EXPECT_NE(NULL, strstr(out, "peer-udp")) TH_LOG("forward's UDP answer: %s", out);
	snprintf(want, sizeof(want), "> 10.0.2.2:%d replay", p.port[0]);
	EXPECT_TRUE(line_has(log, "udp 10.0.2.15:", want, " 0001")) TH_LOG("no UDP %s", want);
	snprintf(want, sizeof(want), "> 10.0.2.2:%d forward", p.port[2]);
	EXPECT_TRUE(line_has(log, "udp 10.0.2.15:", want, " 0001")) TH_LOG("no UDP %s", want);

	/* the log: the refused SYN, and every byte sent with its policy */
	snprintf(want, sizeof(want), "> 10.0.2.2:%d replay", p.port[0]);
	EXPECT_TRUE(line_has(log, want, " syn ", "10.0.2.15:")) TH_LOG("no %s in the log", want);
	for (i = 1; i < 3; i++) {
		snprintf(want, sizeof(want), "> 10.0.2.2:%d %s", p.port[i], i == 1 ? "drop" : "forward");
		snprintf(hex, sizeof(hex), "746f2d%02x%02x%02x%02x%02x0a", '0' + p.port[i] / 10000,
			 '0' + p.port[i] / 1000 % 10, '0' + p.port[i] / 100 % 10,
			 '0' + p.port[i] / 10 % 10, '0' + p.port[i] % 10);
		EXPECT_TRUE(line_has(log, want, " 9 ", hex)) TH_LOG("no %s ... %s in the log", want, hex);
	}
	peer_stop(&p);
	ASSERT_EQ(0, exit_code(shadow_cli("--destroy", "--dir", self->shadow, NULL, NULL, NULL)))
		TH_LOG("%s", out);
	EXPECT_EQ(0, access(log, F_OK));
	EXPECT_EQ(0, processes_naming(self->shadow));
}

/* The shadow qemu killed while insight shadow uses it: exit 1, nothing left. */
TEST_F_TIMEOUT(prod, the_shadow_qemu_killed_midway_is_destroyed_and_production_runs_on, 300)
{
	char *argv[] = { (char *)insight_cli(), "shadow", "--qmp", self->qmp, "--dir", self->shadow,
			 "--exec", "sleep 60", "--explore", "/none.json", NULL };
	char json[200], status[32], file[256];
	struct json_object *o, *v;
	pid_t child, qemu = 0;
	int i, st;

	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(exit_code(run_capture(argv, out, sizeof(out))));
	/* the shadow runs the sleep: kill its qemu */
	snprintf(json, sizeof(json), "%s/shadow.json", self->shadow);
	for (i = 0; i < 600 && !qemu; i++) {
		o = json_object_from_file(json);
		if (o && json_object_object_get_ex(o, "pid", &v) && file_has(self->log, "beat"))
			qemu = json_object_get_int(v);
		json_object_put(o);
		usleep(100 * 1000);
	}
	ASSERT_LT(0, qemu);
	usleep(3000 * 1000);
	EXPECT_EQ(0, kill(qemu, SIGKILL));
	ASSERT_EQ(child, waitpid(child, &st, 0));
	EXPECT_EQ(1, exit_code(st));
	EXPECT_NE(0, access(self->shadow, F_OK));
	EXPECT_EQ(0, processes_naming(self->shadow));
	ASSERT_EQ(0, prod_state(self->qmp, status, sizeof(status), file, sizeof(file)));
	EXPECT_STREQ("running", status);
	EXPECT_STREQ(self->disk, file);
}

TEST_F_TIMEOUT(prod, exec_runs_in_the_shadow_through_its_guest_agent_not_in_production, 300)
{
	char serial[160];

	EXPECT_EQ(0, exit_code(shadow_cli("--qmp", self->qmp, "--dir", self->shadow, "--exec",
					  "echo shadow-marker >/dev/ttyS1; echo ran-in-shadow")))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "ran-in-shadow\n")) TH_LOG("%s", out);
	snprintf(serial, sizeof(serial), "%s/serial1.log", self->shadow);
	EXPECT_TRUE(file_has(serial, "shadow-marker"));
	usleep(500 * 1000);
	EXPECT_FALSE(file_has(self->log, "shadow-marker"));
	/* a failing command fails insight shadow, with its status said */
	EXPECT_EQ(0, exit_code(shadow_cli("--destroy", "--dir", self->shadow, NULL, NULL, NULL)));
	EXPECT_EQ(1, exit_code(shadow_cli("--qmp", self->qmp, "--dir", self->shadow, "--exec",
					  "exit 3"))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "the command exited with status 3")) TH_LOG("%s", out);
}

/*
 * Hostile: --explore's path goes to the shadow's shell quoted, never run;
 * explore there refuses it (no such record), and insight shadow says so
 * with explore's status, 2.
 */
TEST_F_TIMEOUT(prod, explore_paths_are_not_run_by_the_shadows_shell, 300)
{
	char *argv[] = { (char *)insight_cli(), "shadow", "--qmp", self->qmp, "--dir", self->shadow,
			 "--explore", "/none'$(echo pwned >/dev/ttyS1)'`echo pwned >/dev/ttyS1`.json",
			 "--keep", "--module", "/insight/insight.ko", NULL };
	char serial[160];

	EXPECT_EQ(2, exit_code(run_capture(argv, out, sizeof(out)))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/none'$(echo pwned >/dev/ttyS1)'`echo pwned")) TH_LOG("%s", out);
	snprintf(serial, sizeof(serial), "%s/serial1.log", self->shadow);
	usleep(500 * 1000);
	EXPECT_FALSE(file_has(serial, "pwned")) TH_LOG("the shadow's shell ran the path");
	EXPECT_EQ(0, exit_code(shadow_cli("--destroy", "--dir", self->shadow, NULL, NULL, NULL)))
		TH_LOG("%s", out);
	EXPECT_NE(0, access(self->shadow, F_OK));
}

/* --explore --json: one object, explore's status in it, the shadow destroyed. */
TEST_F_TIMEOUT(prod, explore_json_is_one_object_with_explores_status, 300)
{
	char *argv[] = { (char *)insight_cli(), "shadow", "--qmp", self->qmp, "--dir", self->shadow,
			 "--explore", "/none.json", "--module", "/insight/insight.ko", "--json", NULL };
	struct json_object *o, *v;
	char *brace;

	EXPECT_EQ(2, exit_code(run_capture(argv, out, sizeof(out)))) TH_LOG("%s", out);
	/* explore's own message first (its stderr), then the object */
	brace = strchr(out, '{');
	ASSERT_NE(NULL, brace) TH_LOG("%s", out);
	o = json_tokener_parse(brace);
	ASSERT_NE(NULL, o) TH_LOG("%s", out);
	EXPECT_TRUE(json_object_object_get_ex(o, "explore_status", &v));
	EXPECT_EQ(2, json_object_get_int(v));
	EXPECT_TRUE(json_object_object_get_ex(o, "destroyed", &v));
	EXPECT_TRUE(json_object_get_boolean(v));
	EXPECT_TRUE(json_object_object_get_ex(o, "pause_ms", &v));
	EXPECT_FALSE(json_object_object_get_ex(o, "report", &v)) TH_LOG("no report after bad input");
	/* what the shadow sent on its network, summed before the log went */
	EXPECT_TRUE(json_object_object_get_ex(o, "network", &v)) TH_LOG("%s", out);
	EXPECT_TRUE(json_object_is_type(v, json_type_array));
	json_object_put(o);
	EXPECT_NE(0, access(self->shadow, F_OK));
	EXPECT_EQ(0, processes_naming(self->shadow));
}

TEST_F_TIMEOUT(prod, a_migration_failing_midway_leaves_production_running, 300)
{
	char small[160], dir[200], status[32], file[256];
	int before;

	/* the state file's file system fills up while RAM is being copied */
	snprintf(small, sizeof(small), "%s/small", self->dir);
	snprintf(dir, sizeof(dir), "%s/shadow", small);
	ASSERT_EQ(0, mkdir(small, 0700));
	ASSERT_EQ(0, mount("tmpfs", small, "tmpfs", 0, "size=16m")) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(1, exit_code(shadow_cli("--qmp", self->qmp, "--dir", dir, NULL, NULL))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "clone failed, production resumed: the migration failed"))
		TH_LOG("%s", out);
	EXPECT_TRUE(one_line(out)) TH_LOG("%s", out);
	EXPECT_NE(0, access(dir, F_OK));
	EXPECT_EQ(0, umount(small));
	ASSERT_EQ(0, prod_state(self->qmp, status, sizeof(status), file, sizeof(file)));
	EXPECT_STREQ("running", status);
	EXPECT_STREQ(self->disk, file);
	before = last_beat(self->log, NULL);
	usleep(1000 * 1000);
	EXPECT_LT(before, last_beat(self->log, NULL));
}

TEST_F_TIMEOUT(prod, of_two_shadows_taken_at_once_one_is_refused, 300)
{
	char a[160], b[160], status[32], file[256];
	int st, rc_a, rc_b;
	pid_t child;

	snprintf(a, sizeof(a), "%s/a", self->dir);
	snprintf(b, sizeof(b), "%s/b", self->dir);
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(exit_code(shadow_cli("--qmp", self->qmp, "--dir", a, NULL, NULL)));
	rc_b = exit_code(shadow_cli("--qmp", self->qmp, "--dir", b, NULL, NULL));
	ASSERT_EQ(child, waitpid(child, &st, 0));
	rc_a = exit_code(st);
	TH_LOG("a: %d, b: %d (%s)", rc_a, rc_b, out);
	EXPECT_EQ(1, (rc_a == 0) + (rc_b == 0));
	EXPECT_TRUE(rc_a == 0 || rc_a == 1 || rc_a == 2);
	EXPECT_TRUE(rc_b == 0 || rc_b == 1 || rc_b == 2);
	EXPECT_EQ(0, exit_code(shadow_cli("--destroy", "--dir", rc_a ? b : a, NULL, NULL, NULL)))
		TH_LOG("%s", out);
	EXPECT_NE(0, access(a, F_OK));
	EXPECT_NE(0, access(b, F_OK));
	ASSERT_EQ(0, prod_state(self->qmp, status, sizeof(status), file, sizeof(file)));
	EXPECT_STREQ("running", status);
	EXPECT_STREQ(self->disk, file);
}

TEST_F_TIMEOUT(prod, sigkill_at_each_step_leaves_production_running_and_nothing_behind, 600)
{
	/* exploring: the shadow runs, insight shadow is about to use it */
	static const struct {
		const char *step;
		char *opt, *arg;
	} steps[] = {
		{ "migrating", NULL, NULL }, { "paused", NULL, NULL }, { "snapshot", NULL, NULL },
		{ "completed", NULL, NULL }, { "starting", NULL, NULL },
		{ "exploring", "--explore", "/none.json" },
	};
	char status[32], file[256], env[64];
	unsigned int s;
	int i, st, before;

	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		snprintf(env, sizeof(env), "INSIGHT_SHADOW_TEST_KILL=%s", steps[s].step);
		putenv(env);
		st = shadow_cli("--qmp", self->qmp, "--dir", self->shadow, steps[s].opt, steps[s].arg);
		unsetenv("INSIGHT_SHADOW_TEST_KILL");
		EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			TH_LOG("%s: %s", steps[s].step, out);
		/*
		 * the guard resumes production (or, once the shadow runs, kills
		 * it), folds production's disk, removes the directory
		 */
		for (i = 0; i < 100 && !access(self->shadow, F_OK); i++)
			usleep(100 * 1000);
		EXPECT_NE(0, access(self->shadow, F_OK))
			TH_LOG("%s: the directory stays", steps[s].step);
		EXPECT_EQ(0, processes_naming(self->shadow))
			TH_LOG("%s: a shadow qemu stays", steps[s].step);
		ASSERT_EQ(0, prod_state(self->qmp, status, sizeof(status), file, sizeof(file)));
		EXPECT_STREQ("running", status) TH_LOG("killed at %s", steps[s].step);
		EXPECT_STREQ(self->disk, file) TH_LOG("killed at %s", steps[s].step);
		before = last_beat(self->log, NULL);
		usleep(1000 * 1000);
		EXPECT_LT(before, last_beat(self->log, NULL)) TH_LOG("killed at %s", steps[s].step);
	}
}

TEST_HARNESS_MAIN
