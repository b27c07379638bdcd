// SPDX-License-Identifier: GPL-2.0
/*
 * include/insight/jcc.h against the real CPU and the assembler: for each
 * of the 16 condition codes and every combination of CF, PF, AF, ZF, SF
 * and OF, the evaluator's answer is what the jcc instruction does with
 * RFLAGS loaded so; the decoder finds the condition, length and both
 * directions of rel8 and rel32 jumps and refuses anything else.
 */
#include <stdbool.h>
#include <stdint.h>
#include <insight/jcc.h>

#include "kselftest_harness.h"

/* the status flags a test sets; jcc reads all but AF */
#define STATUS (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
		X86_EFLAGS_SF | X86_EFLAGS_OF)
#define STATUS_BITS 6

/* the status flags of combination @i (0 to 63) */
static uint64_t combo(unsigned int i)
{
	static const uint64_t bit[STATUS_BITS] = {
		X86_EFLAGS_CF, X86_EFLAGS_PF, X86_EFLAGS_AF,
		X86_EFLAGS_ZF, X86_EFLAGS_SF, X86_EFLAGS_OF,
	};
	uint64_t f = 0;
	unsigned int b;

	for (b = 0; b < STATUS_BITS; b++)
		if (i & (1u << b))
			f |= bit[b];
	return f;
}

/*
 * Whether the CPU's @insn jumps with the status flags @set (the others
 * as they are).  The red zone below %rsp may hold the compiler's data:
 * step over it before pushing.
 */
#define CPU_JCC(insn)							\
static bool cpu_##insn(uint64_t set)					\
{									\
	uint32_t taken;							\
									\
	asm volatile("lea -128(%%rsp), %%rsp\n\t"			\
		     "pushfq\n\t"					\
		     "pushfq\n\t"					\
		     "andq %[keep], (%%rsp)\n\t"			\
		     "orq %[set], (%%rsp)\n\t"				\
		     "popfq\n\t"					\
		     #insn " 1f\n\t"					\
		     "movl $0, %[taken]\n\t"				\
		     "jmp 2f\n"						\
		     "1:\tmovl $1, %[taken]\n"				\
		     "2:\tpopfq\n\t"					\
		     "lea 128(%%rsp), %%rsp"				\
		     : [taken] "=&r" (taken)				\
		     : [set] "r" (set), [keep] "r" (~(uint64_t)STATUS)	\
		     : "cc", "memory");					\
	return taken;							\
}

CPU_JCC(jo)
CPU_JCC(jno)
CPU_JCC(jb)
CPU_JCC(jae)
CPU_JCC(je)
CPU_JCC(jne)
CPU_JCC(jbe)
CPU_JCC(ja)
CPU_JCC(js)
CPU_JCC(jns)
CPU_JCC(jp)
CPU_JCC(jnp)
CPU_JCC(jl)
CPU_JCC(jge)
CPU_JCC(jle)
CPU_JCC(jg)

/* by condition code: 0x70 + cc is jo, jno, ... jg */
static const struct {
	const char *name;
	bool (*run)(uint64_t set);
} cpu[16] = {
	{ "jo", cpu_jo }, { "jno", cpu_jno }, { "jb", cpu_jb }, { "jae", cpu_jae },
	{ "je", cpu_je }, { "jne", cpu_jne }, { "jbe", cpu_jbe }, { "ja", cpu_ja },
	{ "js", cpu_js }, { "jns", cpu_jns }, { "jp", cpu_jp }, { "jnp", cpu_jnp },
	{ "jl", cpu_jl }, { "jge", cpu_jge }, { "jle", cpu_jle }, { "jg", cpu_jg },
};

TEST(evaluator_matches_the_cpu_for_every_condition_and_flags)
{
	unsigned int cc, i, wrong = 0;

	for (cc = 0; cc < 16; cc++) {
		for (i = 0; i < 1u << STATUS_BITS; i++) {
			bool want = cpu[cc].run(combo(i));

			if (insight_jcc_taken(cc, combo(i)) == want)
				continue;
			TH_LOG("%s with flags %#llx: cpu %d, header %d", cpu[cc].name,
			       (unsigned long long)combo(i), want, !want);
			wrong++;
		}
	}
	EXPECT_EQ(0, wrong);
}

