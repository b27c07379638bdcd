// SPDX-License-Identifier: GPL-2.0
/*
 * The names of PLT stubs (see plt.h).  A stub of .plt, .plt.sec or
 * .plt.got holds one indirect jump through a GOT slot, jmp *disp(%rip)
 * (ff 25, maybe after a bnd prefix, f2); the dynamic relocations say
 * which imported symbol fills each slot (R_X86_64_JUMP_SLOT for lazy
 * binding, R_X86_64_GLOB_DAT for .plt.got).  libelf reads the sections.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plt.h"

/* The symbol filling GOT slot @got (unbiased), from @elf's RELA sections. */
static const char *slot_name(Elf *elf, GElf_Addr got)
{
	Elf_Scn *scn = NULL, *syms;
	GElf_Shdr sh, ssh;
	GElf_Rela r;
	GElf_Sym s;
	Elf_Data *d, *sd;
	size_t i, t;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		syms = elf_getscn(elf, sh.sh_link);
		d = elf_getdata(scn, NULL);
		sd = syms ? elf_getdata(syms, NULL) : NULL;
		if (!d || !sd || !gelf_getshdr(syms, &ssh))
			continue;
		for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			if (!gelf_getrela(d, i, &r) || r.r_offset != got)
				continue;
			t = GELF_R_TYPE(r.r_info);
			if ((t != R_X86_64_JUMP_SLOT && t != R_X86_64_GLOB_DAT) ||
			    !gelf_getsym(sd, GELF_R_SYM(r.r_info), &s))
				return NULL;
			return elf_strptr(elf, ssh.sh_link, s.st_name);
		}
	}
	return NULL;
}

static int add_stub(struct insight_plt *p, size_t *cap, uint64_t addr, const char *name)
{
	struct insight_plt_stub *more;

	if (p->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		more = realloc(p->stub, *cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		p->stub = more;
	}
	p->stub[p->n].addr = addr;
	p->stub[p->n++].name = name;
	return 0;
}

/* The stubs of one PLT section @scn (header @sh). */
static int scan_plt(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, GElf_Addr bias,
		    struct insight_plt *p, size_t *cap)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t stride = sh->sh_entsize ? sh->sh_entsize : 16, at, i;
	const uint8_t *b;
	const char *name;
	int32_t disp;

	if (!d || !d->d_buf || stride < 8)
		return 0;
	b = d->d_buf;
	for (at = 0; at + stride <= d->d_size; at += stride) {
		for (i = at; i + 6 <= at + stride; i++)
			if (b[i] == 0xff && b[i + 1] == 0x25)
				break;
		if (i + 6 > at + stride)
			continue;
		memcpy(&disp, b + i + 2, sizeof(disp));
		name = slot_name(elf, sh->sh_addr + i + 6 + disp);
		if (name && *name && add_stub(p, cap, sh->sh_addr + at + bias, name))
			return -ENOMEM;
	}
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct insight_plt_stub *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int insight_plt_load(Elf *elf, GElf_Addr bias, struct insight_plt *p)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0, shstrndx;
	const char *name;
	GElf_Shdr sh;
	int err = 0;

	memset(p, 0, sizeof(*p));
	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while (!err && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".plt") || !strcmp(name, ".plt.sec") ||
			     !strcmp(name, ".plt.got")))
			err = scan_plt(elf, scn, &sh, bias, p, &cap);
	}
	if (err) {
		insight_plt_free(p);
		return err;
	}
	qsort(p->stub, p->n, sizeof(*p->stub), by_addr);
	return 0;
}

const char *insight_plt_name(const struct insight_plt *p, uint64_t addr)
{
	struct insight_plt_stub key = { .addr = addr }, *s;

	s = p->n ? bsearch(&key, p->stub, p->n, sizeof(*p->stub), by_addr) : NULL;
	return s ? s->name : NULL;
}

void insight_plt_free(struct insight_plt *p)
{
	free(p->stub);
	memset(p, 0, sizeof(*p));
}
