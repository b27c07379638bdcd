// SPDX-License-Identifier: GPL-2.0
/*
 * suite_cli: the command-line tool of the failure suite (tests/suite/).
 * "suite_cli DIR TTL_MS" works in DIR, prints "ready", then reads
 * commands from stdin (one read() each, a command line ends in '\n'),
 * answers on stdout and reports errors on stderr; it exits 0 at EOF.
 *   price      "price P" from the file "price"; it is cached, and the
 *              cache (loaded at start) is served for TTL_MS after it was
 *              loaded
 *   cat NAME   files/NAME
 *   sum NAME   "sum S", the sum of the numbers of files/NAME, one a line
 * Like a service with a reduced capability set it runs without
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so file modes apply to it
 * even when it runs as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>

/* on the line of a planted failure's deciding if: see suite_kv.c */
#define SUITE_STR_(x) #x
#define SUITE_STR(x) SUITE_STR_(x)
#define TRUTH(name) static const char truth_##name[] __attribute__((used)) = \
	"suite-truth " #name " " __FILE__ ":" SUITE_STR(__LINE__)

static long long ttl_ms, price_loaded = -(1LL << 62);
static char price[64];

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void out(const char *s, size_t len)
{
	if (write(1, s, len) != (ssize_t)len)
		dprintf(2, "cli: output lost\n");
}

static void drop_dac(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	unsigned int mask = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH;

	if (syscall(SYS_capget, &h, d))
		return;
	d[0].effective &= ~mask;
	d[0].permitted &= ~mask;
	d[0].inheritable &= ~mask;
	if (syscall(SYS_capset, &h, d))
		dprintf(2, "cli: capset: %s\n", strerror(errno));
}

/* the start of the file @path in @buf; -1 on error */
static int slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n < 0 ? -1 : 0;
}

static int load_price(void)
{
	char buf[64];

	if (slurp("price", buf, sizeof(buf)))
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(price, sizeof(price), "%s", buf);
	price_loaded = now_ms();
	return 0;
}

/* the price in the cache, reloaded once it is TTL_MS old; -1 on error */
static int __attribute__((noinline)) get_price(void)
{
	if (now_ms() - price_loaded < ttl_ms) { TRUTH(cli_stale_cache);
		return 0;
	}
	return load_price();
}

static void cmd_price(void)
{
	char buf[96];

	if (get_price()) {
		dprintf(2, "price: %s\n", strerror(errno));
		return;
	}
	out(buf, snprintf(buf, sizeof(buf), "price %s\n", price));
}

/* files/NAME opened, or -1 */
static int __attribute__((noinline)) open_file(const char *cmd, const char *name)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "files/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0) { TRUTH(cli_permission);
		dprintf(2, "%s: %s: %s\n", cmd, name, strerror(errno));
		return -1;
	}
	return fd;
}

static void cmd_cat(const char *name)
{
	char buf[1024];
	int fd = open_file("cat", name), n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n > 0)
		out(buf, n);
}

/* 0 and the number in *v when line @k of @name is a decimal number */
static int __attribute__((noinline)) parse_number(const char *name, int k,
						  const char *line, long *v)
{
	char *end;

	*v = strtol(line, &end, 10);
	if (end == line || *end != '\0') { TRUTH(cli_bad_number);
		dprintf(2, "sum: %s: line %d: not a number\n", name, k);
		return -1;
	}
	return 0;
}

static void cmd_sum(const char *name)
{
	char buf[1024], res[64], *line, *next;
	long sum = 0, v;
	int fd = open_file("sum", name), n, k = 1;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (line = buf; *line; line = next, k++) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (parse_number(name, k, line, &v))
			return;
		sum += v;
	}
	out(res, snprintf(res, sizeof(res), "sum %ld\n", sum));
}

static void run(char *line)
{
	char *arg = strchr(line, ' ');

	if (arg)
		*arg++ = '\0';
	else
		arg = "";
	if (!strcmp(line, "price") && !*arg)
		cmd_price();
	else if (!strcmp(line, "cat") && *arg && !strchr(arg, '/'))
		cmd_cat(arg);
	else if (!strcmp(line, "sum") && *arg && !strchr(arg, '/'))
		cmd_sum(arg);
	else if (*line)
		dprintf(2, "cli: unknown command\n");
}

int main(int argc, char **argv)
{
	char buf[4096], *line, *next;
	int n;

	if (argc != 3) {
		fprintf(stderr, "usage: suite_cli DIR TTL_MS\n");
		return 2;
	}
	if (chdir(argv[1])) {
		perror(argv[1]);
		return 1;
	}
	ttl_ms = atoll(argv[2]);
	drop_dac();
	load_price();
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		n = read(0, buf, sizeof(buf) - 1);
		if (n <= 0)
			return n < 0;
		buf[n] = '\0';
		for (line = buf; *line; line = next) {
			next = line + strcspn(line, "\n");
			if (*next)
				*next++ = '\0';
			line[strcspn(line, "\r")] = '\0';
			run(line);
		}
	}
}
