// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark target: "branch_target N MODE [MiB]".  Prints "sites ADDR" and
 * the mode, waits for a line on stdin, runs N iterations of a loop whose
 * only conditional jump of note is at ADDR, prints the nanoseconds per
 * iteration and exits.  The jump at ADDR (jz) is taken in normal
 * iterations; a probe sent the other way runs exit_path and exits at once.
 *   MODE plain: nothing else;  MODE fork: each iteration calls fork() and
 *   the child exits at once (the baseline of insight.ko's fork).
 * With MiB, that much memory is made resident first.  SIGCHLD is ignored
 * so every child is reaped by the kernel.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern const char bench_site[];
int one_step(long zero);	/* 0 on the taken side; the other side exits */

asm(".text\n"
    ".globl one_step\n"
    ".type one_step, @function\n"
    "one_step:\n\t"
    "test %rdi, %rdi\n"
    ".globl bench_site\n"
    "bench_site:\n\t"
    "jz 1f\n\t"
    "mov $60, %eax\n\t"		/* exit(0): the deviated side ends here */
    "xor %edi, %edi\n\t"
    "syscall\n"
    "1:\n\t"
    "xor %eax, %eax\n\t"
    "ret\n"
    ".size one_step, .-one_step\n");

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, i;
	int do_fork = argc > 2 && !strcmp(argv[2], "fork");
	long mib = argc > 3 ? atol(argv[3]) : 0;
	char line[16];
	long long t0;
	char *mem;

	signal(SIGCHLD, SIG_IGN);
	if (mib) {
		mem = malloc(mib << 20);
		if (!mem)
			return 1;
		memset(mem, 1, mib << 20);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sites %p\n", (void *)bench_site);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (do_fork) {
			pid_t pid = fork();

			if (!pid)
				_exit(0);
		}
		one_step(0);
	}
	printf("%lld\n", (now_ns() - t0) / n);
	return 0;
}