TEST(odd_condition_is_the_negation_of_the_even_one_before_it)
{
	unsigned int cc, i;

	for (cc = 0; cc < 16; cc += 2)
		for (i = 0; i < 1u << STATUS_BITS; i++)
			EXPECT_NE(insight_jcc_taken(cc, combo(i)),
				  insight_jcc_taken(cc + 1, combo(i)));
}

TEST(evaluator_ignores_flags_other_than_cf_pf_zf_sf_of)
{
	uint64_t other = ~(uint64_t)(STATUS & ~X86_EFLAGS_AF);
	unsigned int cc, i;

	for (cc = 0; cc < 16; cc++)
		for (i = 0; i < 1u << STATUS_BITS; i++)
			EXPECT_EQ(insight_jcc_taken(cc, combo(i)),
				  insight_jcc_taken(cc, combo(i) | other));
}

/* encoded jumps and what decoding them at @addr gives */
static const struct {
	const char *what;
	uint8_t insn[6];
	uint64_t addr;
	int len;
	uint8_t cc;
	uint64_t target;
} jumps[] = {
	{ "je +0x10: rel8 forward", { 0x74, 0x10 }, 0x401000, 2, 0x4, 0x401012 },
	{ "jg -128: rel8 backward, sign-extended", { 0x7f, 0x80 }, 0x401000, 2, 0xf,
	  0x401002 - 128 },
	{ "jne +0x12345678: rel32 little-endian, high address",
	  { 0x0f, 0x85, 0x78, 0x56, 0x34, 0x12 }, 0x7f0000001000ull, 6, 0x5,
	  0x7f0000001006ull + 0x12345678 },
	{ "jo -6: rel32 backward, to itself", { 0x0f, 0x80, 0xfa, 0xff, 0xff, 0xff },
	  0x401000, 6, 0x0, 0x401000 },
};

TEST(decode_gives_condition_length_and_both_directions)
{
	unsigned int i;

	for (i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		struct insight_jcc_insn j = { 0 };
		int n = insight_jcc_decode(jumps[i].insn, sizeof(jumps[i].insn),
					   jumps[i].addr, &j);

		EXPECT_TRUE(n == jumps[i].len && j.len == n && j.cc == jumps[i].cc &&
			    j.next == jumps[i].addr + n && j.target == jumps[i].target)
			TH_LOG("%s: length %d cc %u next %#llx target %#llx", jumps[i].what,
			       n, j.cc, (unsigned long long)j.next,
			       (unsigned long long)j.target);
	}
}

TEST(every_condition_code_is_the_opcode_low_nibble)
{
	struct insight_jcc_insn j;
	uint8_t b[6] = { 0 };
	unsigned int cc;

	for (cc = 0; cc < 16; cc++) {
		b[0] = 0x70 + cc;
		ASSERT_EQ(2, insight_jcc_decode(b, 2, 0, &j));
		EXPECT_EQ(cc, j.cc);
		b[0] = 0x0f;
		b[1] = 0x80 + cc;
		ASSERT_EQ(6, insight_jcc_decode(b, 6, 0, &j));
		EXPECT_EQ(cc, j.cc);
		b[1] = 0;
	}
}

TEST(prefixed_jcc_is_refused)
{
	static const uint8_t prefixes[] = { 0x66, 0x67, 0x2e, 0x3e, 0xf2, 0xf3, 0x48, 0x40 };
	struct insight_jcc_insn j;
	unsigned int i;

	for (i = 0; i < sizeof(prefixes); i++) {
		uint8_t rel8[] = { prefixes[i], 0x74, 0x10 };
		uint8_t rel32[] = { prefixes[i], 0x0f, 0x84, 0x10, 0, 0, 0 };

		EXPECT_EQ(0, insight_jcc_decode(rel8, sizeof(rel8), 0, &j));
		EXPECT_EQ(0, insight_jcc_decode(rel32, sizeof(rel32), 0, &j));
	}
}

