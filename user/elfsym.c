// SPDX-License-Identifier: GPL-2.0
/*
 * A function's entry as a file offset, from an ELF file's symbols (the
 * dynamic ones first, then the full table): where a uprobe goes.  libelf
 * reads the file; the offset is the symbol's address in the PT_LOAD
 * segment that holds it.  And the functions a file imports (its
 * undefined dynamic symbols): the library interface it calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

#include "elfsym.h"

/* The value of function @name in section @scn (a symbol table), or 0. */
static GElf_Addr find_in(Elf *e, Elf_Scn *scn, const char *name)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Shdr sh;
	GElf_Sym s;
	size_t i, n;

	if (!d || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return 0;
	n = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < n; i++) {
		const char *sn;

		if (!gelf_getsym(d, i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
		    s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		sn = elf_strptr(e, sh.sh_link, s.st_name);
		if (sn && !strcmp(sn, name))
			return s.st_value;
	}
	return 0;
}

/* The file offset of address @addr: through the PT_LOAD that holds it. */
static int addr_to_offset(Elf *e, GElf_Addr addr, uint64_t *off)
{
	GElf_Phdr ph;
	size_t i, n;

	if (elf_getphdrnum(e, &n))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

/* Open ELF file @path: *@e (and its *@fd), or -ENOSYS, -errno, -ENOEXEC. */
static int elf_open(const char *path, int *fd, Elf **e)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	*e = elf_begin(*fd, ELF_C_READ, NULL);
	if (!*e || elf_kind(*e) != ELF_K_ELF) {
		if (*e)
			elf_end(*e);
		close(*fd);
		return -ENOEXEC;
	}
	return 0;
}

static void elf_close(int fd, Elf *e)
{
	elf_end(e);
	close(fd);
}

int elf_function_offset(const char *path, const char *name, uint64_t *off)
{
	GElf_Addr addr = 0;
	Elf_Scn *scn;
	GElf_Shdr sh;
	int fd, pass, err;
	Elf *e;

	err = elf_open(path, &fd, &e);
	if (err)
		return err;
	for (pass = 0; pass < 2 && !addr; pass++) {
		scn = NULL;
		while (!addr && (scn = elf_nextscn(e, scn)))
			if (gelf_getshdr(scn, &sh) &&
			    sh.sh_type == (pass ? SHT_SYMTAB : SHT_DYNSYM))
				addr = find_in(e, scn, name);
	}
	err = addr ? addr_to_offset(e, addr, off) : -ENOENT;
	elf_close(fd, e);
	return err;
}

int elf_imports(const char *path, void (*fn)(const char *name, void *arg), void *arg)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf_Data *d;
	int fd, n = 0;
	size_t i;
	Elf *e;

	n = elf_open(path, &fd, &e);
	if (n)
		return n;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *name;

			if (!gelf_getsym(d, i, &sym) || sym.st_shndx != SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (name && *name) {
				fn(name, arg);
				n++;
			}
		}
	}
	elf_close(fd, e);
	return n;
}
