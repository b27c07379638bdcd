// SPDX-License-Identifier: GPL-2.0
/*
 * A target for the cap tests: it prints "sites SITE", reads PASSES on
 * stdin and runs PASSES times through a conditional jump at SITE, in
 * whichever direction: a probe forked there loops on too, so that every
 * probe splits again at the next pass, all at once.  Then it prints
 * "done" and waits to be killed, so that no probe ever exits by itself.
 */
#include <stdio.h>
#include <unistd.h>

extern const char site_loop[];
long branch(long x);

asm(".text\n"
    ".globl branch\n"
    ".type branch, @function\n"
    "branch:\n\t"
    "xor %eax, %eax\n\t"
    "cmp $10, %rdi\n"
    ".globl site_loop\n"
    "site_loop:\n\t"
    "jl 1f\n\t"
    "ret\n"
    "1:\n\t"
    "inc %eax\n\t"
    "ret\n"
    ".size branch, .-branch\n");

int main(void)
{
	long passes, i, n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sites %p\n", (void *)site_loop);
	if (scanf("%ld", &passes) != 1)
		return 1;
	for (i = 0; i < passes; i++)
		n += branch(3);
	printf("done %d %ld\n", getpid(), n);
	for (;;)
		pause();
}