TEST(other_branches_and_two_byte_opcodes_are_refused)
{
	static const uint8_t other[][6] = {
		{ 0xeb, 0x10 },				/* jmp rel8 */
		{ 0xe9, 0x10, 0, 0, 0 },		/* jmp rel32 */
		{ 0xe3, 0x10 },				/* jrcxz */
		{ 0xe2, 0x10 },				/* loop */
		{ 0x0f, 0x94, 0xc0 },			/* sete %al */
		{ 0x0f, 0x7f, 0xc0 },			/* movq %mm0, %mm0 */
		{ 0x0f, 0x05 },				/* syscall */
		{ 0x6f },				/* outsl */
	};
	struct insight_jcc_insn j;
	unsigned int i;

	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		EXPECT_EQ(0, insight_jcc_decode(other[i], sizeof(other[i]), 0, &j));
}

TEST(jcc_cut_short_is_refused)
{
	static const uint8_t rel8[] = { 0x74, 0x10 };
	static const uint8_t rel32[] = { 0x0f, 0x84, 0x10, 0, 0, 0 };
	struct insight_jcc_insn j;

	EXPECT_EQ(0, insight_jcc_decode(rel8, 0, 0, &j));
	EXPECT_EQ(0, insight_jcc_decode(rel8, 1, 0, &j));
	EXPECT_EQ(0, insight_jcc_decode(rel32, 2, 0, &j));
	EXPECT_EQ(0, insight_jcc_decode(rel32, 5, 0, &j));
}

TEST(condition_needs_only_the_opcode_bytes)
{
	static const uint8_t jl32[] = { 0x0f, 0x8c };
	static const uint8_t hinted[] = { 0x3e, 0x74 };
	static const uint8_t jb8[] = { 0x72 };

	EXPECT_EQ(0x2, insight_jcc_cond(jb8, 1));
	EXPECT_EQ(0xc, insight_jcc_cond(jl32, 2));
	EXPECT_EQ(-1, insight_jcc_cond(jl32, 1));
	EXPECT_EQ(-1, insight_jcc_cond(jb8, 0));
	EXPECT_EQ(-1, insight_jcc_cond(hinted, 2));
}

TEST(branch_hints_are_counted_and_nothing_else)
{
	static const uint8_t hinted[] = { 0x3e, 0x2e, 0x74, 0x10 };
	static const uint8_t opsize[] = { 0x66, 0x74, 0x10 };
	static const uint8_t only[] = { 0x3e, 0x3e };
	struct insight_jcc_insn j;

	ASSERT_EQ(2, insight_jcc_hints(hinted, sizeof(hinted)));
	ASSERT_EQ(2, insight_jcc_decode(hinted + 2, sizeof(hinted) - 2, 0x1002, &j));
	EXPECT_EQ(0x1014, j.target);
	EXPECT_EQ(0, insight_jcc_hints(opsize, sizeof(opsize)));
	EXPECT_EQ(2, insight_jcc_hints(only, sizeof(only)));
	EXPECT_EQ(0, insight_jcc_decode(only + 2, 0, 0, &j));
}

/*
 * Jumps the assembler encoded, with their targets as symbols: a rel8
 * forward and a rel32 ({disp32}) backward.  Never run, only read.
 */
extern const uint8_t asm_rel8[], asm_rel8_to[], asm_rel32[], asm_rel32_to[];
asm(".pushsection .text.jcc_test, \"ax\"\n"
    "asm_rel32_to:\n\tnop\n"
    "asm_rel8:\n\tjne asm_rel8_to\n\tnop\n\tnop\n"
    "asm_rel8_to:\n\tnop\n"
    "asm_rel32:\n\t{disp32} jg asm_rel32_to\n"
    ".popsection");

TEST(decoder_agrees_with_the_assembler)
{
	struct insight_jcc_insn j;

	ASSERT_EQ(2, insight_jcc_decode(asm_rel8, 6, (uintptr_t)asm_rel8, &j));
	EXPECT_EQ(0x5, j.cc);
	EXPECT_EQ((uintptr_t)asm_rel8_to, j.target);
	EXPECT_EQ((uintptr_t)asm_rel8 + 2, j.next);
	ASSERT_EQ(6, insight_jcc_decode(asm_rel32, 6, (uintptr_t)asm_rel32, &j));
	EXPECT_EQ(0xf, j.cc);
	EXPECT_EQ((uintptr_t)asm_rel32_to, j.target);
	EXPECT_EQ((uintptr_t)asm_rel32 + 6, j.next);
}

TEST_HARNESS_MAIN
