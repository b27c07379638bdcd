/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names of an ELF file's PLT stubs (user/plt.c): a call to a stub is
 * a call to the function it imports (open64@plt: open64), which the
 * symbol tables of a stripped file do not say.
 */
#ifndef INSIGHT_PLT_H
#define INSIGHT_PLT_H

#include <stddef.h>
#include <stdint.h>
#include <gelf.h>

struct insight_plt_stub {
	uint64_t addr;		/* the stub's entry, biased like the code */
	const char *name;	/* in the ELF file's string table */
};

struct insight_plt {
	struct insight_plt_stub *stub;	/* sorted by address */
	size_t n;
};

/*
 * The stubs of @elf's .plt, .plt.sec and .plt.got sections, at @bias:
 * each one's indirect jump names the GOT slot a JUMP_SLOT or GLOB_DAT
 * relocation fills with an imported symbol.  0 or -ENOMEM; a file
 * without them gives none.  The names live as long as @elf.
 */
int insight_plt_load(Elf *elf, GElf_Addr bias, struct insight_plt *p);
/* The function the stub at @addr imports, or NULL. */
const char *insight_plt_name(const struct insight_plt *p, uint64_t addr);
void insight_plt_free(struct insight_plt *p);

#endif /* INSIGHT_PLT_H */
