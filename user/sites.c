// SPDX-License-Identifier: GPL-2.0
/*
 * Finding branch sites (see sites.h).  The code is read from the ELF
 * file's executable sections, not from the process's memory, so the
 * breakpoints of a session never show up in it.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <capstone/capstone.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include "sites.h"

struct find {
	const char *want;	/* path of the executable, or a substring */
	bool substring;
	Dwfl_Module *mod;
};

static int pick_module(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	struct find *f = arg;

	(void)userdata;
	(void)start;
	if (!name)
		return DWARF_CB_OK;
	if (f->substring ? !!strstr(strrchr(name, '/') ? strrchr(name, '/') + 1 : name, f->want)
			 : !strcmp(name, f->want)) {
		f->mod = mod;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

/* jcc rel8 (0x70-0x7F) or jcc rel32 (0x0F 0x80-0x8F), without prefixes */
static bool is_jcc(const cs_insn *in)
{
	return (in->size == 2 && in->bytes[0] >= 0x70 && in->bytes[0] <= 0x7f) ||
	       (in->size == 6 && in->bytes[0] == 0x0f && in->bytes[1] >= 0x80 &&
		in->bytes[1] <= 0x8f);
}

static void symbolise(Dwfl_Module *mod, struct insight_jcc *j)
{
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name, *file;
	Dwfl_Line *line;
	int lineno;

	name = dwfl_module_addrinfo(mod, j->addr, &off, &sym, NULL, NULL, NULL);
	if (name) {
		snprintf(j->func, sizeof(j->func), "%s", name);
		j->func_off = off;
	}
	line = dwfl_module_getsrc(mod, j->addr);
	if (line && (file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL)))
		snprintf(j->src, sizeof(j->src), "%s:%d",
			 strrchr(file, '/') ? strrchr(file, '/') + 1 : file, lineno);
}

/* Append the jccs of one executable section. */
static int scan_section(csh cs, Dwfl_Module *mod, Elf_Scn *scn, GElf_Addr bias,
			struct insight_jcc **out, size_t *n, size_t *cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	const uint8_t *code;
	GElf_Shdr sh;
	uint64_t addr;
	size_t size;
	cs_insn *in;

	if (!gelf_getshdr(scn, &sh) || !data || !data->d_buf)
		return 0;
	code = data->d_buf;
	size = data->d_size;
	addr = sh.sh_addr + bias;
	in = cs_malloc(cs);
	if (!in)
		return -ENOMEM;
	while (size) {
		if (!cs_disasm_iter(cs, &code, &size, &addr, in)) {
			code++;		/* not an instruction: step over a byte */
			size--;
			addr++;
			continue;
		}
		if (!is_jcc(in))
			continue;
		if (*n == *cap) {
			struct insight_jcc *more;

			*cap = *cap ? *cap * 2 : 256;
			more = realloc(*out, *cap * sizeof(**out));
			if (!more) {
				cs_free(in, 1);
				return -ENOMEM;
			}
			*out = more;
		}
		memset(&(*out)[*n], 0, sizeof(**out));
		(*out)[*n].addr = in->address;
		(*out)[*n].target = strtoull(in->op_str, NULL, 16);
		snprintf((*out)[*n].mnemonic, sizeof((*out)[*n].mnemonic), "%s", in->mnemonic);
		symbolise(mod, &(*out)[*n]);
		(*n)++;
	}
	cs_free(in, 1);
	return 0;
}

int insight_find_jccs(pid_t pid, const char *lib, struct insight_jcc **out,
		      size_t *n, char *why, size_t whylen)
{
	static const Dwfl_Callbacks cb = {
		.find_elf = dwfl_linux_proc_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
	};
	char exe[PATH_MAX], link[64];
	struct find f = { 0 };
	size_t cap = 0, sections = 0;
	Elf_Scn *scn = NULL;
	GElf_Addr bias;
	Dwfl *dwfl;
	Elf *elf;
	ssize_t len;
	csh cs;
	int err;

	*out = NULL;
	*n = 0;
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	len = readlink(link, exe, sizeof(exe) - 1);
	if (len < 0) {
		err = -errno;
		snprintf(why, whylen, errno == ENOENT ? "no process %d" :
			 "cannot read the executable of %d", pid);
		return err;
	}
	exe[len] = '\0';
	f.want = lib ? lib : exe;
	f.substring = lib != NULL;
	dwfl = dwfl_begin(&cb);
	if (!dwfl || dwfl_linux_proc_report(dwfl, pid) || dwfl_report_end(dwfl, NULL, NULL)) {
		snprintf(why, whylen, "cannot read the mappings of %d", pid);
		err = -EIO;
		goto out_dwfl;
	}
	dwfl_getmodules(dwfl, pick_module, &f, 0);
	if (!f.mod) {
		snprintf(why, whylen, lib ? "%d maps no object named like '%s'" :
			 "%d: its executable %s is not mapped", pid, lib ? lib : exe);
		err = -ENOENT;
		goto out_dwfl;
	}
	elf = dwfl_module_getelf(f.mod, &bias);
	if (!elf) {
		snprintf(why, whylen, "cannot read the ELF file of %s", f.want);
		err = -EIO;
		goto out_dwfl;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs)) {
		snprintf(why, whylen, "capstone cannot disassemble x86-64");
		err = -EIO;
		goto out_dwfl;
	}
	err = 0;
	while (!err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		sections++;
		err = scan_section(cs, f.mod, scn, bias, out, n, &cap);
	}
	cs_close(&cs);
	if (!err && !sections) {
		snprintf(why, whylen, "%s has no executable section", f.want);
		err = -ENOEXEC;
	}
	if (err == -ENOMEM)
		snprintf(why, whylen, "out of memory");
out_dwfl:
	dwfl_end(dwfl);
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
}
