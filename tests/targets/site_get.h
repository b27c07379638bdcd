/* SPDX-License-Identifier: GPL-2.0 */
/*
 * is_get(c): 1 when @c is 'G'.  Its one conditional jump is at site_get,
 * the site the targets that include this print.
 */
#ifndef INSIGHT_TARGET_SITE_GET_H
#define INSIGHT_TARGET_SITE_GET_H

extern const char site_get[];
int is_get(int c);

asm(".text\n"
    ".globl is_get\n"
    ".type is_get, @function\n"
    "is_get:\n\t"
    "xor %eax, %eax\n\t"
    "cmp $'G', %edi\n"
    ".globl site_get\n"
    "site_get:\n\t"
    "jne 1f\n\t"
    "mov $1, %eax\n"
    "1:\n\t"
    "ret\n"
    ".size is_get, .-is_get\n");

#endif /* INSIGHT_TARGET_SITE_GET_H */
