// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow's command line (cmdline.h).  Options are copied as they are
 * except those that name something production owns:
 *   -drive      a writable disk's file=... becomes the shadow's overlay
 *   -netdev     becomes a hub port on a hub of its own: the NIC stays (the
 *               migrated device state needs it), nothing it sends leaves;
 *               but a user network (slirp) becomes a tap to the network
 *               gateway (gateway.h), and the slirp state migrated with it
 *               is loaded into a restricted user network that no NIC uses
 *               (its addresses kept, its host forwards dropped); without
 *               a gateway, the user network stays one, restricted: nothing
 *               reaches the shadow from outside, nothing leaves it (a
 *               guestfwd, whose sockets the state holds, is refused)
 *   -chardev    a socket becomes one in the shadow's directory, anything
 *               else a file there
 *   -serial     a file in the shadow's directory
 *   -qmp -monitor -mon -pidfile -incoming -loadvm -daemonize -S  dropped
 * and -nic / -net / -blockdev, which this rewrite does not follow yet,
 * are refused.  The shadow gets -S, -incoming defer and its own QMP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"

#define CMDLINE_MAX (1 << 20)

int cmdline_read(pid_t pid, struct qemu_argv *out)
{
	char path[64], *buf = malloc(CMDLINE_MAX), *p;
	ssize_t n, len = 0;
	int fd, i;

	if (!buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	while (len < CMDLINE_MAX - 1 && (n = read(fd, buf + len, CMDLINE_MAX - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	out->argc = 0;
	for (p = buf; p < buf + len; p += strlen(p) + 1)
		out->argc++;
	out->argv = calloc(out->argc + 1, sizeof(char *));
	if (!out->argv) {
		free(buf);
		return -ENOMEM;
	}
	for (i = 0, p = buf; i < out->argc; i++, p += strlen(p) + 1)
		out->argv[i] = strdup(p);
	free(buf);
	return 0;
}

void cmdline_free(struct qemu_argv *a)
{
	int i;

	for (i = 0; a->argv && i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	a->argv = NULL;
	a->argc = 0;
}

static void add(struct qemu_argv *a, char *s)
{
	a->argv[a->argc++] = s;
	a->argv[a->argc] = NULL;
}

/* A malloc'd formatted string, or NULL. */
static char * __attribute__((format(printf, 1, 2))) fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* The value of KEY= in a qemu option string "a,KEY=v,b" (malloc'd), or NULL. */
static char *opt_value(const char *opts, const char *key)
{
	size_t kl = strlen(key);
	const char *p = opts;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1;

			return strndup(v, strcspn(v, ","));
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return NULL;
}

/* -drive OPTS with file= replaced by the shadow's overlay where mapped. */
static char *drive(const char *opts, const struct disk_map *disks, int ndisks)
{
	char *file = opt_value(opts, "file"), *s;
	const char *at;
	int i;

	for (i = 0; file && i < ndisks; i++)
		if (!strcmp(file, disks[i].file))
			break;
	if (!file || i == ndisks) {
		free(file);
		return strdup(opts);
	}
	/* the key at an option's start, as opt_value found it */
	for (at = strstr(opts, "file="); at != opts && at[-1] != ','; at = strstr(at + 1, "file="))
		;
	s = fmt("%.*sfile=%s%s", (int)(at - opts), opts, disks[i].shadow, at + 5 + strlen(file));
	free(file);
	return s;
}

static char *chardev(const char *opts, const char *dir)
{
	char *id = opt_value(opts, "id"), *s;

	if (!id)
		return strdup(opts);
	if (!strncmp(opts, "socket,", 7))
		s = fmt("socket,id=%s,path=%s/%s.sock,server=on,wait=off", id, dir, id);
	else
		s = fmt("file,id=%s,path=%s/%s.log", id, dir, id);
	free(id);
	return s;
}

static const char *const dropped_arg[] = { "qmp", "qmp-pretty", "monitor", "mon", "pidfile",
					   "incoming", "loadvm", NULL };
static const char *const dropped_flag[] = { "daemonize", "S", NULL };
static const char *const refused[] = { "nic", "net", "blockdev", NULL };

static bool in(const char *const *list, const char *opt)
{
	for (; *list; list++)
		if (!strcmp(*list, opt))
			return true;
	return false;
}

/* The options of a user network that say the guest's addresses, kept. */
static const char *const user_kept[] = { "net", "host", "dhcpstart", "dns", "ipv4", "ipv6",
					 "ipv6-net", "ipv6-host", "ipv6-dns", "hostname",
					 "domainname", NULL };

/* -netdev user,...: restricted, without host forwards, its addresses kept. */
static char *user_net(const char *arg, const char *id)
{
	char *s = fmt("user,id=%s,restrict=on", id), *v, *t;
	const char *const *k;

	for (k = user_kept; s && *k; k++) {
		v = opt_value(arg, *k);
		if (!v)
			continue;
		t = fmt("%s,%s=%s", s, *k, v);
		free(s);
		free(v);
		s = t;
	}
	return s;
}

static bool user_network(const char *arg)
{
	return !strcmp(arg, "user") || !strncmp(arg, "user,", 5);
}

/* -netdev user,... of the shadow: the @k-th user network's. */
static char *user_shadow(const char *arg, const char *id, const struct shadow_devices *dev, int k,
			 char **state)
{
	if (!dev->taps)
		return user_net(arg, id);
	*state = fmt("insight-state%d", k);
	return fmt("tap,id=%s,fd=%d", id, dev->taps[k]);
}

/*
 * Rewrite one option @opt (without its dashes) with argument @arg; a user
 * network on a tap sets @state to the id its migrated state needs.
 */
static char *rewrite(const char *opt, const char *arg, const struct shadow_devices *dev,
		     int *count, char **state)
{
	char *id, *s;

	if (!strcmp(opt, "drive"))
		return drive(arg, dev->disks, dev->ndisks);
	if (!strcmp(opt, "chardev"))
		return chardev(arg, dev->dir);
	if (!strcmp(opt, "serial"))
		return fmt("file:%s/serial%d.log", dev->dir, count[0]++);
	/* -netdev: a hub port, on a hub (id 1000 + n) no other port joins */
	id = opt_value(arg, "id");
	if (!id)
		return strdup(arg);
	if (user_network(arg))
		s = user_shadow(arg, id, dev, count[2]++, state);
	else
		s = fmt("hubport,id=%s,hubid=%d", id, 1000 + count[1]++);
	free(id);
	return s;
}

/* Is option @i of @in one the shadow cannot reproduce isolated? @why if so. */
static bool refuse(const struct qemu_argv *argv, int i, char *why, size_t whylen)
{
	const char *a = argv->argv[i], *opt = a + 1 + (a[1] == '-');

	if (in(refused, opt)) {
		snprintf(why, whylen, "production's qemu uses -%s, which the shadow cannot isolate yet "
			 "(use -drive, and -netdev with -device)", opt);
		return true;
	}
	if (!strcmp(opt, "netdev") && i + 1 < argv->argc && user_network(argv->argv[i + 1]) &&
	    strstr(argv->argv[i + 1], "guestfwd=")) {
		snprintf(why, whylen, "production's user network has a guestfwd, which the "
			 "shadow cannot isolate");
		return true;
	}
	return false;
}

int cmdline_shadow(const struct qemu_argv *in_argv, const struct shadow_devices *dev,
		   struct qemu_argv *out, char *why, size_t whylen)
{
	int i, count[3] = { 0 };	/* serials, hubs, user networks */

	out->argc = 0;
	out->argv = calloc(3 * in_argv->argc + 16, sizeof(char *));
	if (!out->argv || !in_argv->argc) {
		snprintf(why, whylen, "no qemu command line");
		return -1;
	}
	add(out, strdup(in_argv->argv[0]));
	for (i = 1; i < in_argv->argc; i++) {
		const char *a = in_argv->argv[i], *opt = a + 1 + (a[1] == '-');
		bool has_arg = i + 1 < in_argv->argc;
		char *state = NULL;

		if (a[0] != '-' || !a[1]) {
			add(out, strdup(a));
			continue;
		}
		if (refuse(in_argv, i, why, whylen)) {
			cmdline_free(out);
			return -1;
		}
		if (in(dropped_flag, opt))
			continue;
		if (in(dropped_arg, opt) && has_arg) {
			i++;
			continue;
		}
		add(out, strdup(a));
		if (!has_arg || (strcmp(opt, "drive") && strcmp(opt, "chardev") &&
				 strcmp(opt, "serial") && strcmp(opt, "netdev")))
			continue;
		add(out, rewrite(opt, in_argv->argv[++i], dev, count, &state));
		if (state) {
			add(out, strdup("-netdev"));
			add(out, user_net(in_argv->argv[i], state));
			free(state);
		}
	}
	add(out, strdup("-S"));
	add(out, strdup("-incoming"));
	add(out, strdup("defer"));
	add(out, strdup("-qmp"));
	add(out, fmt("unix:%s/qmp.sock,server=on,wait=off", dev->dir));
	for (i = 0; i < out->argc; i++)
		if (!out->argv[i]) {
			snprintf(why, whylen, "out of memory");
			cmdline_free(out);
			return -1;
		}
	return 0;
}

/* "A.B.C.D[/N or /A.B.C.D]" into @net (the address, masked) and @prefix: 0 or -1. */
static int v4_net(const char *s, struct in_addr *net, int *prefix)
{
	char buf[64], *slash, *end;
	struct in_addr mask;
	long n;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, net) != 1)
		return -1;
	n = 24;
	if (slash && inet_pton(AF_INET, slash, &mask) == 1) {
		n = __builtin_popcount(mask.s_addr);
	} else if (slash) {
		n = strtol(slash, &end, 10);
		if (*end || end == slash || n < 1 || n > 30)
			return -1;
	}
	*prefix = n;
	net->s_addr &= htonl(~0U << (32 - n));
	return 0;
}

/* The address @key= of @arg (default: the network's host number @dflt). */
static int v4_in(const char *arg, const char *key, const struct user_net *u, int dflt,
		 struct in_addr *a)
{
	char *v = opt_value(arg, key);
	int ok = 1;

	if (v)
		ok = inet_pton(AF_INET, v, a);
	else
		a->s_addr = u->net.s_addr | htonl(dflt);
	free(v);
	return ok == 1 ? 0 : -1;
}

int cmdline_user_nets(const struct qemu_argv *in, struct user_net *nets, int max)
{
	int i, k = 0;

	for (i = 1; i + 1 < in->argc; i++) {
		const char *arg = in->argv[i + 1];
		struct user_net u;
		char *v;
		int bad;

		if ((strcmp(in->argv[i], "-netdev") && strcmp(in->argv[i], "--netdev")) ||
		    !user_network(arg))
			continue;
		v = opt_value(arg, "net");
		bad = v4_net(v ?: "10.0.2.0/24", &u.net, &u.prefix);
		free(v);
		if (bad || v4_in(arg, "host", &u, 2, &u.host) || v4_in(arg, "dns", &u, 3, &u.dns))
			return -1;
		if (k < max)
			nets[k] = u;
		k++;
	}
	return k;
}

/* The chardev options of id @id in @in, or NULL. */
static const char *chardev_of(const struct qemu_argv *in, const char *id)
{
	int i;

	for (i = 1; i + 1 < in->argc; i++) {
		char *v;
		int same;

		if (strcmp(in->argv[i], "-chardev") && strcmp(in->argv[i], "--chardev"))
			continue;
		v = opt_value(in->argv[i + 1], "id");
		same = v && !strcmp(v, id);
		free(v);
		if (same)
			return in->argv[i + 1];
	}
	return NULL;
}

char *cmdline_agent(const struct qemu_argv *in, char **path)
{
	int i;

	for (i = 1; i + 1 < in->argc; i++) {
		const char *d = in->argv[i + 1], *ch;
		char *name, *id;
		int agent;

		if (strcmp(in->argv[i], "-device") && strcmp(in->argv[i], "--device"))
			continue;
		if (strncmp(d, "virtserialport,", 15))
			continue;
		name = opt_value(d, "name");
		agent = name && !strcmp(name, "org.qemu.guest_agent.0");
		free(name);
		id = agent ? opt_value(d, "chardev") : NULL;
		ch = id ? chardev_of(in, id) : NULL;
		if (ch && !strncmp(ch, "socket,", 7)) {
			if (path)
				*path = opt_value(ch, "path");
			return id;
		}
		free(id);
	}
	return NULL;
}
