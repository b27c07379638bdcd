// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks that run in the guest, each against a baseline measured in
 * the same run.  Prints one line per record:
 *   BENCH name value unit baseline baseline_value guest
 * (tools/bench/run.sh turns them into bench.json).
 *
 *   kmod.load        insmod+rmmod of insight.ko   vs the trivial module
 *   kmod.genl.version VERSION round trip           vs nlctrl GETFAMILY
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "libinsight.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double load_unload_once_ms(const char *path, const char *name)
{
	double t0 = now_us();
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) ||
	    syscall(SYS_delete_module, name, O_NONBLOCK)) {
		fprintf(stderr, "bench: cannot load/unload %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	close(fd);
	return (now_us() - t0) / 1e3;
}

/*
 * Median load+unload time of @ko and of the trivial module @base, in
 * milliseconds, measured alternately so both see the same conditions.
 */
static void load_unload_ms(const char *ko, const char *base, int n,
			   double *v, double *bv)
{
	double a[64], b[64];
	int i;

	for (i = 0; i < n; i++) {
		b[i] = load_unload_once_ms(base, "insight_trivial");
		a[i] = load_unload_once_ms(ko, "insight");
	}
	*v = median(a, n);
	*bv = median(b, n);
}

/* Median round trip of a VERSION request, in microseconds. */
static double version_rtt_us(int n)
{
	struct insight_version v;
	struct insight_nl *h;
	double t[2048];
	int i;

	if (insight_nl_open(&h)) {
		fprintf(stderr, "bench: insight.ko not loaded\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (insight_version(h, &v))
			exit(1);
		t[i] = now_us() - t0;
	}
	insight_nl_close(h);
	return median(t, n);
}

/* Median round trip of the kernel's own nlctrl GETFAMILY, in microseconds. */
static double getfamily_rtt_us(int n)
{
	struct nl_sock *sk = nl_socket_alloc();
	double t[2048];
	int i;

	if (!sk || genl_connect(sk))
		exit(1);
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (genl_ctrl_resolve(sk, INSIGHT_GENL_NAME) < 0)
			exit(1);
		t[i] = now_us() - t0;
	}
	nl_socket_free(sk);
	return median(t, n);
}

static void record(const char *name, double v, const char *unit,
		   const char *base, double bv)
{
	printf("BENCH %s %.3f %s %s %.3f guest\n", name, v, unit, base, bv);
}

int main(int argc, char **argv)
{
	const char *ko = argc > 1 ? argv[1] : "/insight/insight.ko";
	const char *triv = argc > 2 ? argv[2] : "/insight/modules/insight_trivial.ko";
	double base, v;
	int fd;

	load_unload_ms(ko, triv, 21, &v, &base);
	record("kmod.load", v, "ms", "trivial_module.load", base);

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
		perror("bench: load insight.ko");
		return 1;
	}
	close(fd);
	base = getfamily_rtt_us(1001);
	v = version_rtt_us(1001);
	record("kmod.genl.version", v, "us", "nlctrl.getfamily", base);
	syscall(SYS_delete_module, "insight", O_NONBLOCK);
	return 0;
}
