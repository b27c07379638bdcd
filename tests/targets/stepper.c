// SPDX-License-Identifier: GPL-2.0
/*
 * A target for the single-step tests, with one site.  It prints
 * "sites SITE", then answers each line of stdin:
 *   a number x  prints classify(x), bit 0 set when x < 10 (SITE is the jge);
 *   "f"         forks a child that goes through SITE 100 times and exits
 *               0, reaps it and prints its wait status;
 *   "s"         starts 4 threads that go through SITE until "j", prints
 *               "started" once each went through it;
 *   "j"         stops and joins them, prints "joined";
 *   "e"         execs itself (which prints "sites SITE" again).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#define NTHREADS 4

extern const char site_step[];
static atomic_int started, stop;

int classify(long x);	/* 1 when x < 10, through SITE */
asm(".text\n"
    ".globl classify\n"
    ".type classify, @function\n"
    "classify:\n\t"
    "xor %eax, %eax\n\t"
    "cmp $10, %rdi\n"
    ".globl site_step\n"
    "site_step:\n\t"
    "jge 1f\n\t"
    "mov $1, %eax\n"
    "1:\n\t"
    "ret\n"
    ".size classify, .-classify\n");

static void *spin(void *arg __attribute__((unused)))
{
	long i, sum = 0;

	sum += classify(3);
	atomic_fetch_add(&started, 1);
	for (i = 0; !atomic_load(&stop); i++)
		sum += classify(i & 15);
	return (void *)sum;
}

static int fork_child(void)
{
	int i, status, sum = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		for (i = 0; i < 100; i++)
			sum += classify(i);
		_exit(sum == 10 ? 0 : 1);	/* 0..9 set bit 0 */
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int main(int argc __attribute__((unused)), char **argv)
{
	pthread_t t[NTHREADS];
	char line[64];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sites %p\n", (void *)site_step);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "f\n")) {
			printf("%d\n", fork_child());
		} else if (!strcmp(line, "s\n")) {
			atomic_store(&stop, 0);
			atomic_store(&started, 0);
			for (i = 0; i < NTHREADS; i++)
				pthread_create(&t[i], NULL, spin, NULL);
			while (atomic_load(&started) < NTHREADS)
				usleep(1000);
			printf("started\n");
		} else if (!strcmp(line, "e\n")) {
			execv(argv[0], argv);
			printf("exec failed\n");
		} else if (!strcmp(line, "j\n")) {
			atomic_store(&stop, 1);
			for (i = 0; i < NTHREADS; i++)
				pthread_join(t[i], NULL);
			printf("joined\n");
		} else {
			printf("%d\n", classify(atol(line)));
		}
	}
	return 0;
}
