// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow VM (launch.h).  Its directory holds, while it lives:
 *   state                 the clone's RAM and device state (migration stream)
 *   shadow-DEV.qcow2      its disks: overlays of production's bases
 *   production-DEV.qcow2  production's own overlays (production's active
 *                         disks until destroy folds them back)
 *   qmp.sock, serialN.log, ID.sock|ID.log, qemu.log   its own endpoints
 *   network.log           what it sent on its user networks (gateway.h),
 *                         unless insight shadow was given a file for it
 *   record.json           with --explore: production's failure record, for
 *                         the replay policy (replay.h)
 *   shadow.json           what destroy needs
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cmdline.h"
#include "launch.h"
#include "qmp.h"
#include "stop.h"

#define SHADOW_LOAD_MS 300000
/* the shadow's CPU share: production's qemu comes first for the host's CPUs */
#define SHADOW_NICE 19

/*
 * Bound the shadow (in its child, before exec) to the last of the CPUs we
 * may run on, when there are two or more, at the lowest priority: the
 * host's scheduler then keeps production's threads on the others.  Best
 * effort: a shadow that cannot be bound still runs.
 */
static void bound_cpu(void)
{
	cpu_set_t set, one;
	int cpu, last = -1;

	setpriority(PRIO_PROCESS, 0, SHADOW_NICE);
	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) < 2)
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			last = cpu;
	CPU_ZERO(&one);
	CPU_SET(last, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static int run_wait(char **argv)
{
	int st, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

static int overlays(struct clone *c, struct disk_map *map, char *why, size_t whylen)
{
	int i;

	for (i = 0; i < c->ndisks; i++) {
		char size[32], *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
					    "-u", "-b", c->disks[i].base, c->disks[i].shadow, size, NULL };

		snprintf(size, sizeof(size), "%lld", c->disks[i].size);
		if (run_wait(argv)) {
			snprintf(why, whylen, "qemu-img cannot create %s", c->disks[i].shadow);
			return -1;
		}
		map[i].file = c->disks[i].base;
		map[i].shadow = c->disks[i].shadow;
	}
	return 0;
}

static pid_t spawn(const struct qemu_argv *a, const char *dir)
{
	char log[600];
	pid_t pid;
	int fd;

	snprintf(log, sizeof(log), "%s/qemu.log", dir);
	pid = fork();
	if (pid)
		return pid;
	setsid();
	bound_cpu();
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	dup2(fd, 2);
	fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	execvp(a->argv[0], a->argv);
	_exit(127);
}

/* Connect to the new shadow's QMP socket (it appears as qemu starts). */
static int connect_shadow(struct qmp *q, struct shadow *s, char *why, size_t whylen)
{
	char path[600];
	int i;

	snprintf(path, sizeof(path), "%s/qmp.sock", s->c.dir);
	for (i = 0; i < 100; i++) {
		if (!qmp_open(q, path, why, whylen))
			return 0;
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			snprintf(why, whylen, "the shadow qemu exited at start (see %s/qemu.log)", s->c.dir);
			return -1;
		}
		usleep(50 * 1000);
	}
	return -1;
}

static int load(struct qmp *q, struct shadow *s, char *why, size_t whylen)
{
	struct json_object *a = json_object_new_object();
	double t0 = qmp_now_ms();
	char uri[600];

	snprintf(uri, sizeof(uri), "exec:cat '%s/state'", s->c.dir);
	json_object_object_add(a, "uri", json_object_new_string(uri));
	if (qmp_run(q, "migrate-incoming", a, why, whylen))
		return -1;
	for (;;) {
		char st[32];

		if (qmp_migration_status(q, st, sizeof(st), why, whylen))
			return -1;
		if (!strcmp(st, "completed"))
			break;
		if (!strcmp(st, "failed") || qmp_now_ms() - t0 > SHADOW_LOAD_MS) {
			snprintf(why, whylen, "the shadow could not load the clone's state (see %s/qemu.log)",
				 s->c.dir);
			return -1;
		}
		qmp_poll_events(q, 50);
	}
	s->load_ms = qmp_now_ms() - t0;
	return qmp_run(q, "cont", NULL, why, whylen);
}

static void kill_shadow(pid_t pid)
{
	stop_process(pid, 5000);
}

static int shadow_save(const struct shadow *s)
{
	struct json_object *o = json_object_new_object(), *disks = json_object_new_array();
	char path[600];
	int i, err;

	json_object_object_add(o, "production_qmp", json_object_new_string(s->production_qmp));
	json_object_object_add(o, "pid", json_object_new_int(s->pid));
	json_object_object_add(o, "gateway_pid", json_object_new_int(s->gw.pid));
	for (i = 0; i < s->c.ndisks; i++) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "device", json_object_new_string(s->c.disks[i].device));
		json_object_object_add(d, "base", json_object_new_string(s->c.disks[i].base));
		json_object_object_add(d, "production", json_object_new_string(s->c.disks[i].prod));
		json_object_array_add(disks, d);
	}
	json_object_object_add(o, "disks", disks);
	snprintf(path, sizeof(path), "%s/shadow.json", s->c.dir);
	err = json_object_to_file_ext(path, o, JSON_C_TO_STRING_PRETTY) ? -EIO : 0;
	json_object_put(o);
	return err;
}

/* Production's user networks behind a gateway: 0, or -1 with @why. */
static int gateway_of(struct shadow *s, const struct qemu_argv *prod, char *why, size_t whylen)
{
	int n = cmdline_user_nets(prod, s->gw.nets, NETNS_MAX_NETS);

	if (n < 0 || n > NETNS_MAX_NETS) {
		snprintf(why, whylen, n < 0 ? "production's user network has an address that does "
			 "not parse" : "production has more than %d user networks", NETNS_MAX_NETS);
		return -1;
	}
	s->gw.nnets = n;
	if (!s->gw.log[0])
		snprintf(s->gw.log, sizeof(s->gw.log), "%s/network.log", s->c.dir);
	return n ? gateway_start(&s->gw, why, whylen) : 0;
}

