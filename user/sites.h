/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding branch sites without source: the conditional jumps of a
 * process's main executable (or of a shared object it maps), found by
 * disassembling the executable sections with capstone, and symbolised
 * with libdw (symbols; source lines when debug info exists).
 */
#ifndef INSIGHT_SITES_H
#define INSIGHT_SITES_H

#include <stdint.h>
#include <sys/types.h>

struct insight_jcc {
	uint64_t addr;		/* in the process */
	uint64_t target;	/* where it jumps */
	char mnemonic[32];
	char func[64];		/* symbol; without one "fn_START" (the function's
				 * file address, from its call frame
				 * information); "" when unknown */
	uint64_t func_off;
	char src[96];		/* "file.c:42", or "" without debug info */
	int cls;		/* an enum insight_jcc_class */
	char callee[48];	/* the call whose result the condition uses */
	char cond[64];		/* the instruction that set the flags */
};

/*
 * What a jump's condition depends on, found by following its operands
 * back from the flag-setting instruction to a call (static, within the
 * straight-line code before the jump):
 */
enum insight_jcc_class {
	INSIGHT_JCC_NONE,	/* nothing found */
	INSIGHT_JCC_CALL,	/* the result of a call of the program */
	INSIGHT_JCC_DATA,	/* a comparison or parse of bytes (strcmp, atoi...) */
	INSIGHT_JCC_ENV,	/* a syscall, the clock, a file or peer (open, poll...) */
};

/* "none", "call", "data" or "environment": an enum insight_jcc_class's name */
static inline const char *insight_jcc_class_name(int cls)
{
	static const char *const n[] = { "none", "call", "data", "environment" };

	return cls >= 0 && cls < 4 ? n[cls] : "none";
}

/*
 * The conditional jumps (those insight.ko traps: jcc rel8 and rel32) of
 * @pid's executable, or of its mapped object whose file name contains
 * @lib.  *out is malloc'ed.  On error, -errno and a one-line reason.
 */
int insight_find_jccs(pid_t pid, const char *lib, struct insight_jcc **out,
		      size_t *n, char *why, size_t whylen);

#endif /* INSIGHT_SITES_H */
