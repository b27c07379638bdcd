// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit (ia32) process for deny_test: ATTACH must refuse it.  Built
 * with -m32 -nostdlib (no 32-bit libc is needed): it pauses until killed.
 */
void _start(void)
{
	for (;;)
		__asm__ volatile("int $0x80" : : "a"(29) : "memory");	/* pause() */
}
