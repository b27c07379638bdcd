// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace equivalent of insight.ko's fork at a branch, the baseline of
 * kmod.fork.small.vs_ptrace:
 *   ptrace_fork TARGET N
 * runs "TARGET N plain", and at every hit of its site (an int3 the tracer
 * writes there) stops it, injects fork() through a syscall instruction
 * written over the site, restores text and registers in parent and child,
 * sends the child the other way (where it exits) and resumes the parent.
 * Prints the target's nanoseconds per iteration.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

static void die(const char *what)
{
	fprintf(stderr, "ptrace_fork: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long peek(pid_t pid, unsigned long addr)
{
	long v;

	errno = 0;
	v = ptrace(PTRACE_PEEKTEXT, pid, addr, 0);
	if (errno)
		die("peek");
	return v;
}

static void poke(pid_t pid, unsigned long addr, long v)
{
	if (ptrace(PTRACE_POKETEXT, pid, addr, v))
		die("poke");
}

static int wait_stop(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, __WALL) != pid)
		die("waitpid");
	if (!WIFSTOPPED(status)) {
		fprintf(stderr, "ptrace_fork: %d did not stop (%#x)\n", pid, status);
		exit(1);
	}
	return status;
}

int main(int argc, char **argv)
{
	int in[2], out[2], status;
	unsigned long site, target, msg;
	long orig, n = argc > 2 ? atol(argv[2]) : 100;
	struct user_regs_struct regs, saved;
	char line[64], nbuf[32];
	FILE *fin, *fout;
	pid_t pid, child;
	long i;

	if (argc < 3 || pipe(in) || pipe(out))
		return 2;
	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	pid = fork();
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(argv[1], argv[1], nbuf, "plain", NULL);
		_exit(127);
	}
	fin = fdopen(in[1], "w");
	fout = fdopen(out[0], "r");
	if (!fgets(line, sizeof(line), fout) || sscanf(line, "sites %lx", &site) != 1)
		return 1;
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEFORK | PTRACE_O_EXITKILL))
		die("seize");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0))
		die("interrupt");
	wait_stop(pid);
	orig = peek(pid, site);
	/* jz rel8 at site: its target */
	target = site + 2 + (signed char)((orig >> 8) & 0xff);
	poke(pid, site, (orig & ~0xffL) | 0xcc);
	if (ptrace(PTRACE_CONT, pid, 0, 0))
		die("cont");
	fputs("go\n", fin);
	fflush(fin);

	for (i = 0; i < n; i++) {
		wait_stop(pid);		/* the int3 at site */
		if (ptrace(PTRACE_GETREGS, pid, 0, &saved))
			die("getregs");
		/* inject fork(): "syscall" over the site, then single-step it */
		poke(pid, site, (orig & ~0xffffL) | 0x050f);
		regs = saved;
		regs.rip = site;
		regs.rax = 57;	/* __NR_fork */
		if (ptrace(PTRACE_SETREGS, pid, 0, &regs) ||
		    ptrace(PTRACE_SINGLESTEP, pid, 0, 0))
			die("inject");
		status = wait_stop(pid);	/* PTRACE_EVENT_FORK */
		if (status >> 8 != (SIGTRAP | (PTRACE_EVENT_FORK << 8)))
			die("no fork event");
		if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg))
			die("eventmsg");
		child = msg;
		wait_stop(child);		/* the new child's first stop */
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0))
			die("step");
		wait_stop(pid);			/* after the syscall */
		/* child: original text, saved registers, the other direction */
		poke(child, site, orig);
		saved.rip = site + 2;
		if (ptrace(PTRACE_SETREGS, child, 0, &saved) ||
		    ptrace(PTRACE_DETACH, child, 0, 0))
			die("child");
		/* parent: breakpoint back, saved registers, the jump taken */
		poke(pid, site, (orig & ~0xffL) | 0xcc);
		saved.rip = target;
		if (ptrace(PTRACE_SETREGS, pid, 0, &saved) ||
		    ptrace(PTRACE_CONT, pid, 0, 0))
			die("parent");
	}
	if (!fgets(line, sizeof(line), fout))
		return 1;
	fputs(line, stdout);
	waitpid(pid, &status, __WALL);
	return 0;
}