/* The shadow qemu started on production's machine: 0, or -1 with @why. */
static int spawn_shadow(struct shadow *s, char *why, size_t whylen)
{
	struct disk_map map[CLONE_MAX_DISKS];
	struct shadow_devices dev = { map, s->c.ndisks, NULL, s->c.dir };
	struct qemu_argv prod, argv;
	int err;

	err = cmdline_read(s->production_pid, &prod);
	if (err) {
		snprintf(why, whylen, "cannot read production qemu's command line: %s", strerror(-err));
		return -1;
	}
	err = overlays(&s->c, map, why, whylen) || gateway_of(s, &prod, why, whylen);
	dev.taps = s->gw.nnets ? s->gw.taps : NULL;
	err = err || cmdline_shadow(&prod, &dev, &argv, why, whylen);
	cmdline_free(&prod);
	if (!err) {
		s->pid = spawn(&argv, s->c.dir);
		cmdline_free(&argv);
		if (s->pid < 0)
			snprintf(why, whylen, "cannot start the shadow qemu: %s", strerror(errno));
	}
	/* the shadow qemu has the taps now: it alone keeps them up */
	gateway_close_taps(&s->gw);
	if (!err && s->pid > 0)
		return 0;
	gateway_stop(s->gw.pid);
	return -1;
}

int shadow_start(struct shadow *s, char *why, size_t whylen)
{
	struct qmp q;
	int err;

	if (spawn_shadow(s, why, whylen))
		return -1;
	/* written first: from here on, --destroy can remove the shadow */
	err = shadow_save(s);
	if (err)
		snprintf(why, whylen, "cannot write %s/shadow.json: %s", s->c.dir, strerror(-err));
	else
		err = connect_shadow(&q, s, why, whylen);
	shadow_test_kill("starting");
	if (!err) {
		err = load(&q, s, why, whylen);
		qmp_close(&q);
	}
	if (err && s->pid > 0)
		kill_shadow(s->pid);
	if (err)
		gateway_stop(s->gw.pid);
	return err ? -1 : 0;
}

static int read_saved(const char *dir, struct shadow *s, char *qmp_path, size_t qlen)
{
	char path[600];
	struct json_object *o, *v, *disks;
	size_t i;

	snprintf(path, sizeof(path), "%s/shadow.json", dir);
	o = json_object_from_file(path);
	if (!o)
		return -ENOENT;
	memset(s, 0, sizeof(*s));
	s->c.dir = dir;
	if (json_object_object_get_ex(o, "production_qmp", &v))
		snprintf(qmp_path, qlen, "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "pid", &v))
		s->pid = json_object_get_int(v);
	if (json_object_object_get_ex(o, "gateway_pid", &v))
		s->gw.pid = json_object_get_int(v);
	if (json_object_object_get_ex(o, "disks", &disks))
		for (i = 0; i < json_object_array_length(disks) && i < CLONE_MAX_DISKS; i++) {
			struct json_object *d = json_object_array_get_idx(disks, i);
			struct clone_disk *cd = &s->c.disks[s->c.ndisks++];

			if (json_object_object_get_ex(d, "device", &v))
				snprintf(cd->device, sizeof(cd->device), "%s", json_object_get_string(v));
			if (json_object_object_get_ex(d, "base", &v))
				snprintf(cd->base, sizeof(cd->base), "%s", json_object_get_string(v));
			if (json_object_object_get_ex(d, "production", &v))
				snprintf(cd->prod, sizeof(cd->prod), "%s", json_object_get_string(v));
		}
	json_object_put(o);
	return 0;
}

/* Is @pid a process whose command line names @dir (our shadow qemu)? */
static int is_our_shadow(pid_t pid, const char *dir)
{
	struct qemu_argv a;
	int i, ours = 0;

	if (pid <= 0 || cmdline_read(pid, &a))
		return 0;
	for (i = 0; i < a.argc; i++)
		if (strstr(a.argv[i], dir))
			ours = 1;
	cmdline_free(&a);
	return ours;
}

void shadow_kill(const char *dir)
{
	char qmp_path[512];
	struct shadow s;

	if (read_saved(dir, &s, qmp_path, sizeof(qmp_path)))
		return;
	if (is_our_shadow(s.pid, dir))
		kill_shadow(s.pid);
	gateway_stop(s.gw.pid);
}

int shadow_end(struct qmp *q, struct shadow *s, char *why, size_t whylen)
{
	if (is_our_shadow(s->pid, s->c.dir))
		kill_shadow(s->pid);
	gateway_stop(s->gw.pid);
	if (clone_fold(q, &s->c, why, whylen))
		return -1;
	clone_remove_dir(s->c.dir);
	return 0;
}

int shadow_destroy(const char *dir, char *why, size_t whylen)
{
	char qmp_path[512] = "";
	struct shadow s;
	struct qmp q;
	int err;

	if (read_saved(dir, &s, qmp_path, sizeof(qmp_path))) {
		snprintf(why, whylen, "%s holds no shadow (no shadow.json)", dir);
		return -1;
	}
	if (qmp_open(&q, qmp_path, why, whylen)) {
		/* production gone: the shadow need not live on */
		if (is_our_shadow(s.pid, dir))
			kill_shadow(s.pid);
		gateway_stop(s.gw.pid);
		return -1;
	}
	err = shadow_end(&q, &s, why, whylen);
	qmp_close(&q);
	return err;
}
