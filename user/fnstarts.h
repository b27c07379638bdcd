/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an ELF file's functions start, from its .eh_frame_hdr search
 * table (user/fnstarts.c): stripped binaries keep it for unwinding, so a
 * function without a symbol can still be named by its start.
 */
#ifndef INSIGHT_FNSTARTS_H
#define INSIGHT_FNSTARTS_H

#include <stddef.h>
#include <stdint.h>
#include <gelf.h>

struct insight_fnstarts {
	uint64_t *start;	/* file addresses, sorted */
	size_t n;
};

/*
 * The function starts of @elf's .eh_frame_hdr table (GNU ld's encoding:
 * entries of two data-relative 4-byte values).  0 or -ENOMEM; a file
 * without such a table gives none.
 */
int insight_fnstarts_load(Elf *elf, struct insight_fnstarts *f);
/* The start of the function holding file address @addr, or 0 if unknown. */
uint64_t insight_fnstart_of(const struct insight_fnstarts *f, uint64_t addr);
void insight_fnstarts_free(struct insight_fnstarts *f);

#endif /* INSIGHT_FNSTARTS_H */
