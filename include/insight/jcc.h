/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 conditional jumps (jcc): decoding one and deciding, from RFLAGS,
 * whether it jumps.  One implementation for insight.ko (site traps and
 * single-step mode) and userspace (unit tests, the ptrace backend), the way
 * tools/arch/x86/lib/insn.c serves both objtool and perf: everything is
 * static inline on fixed-width types, and the header builds unchanged
 * under Kbuild and with gcc -std=gnu11 in userspace.
 *
 * Only the two forms insight traps are decoded: jcc rel8 (0x70-0x7F)
 * and jcc rel32 (0x0F 0x80-0x8F), in 64-bit mode.
 */
#ifndef _INSIGHT_JCC_H
#define _INSIGHT_JCC_H

#ifndef __KERNEL__
#include <stdbool.h>
#endif
#include <linux/types.h>
#include <asm/processor-flags.h>

/**
 * struct insight_jcc_insn - a decoded conditional jump
 * @next: address of the next instruction (where it goes when not taken)
 * @target: where it goes when taken
 * @cc: the condition code, the low nibble of the opcode
 * @len: length of the instruction in bytes, 2 (rel8) or 6 (rel32)
 */
struct insight_jcc_insn {
	__u64 next;
	__u64 target;
	__u8 cc;
	__u8 len;
};

/**
 * insight_jcc_taken() - whether a conditional jump jumps
 * @cc: condition code (0 to 15), the low nibble of 0x7X or 0x0F 0x8X
 * @flags: RFLAGS as the jump sees them
 *
 * The conditions of the Intel SDM (Vol. 2A, "Jcc"): each odd code is
 * the negation of the even code before it.  Only CF, PF, ZF, SF and OF
 * are read; AF and every other bit are ignored.
 *
 * Return: true when the jump is taken.
 */
static inline bool insight_jcc_taken(__u8 cc, __u64 flags)
{
	bool cf = flags & X86_EFLAGS_CF, pf = flags & X86_EFLAGS_PF;
	bool zf = flags & X86_EFLAGS_ZF, sf = flags & X86_EFLAGS_SF;
	bool of = flags & X86_EFLAGS_OF;
	/* the even codes: jo, jb, je, jbe, js, jp, jl, jle */
	const bool even[8] = {
		of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of,
	};

	return even[(cc >> 1) & 7] != (cc & 1);
}

/**
 * insight_jcc_cond() - the condition code of a conditional jump's opcode
 * @insn: the instruction's bytes
 * @len: how many bytes of @insn are valid
 *
 * Only the opcode is read (one byte for rel8, two for rel32): enough
 * for who needs the direction but not the target, as single-step mode.
 * Prefixes are refused, as by insight_jcc_decode().
 *
 * Return: the condition code (0 to 15), or -1 when @insn does not start
 * with 0x70-0x7F or 0x0F 0x80-0x8F.
 */
static inline int insight_jcc_cond(const __u8 *insn, __u32 len)
{
	if (len >= 1 && insn[0] >= 0x70 && insn[0] <= 0x7f)
		return insn[0] & 0xf;
	if (len >= 2 && insn[0] == 0x0f && insn[1] >= 0x80 && insn[1] <= 0x8f)
		return insn[1] & 0xf;
	return -1;
}

/**
 * insight_jcc_decode() - decode a conditional jump
 * @insn: the instruction's bytes
 * @len: how many bytes of @insn are valid
 * @addr: the address of @insn[0] in the program
 * @j: filled in on success
 *
 * Prefixes are refused: an operand-size prefix changes what a jcc does
 * (AMD truncates the target to 16 bits), and the sites insight is given
 * start at the opcode.  A caller that allows branch hints skips them
 * first with insight_jcc_hints().
 *
 * Return: the instruction's length (2 or 6), or 0 when @insn is not an
 * unprefixed jcc rel8 or rel32 or @len is too short for it.
 */
static inline int insight_jcc_decode(const __u8 *insn, __u32 len, __u64 addr,
				     struct insight_jcc_insn *j)
{
	int cc = insight_jcc_cond(insn, len);
	__s64 rel;

	if (cc < 0)
		return 0;
	if (insn[0] != 0x0f) {
		if (len < 2)
			return 0;
		j->len = 2;
		rel = (__s8)insn[1];
	} else {
		if (len < 6)
			return 0;
		j->len = 6;
		rel = (__s32)((__u32)insn[2] | (__u32)insn[3] << 8 |
			      (__u32)insn[4] << 16 | (__u32)insn[5] << 24);
	}
	j->cc = (__u8)cc;
	j->next = addr + j->len;
	j->target = j->next + (__u64)rel;
	return j->len;
}

/**
 * insight_jcc_hints() - count the branch-hint prefixes of an instruction
 * @insn: the instruction's bytes
 * @len: how many bytes of @insn are valid
 *
 * 0x2E (not taken) and 0x3E (taken) before a jcc are hints that do not
 * change where it goes.
 *
 * Return: the number of leading 0x2E and 0x3E bytes.
 */
static inline __u32 insight_jcc_hints(const __u8 *insn, __u32 len)
{
	__u32 i = 0;

	while (i < len && (insn[i] == 0x2e || insn[i] == 0x3e))
		i++;
	return i;
}

#endif /* _INSIGHT_JCC_H */
