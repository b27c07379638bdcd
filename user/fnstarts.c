// SPDX-License-Identifier: GPL-2.0
/*
 * Function starts from .eh_frame_hdr (see fnstarts.h).  The section
 * holds a version byte, the encodings of the .eh_frame pointer, of the
 * entry count and of the table, then that pointer, the count and the
 * table: one (initial location, FDE address) pair an FDE, sorted by
 * location, each value relative to the section's own address
 * (DW_EH_PE_datarel | DW_EH_PE_sdata4), which is how GNU ld writes it.
 * An FDE's initial location is its function's first instruction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fnstarts.h"

#define PE_UDATA4	0x03
#define PE_SDATA4	0x0b
#define PE_DATAREL_S4	0x3b

static int32_t s32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static Elf_Scn *find_section(Elf *elf, const char *want, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	const char *name;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		name = gelf_getshdr(scn, sh) ? elf_strptr(elf, shstrndx, sh->sh_name) : NULL;
		if (name && !strcmp(name, want))
			return scn;
	}
	return NULL;
}

int insight_fnstarts_load(Elf *elf, struct insight_fnstarts *f)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, ".eh_frame_hdr", &sh);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	const uint8_t *b;
	size_t count, i;

	memset(f, 0, sizeof(*f));
	if (!d || !d->d_buf || d->d_size < 12)
		return 0;
	b = d->d_buf;
	/* version 1; a 4-byte .eh_frame pointer and count; the table as ld writes it */
	if (b[0] != 1 || ((b[1] & 0x0f) != PE_UDATA4 && (b[1] & 0x0f) != PE_SDATA4) ||
	    b[2] != PE_UDATA4 || b[3] != PE_DATAREL_S4)
		return 0;
	count = (uint32_t)s32(b + 8);
	if (count > (d->d_size - 12) / 8)
		return 0;
	f->start = malloc((count ? count : 1) * sizeof(*f->start));
	if (!f->start)
		return -ENOMEM;
	for (i = 0; i < count; i++)
		f->start[i] = sh.sh_addr + s32(b + 12 + 8 * i);
	f->n = count;
	return 0;
}

uint64_t insight_fnstart_of(const struct insight_fnstarts *f, uint64_t addr)
{
	size_t lo = 0, hi = f->n, mid;

	/* the last start at or before @addr */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->start[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? f->start[lo - 1] : 0;
}

void insight_fnstarts_free(struct insight_fnstarts *f)
{
	free(f->start);
	memset(f, 0, sizeof(*f));
}
