// SPDX-License-Identifier: GPL-2.0
/*
 * A target for the fork tests.  It prints "sites SITE", waits for one
 * number x on stdin, runs check_branch(x) and prints
 *   "<pid> <lt|ge> <regs-ok|regs-bad> flags=<hex>"
 * and exits.  check_branch() compares x with 10, loads a known value into
 * every general-purpose register but rsp, and branches at SITE (jl: to
 * "lt" when x < 10).  On both sides it stores the flags (CF PF AF ZF SF
 * OF) and checks every register, so a probe forked at SITE shows whether
 * its registers and flags are exactly what the program had.
 */
#include <stdio.h>
#include <unistd.h>

extern const char site_fork[];
long check_branch(long x);	/* bit 0: jumped; bit 1: a register differed */
unsigned long seen_flags;

asm(".text\n"
    ".globl check_branch\n"
    ".type check_branch, @function\n"
    "check_branch:\n\t"
    "push %rbx\n\t push %rbp\n\t push %r12\n\t push %r13\n\t push %r14\n\t push %r15\n\t"
    "movq $0, side(%rip)\n\t"
    "cmp $10, %rdi\n\t"
    /* mov leaves the flags alone */
    "movabs $0x1111111111111111, %rbx\n\t"
    "movabs $0x2222222222222222, %rbp\n\t"
    "movabs $0x3333333333333333, %r12\n\t"
    "movabs $0x4444444444444444, %r13\n\t"
    "movabs $0x5555555555555555, %r14\n\t"
    "movabs $0x6666666666666666, %r15\n\t"
    "movabs $0x7777777777777777, %rdi\n\t"
    "movabs $0x8888888888888888, %rsi\n\t"
    "movabs $0x9999999999999999, %rdx\n\t"
    "movabs $0xaaaaaaaaaaaaaaaa, %r8\n\t"
    "movabs $0xbbbbbbbbbbbbbbbb, %r9\n\t"
    "movabs $0xcccccccccccccccc, %r10\n\t"
    "movabs $0xdddddddddddddddd, %r11\n\t"
    "movabs $0xeeeeeeeeeeeeeeee, %rcx\n\t"
    "movabs $0x0123456789abcdef, %rax\n"
    ".globl site_fork\n"
    "site_fork:\n\t"
    "jl 1f\n\t"
    "jmp 2f\n"
    "1:\n\t"
    "movq $1, side(%rip)\n"
    "2:\n\t"
    "pushfq\n\t"
    "popq seen_flags(%rip)\n\t"
    "movq %rax, saved_rax(%rip)\n\t"
    "movabs $0x0123456789abcdef, %rax\n\t cmp %rax, saved_rax(%rip)\n\t jne 3f\n\t"
    "movabs $0x1111111111111111, %rax\n\t cmp %rax, %rbx\n\t jne 3f\n\t"
    "movabs $0x2222222222222222, %rax\n\t cmp %rax, %rbp\n\t jne 3f\n\t"
    "movabs $0x3333333333333333, %rax\n\t cmp %rax, %r12\n\t jne 3f\n\t"
    "movabs $0x4444444444444444, %rax\n\t cmp %rax, %r13\n\t jne 3f\n\t"
    "movabs $0x5555555555555555, %rax\n\t cmp %rax, %r14\n\t jne 3f\n\t"
    "movabs $0x6666666666666666, %rax\n\t cmp %rax, %r15\n\t jne 3f\n\t"
    "movabs $0x7777777777777777, %rax\n\t cmp %rax, %rdi\n\t jne 3f\n\t"
    "movabs $0x8888888888888888, %rax\n\t cmp %rax, %rsi\n\t jne 3f\n\t"
    "movabs $0x9999999999999999, %rax\n\t cmp %rax, %rdx\n\t jne 3f\n\t"
    "movabs $0xaaaaaaaaaaaaaaaa, %rax\n\t cmp %rax, %r8\n\t jne 3f\n\t"
    "movabs $0xbbbbbbbbbbbbbbbb, %rax\n\t cmp %rax, %r9\n\t jne 3f\n\t"
    "movabs $0xcccccccccccccccc, %rax\n\t cmp %rax, %r10\n\t jne 3f\n\t"
    "movabs $0xdddddddddddddddd, %rax\n\t cmp %rax, %r11\n\t jne 3f\n\t"
    "movabs $0xeeeeeeeeeeeeeeee, %rax\n\t cmp %rax, %rcx\n\t jne 3f\n\t"
    "mov side(%rip), %rax\n\t"
    "jmp 4f\n"
    "3:\n\t"
    "mov side(%rip), %rax\n\t"
    "or $2, %rax\n"
    "4:\n\t"
    "pop %r15\n\t pop %r14\n\t pop %r13\n\t pop %r12\n\t pop %rbp\n\t pop %rbx\n\t"
    "ret\n"
    ".size check_branch, .-check_branch\n"
    ".local side, saved_rax\n"
    ".comm side, 8, 8\n"
    ".comm saved_rax, 8, 8\n");

int main(void)
{
	long x, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sites %p\n", (void *)site_fork);
	if (scanf("%ld", &x) != 1)
		return 1;
	r = check_branch(x);
	/* CF PF AF ZF SF OF, as cmp left them */
	printf("%d %s %s flags=%#lx\n", getpid(), (r & 1) ? "lt" : "ge",
	       (r & 2) ? "regs-bad" : "regs-ok", seen_flags & 0x8d5);
	return 0;
}
