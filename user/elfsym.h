/* SPDX-License-Identifier: GPL-2.0 */
/* A function's entry as a file offset, from an ELF file (user/elfsym.c). */
#ifndef INSIGHT_ELFSYM_H
#define INSIGHT_ELFSYM_H

#include <stdint.h>

/*
 * The file offset of function @name's entry in ELF file @path: 0, or
 * -ENOENT (no such function), -ENOEXEC (not ELF), -errno (cannot open).
 */
int elf_function_offset(const char *path, const char *name, uint64_t *off);

/*
 * Call @fn for every function ELF file @path imports (an undefined
 * dynamic symbol of type FUNC): how many, or -ENOEXEC, -errno.
 */
int elf_imports(const char *path, void (*fn)(const char *name, void *arg), void *arg);

#endif /* INSIGHT_ELFSYM_H */
