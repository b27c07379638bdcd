// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile target for the fork-token tests: it tries to end insight.ko's
 * splits from the wrong thread.  It prints "sites SITE", reads
 * "PASSES VICTIM" on stdin and runs PASSES times through a conditional
 * jump at SITE (a probe forked there goes the other way and exits 0 at
 * once), until it has been caught HITS times in the fork trampoline.  A
 * profiling timer signals it, mostly while the kernel handles its traps:
 * when the signal finds it in the trampoline (between its split and its
 * clone), the handler hands the fork record's id (rbx) to a second
 * thread, which jumps to the trampoline's resume point with that id and
 * a few guessed ones, rax holding VICTIM's pid as a clone() would return
 * it.  Each forged entry must be ignored by the module and die on the
 * ud2 that follows (SIGILL, caught here).  At the end it prints
 *   "passes=N tramp=T forged=F caught=C"
 * and exits 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

extern const char site_fork[];
long branch(long x);	/* 1 when x < 10, through the jl at site_fork */

asm(".text\n"
    ".globl branch\n"
    ".type branch, @function\n"
    "branch:\n\t"
    "cmp $10, %rdi\n"
    ".globl site_fork\n"
    "site_fork:\n\t"
    "jl 1f\n\t"
    "xor %eax, %eax\n\t"
    "ret\n"
    "1:\n\t"
    "mov $1, %eax\n\t"
    "ret\n"
    ".size branch, .-branch\n");

#define GUESSES 4
#define HITS 3

static unsigned long tramp_lo, tramp_hi;
static long victim;
static atomic_int stop, forge_now, forge_done;
static atomic_ulong forge_id;
static atomic_long tramps, forged, caught;
static __thread sigjmp_buf forger_env;

/* The trampoline's mapping, by the name of its shmem file. */
static int find_tramp(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "insight-fork") &&
		    sscanf(line, "%lx-%lx", &tramp_lo, &tramp_hi) == 2)
			break;
	fclose(f);
	return tramp_hi ? 0 : -1;
}

static void on_prof(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned long ip = uc->uc_mcontext.gregs[REG_RIP];

	(void)sig;
	(void)si;
	if (!tramp_hi)
		find_tramp();
	if (!tramp_hi || ip < tramp_lo || ip >= tramp_hi)
		return;
	/* a split under way: the record's id is in rbx */
	tramps++;
	forge_id = uc->uc_mcontext.gregs[REG_RBX];
	forge_done = 0;
	forge_now = 1;
	while (!forge_done)
		sched_yield();
}

static void on_ill(int sig)
{
	(void)sig;
	caught++;
	siglongjmp(forger_env, 1);
}

/* Enter the trampoline at its resume point as if back from clone(). */
static void forge(unsigned long id)
{
	unsigned long resume = tramp_lo + 2;

	forged++;
	if (sigsetjmp(forger_env, 1))
		return;
	asm volatile("mov %0, %%rbx\n\t"
		     "mov %1, %%rax\n\t"
		     "jmp *%2\n"
		     : : "r"(id), "r"(victim), "r"(resume) : "rbx", "rax", "memory");
}

static void *forger(void *arg)
{
	unsigned long id, g;

	(void)arg;
	while (!stop) {
		if (forge_now) {
			id = forge_id;
			forge(id);
			for (g = 1; g <= GUESSES; g++)
				if (g != id)
					forge(g);
			forge_now = 0;
			forge_done = 1;
		}
		sched_yield();
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_prof, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction ill = { .sa_handler = on_ill, .sa_flags = SA_NODEFER };
	struct itimerval every = { { 0, 1000 }, { 0, 1000 } }, off = { 0 };
	long passes, i, n = 0;
	sigset_t prof;
	pthread_t th;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sites %p\n", (void *)site_fork);
	if (scanf("%ld %ld", &passes, &victim) != 2)
		return 1;
	sigaction(SIGPROF, &sa, NULL);
	sigaction(SIGILL, &ill, NULL);
	/* the forger never takes the timer's signal: only this thread does */
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &prof, NULL);
	if (pthread_create(&th, NULL, forger, NULL))
		return 1;
	pthread_sigmask(SIG_UNBLOCK, &prof, NULL);
	setitimer(ITIMER_PROF, &every, NULL);
	for (i = 0; i < passes && tramps < HITS; i++) {
		if (!branch(3))
			_exit(0);	/* a probe: the other direction */
		n++;
	}
	setitimer(ITIMER_PROF, &off, NULL);
	stop = 1;
	pthread_join(th, NULL);
	printf("passes=%ld tramp=%ld forged=%ld caught=%ld\n", n,
	       (long)tramps, (long)forged, (long)caught);
	return 0;
}
