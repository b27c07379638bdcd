/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a syscall's function goes when an injection makes it return at
 * once (kmod/inject.c): the kprobe at its entry sets ax and ip to here,
 * and the function's caller gets ax.  As the kernel's own
 * just_return_func (arch/x86/lib/error-inject.c, not built in Debian's
 * 6.1: CONFIG_FUNCTION_ERROR_INJECTION is off).
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

SYM_FUNC_START(insight_inject_return)
	RET
SYM_FUNC_END(insight_inject_return)
