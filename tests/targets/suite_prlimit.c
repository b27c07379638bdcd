// SPDX-License-Identifier: GPL-2.0
/*
 * suite_prlimit: busybox has no prlimit, so tests/suite/scenario.sh uses
 * this.  "suite_prlimit PID [SOFT]" prints PID's RLIMIT_NOFILE as
 * "SOFT HARD" (before any change) and, with SOFT, sets its soft limit
 * (the hard one stays).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	struct rlimit old, lim;
	pid_t pid;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: suite_prlimit PID [SOFT]\n");
		return 2;
	}
	pid = atoi(argv[1]);
	if (prlimit(pid, RLIMIT_NOFILE, NULL, &old)) {
		perror("suite_prlimit");
		return 1;
	}
	printf("%llu %llu\n", (unsigned long long)old.rlim_cur,
	       (unsigned long long)old.rlim_max);
	if (argc == 3) {
		lim.rlim_cur = strtoull(argv[2], NULL, 10);
		lim.rlim_max = old.rlim_max;
		if (prlimit(pid, RLIMIT_NOFILE, &lim, NULL)) {
			perror("suite_prlimit");
			return 1;
		}
	}
	return 0;
}
