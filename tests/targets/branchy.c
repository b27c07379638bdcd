// SPDX-License-Identifier: GPL-2.0
/*
 * A target with known control flow for the branch-site tests.  It prints
 * "sites LT EVEN NOTJCC DATA" (addresses), then for each number x read
 * from stdin prints classify(x):
 *   bit 0 set when x < 10   (site LT:   jge, jcc rel8, taken when x >= 10)
 *   bit 1 set when x is even (site EVEN: jnz, jcc rel32, taken when odd)
 * NOTJCC is an instruction that is not a jump; DATA is not executable.
 */
#include <stdio.h>

extern const char site_lt[], site_even[], site_notjcc[];
long data_word = 42;

static int classify(long x)
{
	int r = 0;

	asm volatile("cmp $10, %[x]\n\t"
		     ".globl site_lt\n"
		     "site_lt:\n\t"
		     "jge 1f\n\t"
		     ".globl site_notjcc\n"
		     "site_notjcc:\n\t"
		     "or $1, %[r]\n"
		     "1:\n\t"
		     "test $1, %[x]\n\t"
		     ".globl site_even\n"
		     "site_even:\n\t"
		     "%{disp32%} jnz 2f\n\t"
		     "or $2, %[r]\n"
		     "2:\n"
		     : [r] "+r" (r) : [x] "r" (x) : "cc");
	return r;
}

int main(void)
{
	long x;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sites %p %p %p %p\n", (void *)site_lt, (void *)site_even,
	       (void *)site_notjcc, (void *)&data_word);
	while (scanf("%ld", &x) == 1)
		printf("%d\n", classify(x));
	return 0;
}
