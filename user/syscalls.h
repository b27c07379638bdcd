/* SPDX-License-Identifier: GPL-2.0 */
/* x86_64 syscall names (table generated from asm/unistd_64.h). */
#ifndef INSIGHT_SYSCALLS_H
#define INSIGHT_SYSCALLS_H

#define INSIGHT_NR_SYSCALLS 512

extern const char *const insight_syscall_names[INSIGHT_NR_SYSCALLS];

/* The name of syscall @nr, or NULL. */
static inline const char *insight_syscall_name(long nr)
{
	return nr >= 0 && nr < INSIGHT_NR_SYSCALLS ? insight_syscall_names[nr] : 0;
}

#endif /* INSIGHT_SYSCALLS_H */
