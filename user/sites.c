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
#include <insight/jcc.h>

#include "fnstarts.h"
#include "plt.h"
#include "sites.h"

struct find {
	const char *want;	/* path of the executable, or a substring */
	bool substring;
	Dwfl_Module *mod;
};

/* What naming a jump's function and its condition's call reads. */
struct names {
	Dwfl_Module *mod;
	struct insight_plt plt;		/* the PLT stubs' imports */
	struct insight_fnstarts fns;	/* where functions start (.eh_frame_hdr) */
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

/* an unprefixed jcc rel8 or rel32: the jumps insight.ko decodes and traps */
static bool is_jcc(const cs_insn *in)
{
	struct insight_jcc_insn j;

	return insight_jcc_decode(in->bytes, in->size, in->address, &j) == in->size;
}

/*
 * An EVEX-encoded (AVX-512) instruction: 0x62 after legacy prefixes (in
 * 64-bit mode 0x62 is nothing else).  capstone 4 gets the length of some
 * wrong, and every "instruction" after one in a linear sweep may be a
 * piece of another: a breakpoint there corrupts the code.
 */
static bool is_evex(const cs_insn *in)
{
	static const uint8_t legacy[] = { 0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x3e, 0x26,
					  0x64, 0x65, 0x36, 0xf0 };
	unsigned int i = 0;

	while (i < in->size && memchr(legacy, in->bytes[i], sizeof(legacy)))
		i++;
	return i < in->size && in->bytes[i] == 0x62;
}

/*
 * The call frame row holding @addr (its call frame information, which
 * stripped binaries keep: a row ends where the frame changes, at an
 * instruction boundary of its function), unbiased, and the module's
 * bias.  false if no frame information covers @addr.
 */
static bool cfi_range(Dwfl_Module *mod, uint64_t addr, Dwarf_Addr *start, Dwarf_Addr *end,
		      Dwarf_Addr *bias)
{
	Dwarf_Frame *frame = NULL;
	Dwarf_CFI *cfi;
	bool ok;

	cfi = dwfl_module_eh_cfi(mod, bias);
	ok = cfi && !dwarf_cfi_addrframe(cfi, addr - *bias, &frame) &&
	     dwarf_frame_info(frame, start, end, NULL) >= 0;
	free(frame);
	return ok;
}

/*
 * Where the function holding @addr ends, from its symbol, else where its
 * call frame row ends; 0 if unknown.  A linear sweep is back in step with
 * the code there.
 */
static uint64_t function_end(Dwfl_Module *mod, uint64_t addr)
{
	Dwarf_Addr bias, start, end;
	GElf_Sym sym;
	GElf_Addr off;

	if (dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL) &&
	    sym.st_size && off < sym.st_size)
		return addr - off + sym.st_size;
	return cfi_range(mod, addr, &start, &end, &bias) ? end + bias : 0;
}

/* ---- what a jump's condition depends on ---------------------------------- */

#define RING 24			/* instructions kept before each jump */

static const char *const env_calls[] = {
	"open", "openat", "creat", "read", "pread", "write", "pwrite", "readv",
	"writev", "close", "connect", "accept", "accept4", "socket", "bind",
	"listen", "poll", "ppoll", "select", "pselect", "recv", "recvfrom",
	"recvmsg", "send", "sendto", "sendmsg", "stat", "fstat", "lstat",
	"fstatat", "newfstatat", "statx", "access", "faccessat", "fopen",
	"fdopen", "fgets", "fgetc", "getc", "fread", "fwrite", "fputs",
	"fprintf", "fflush", "fclose", "getline", "getdelim", "getrlimit",
	"setrlimit", "prlimit", "time", "clock_gettime", "gettimeofday",
	"mkdir", "unlink", "rename", "lseek", "ftruncate", "fsync", "fdatasync",
	"epoll_wait", "epoll_ctl", "dup", "dup2", "pipe", "fork", "getenv",
	"errno_location", "kill", "waitpid", "opendir", "readdir", "getsockname",
	"getpeername", "setsockopt", "getsockopt", NULL,
};

static const char *const data_calls[] = {
	"strcmp", "strncmp", "memcmp", "strcasecmp", "strncasecmp", "strstr",
	"strchr", "strrchr", "atoi", "atol", "strtol", "strtoul", "strtoll",
	"strtoull", "sscanf", "memchr", "strspn", "strcspn", NULL,
};

static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/* open64 / __libc_open64 / __GI___open64_nocancel / strcmp_avx2 -> base */
static void base_name(const char *name, char *out, size_t len)
{
	static const char *const pre[] = { "GI_", "libc_", "isoc99_", "isoc23_", NULL };
	static const char *const suf[] = { "_nocancel", "64", "_avx2", "_sse2",
					   "_sse42", "_evex", "_unaligned", "_ifunc",
					   "_erms", NULL };
	const char *const *x;
	bool again = true;
	size_t n;
	char *at;

	while (*name == '_')
		name++;
	while (again) {
		again = false;
		for (x = pre; *x; x++)
			if (!strncmp(name, *x, strlen(*x))) {
				name += strlen(*x);
				while (*name == '_')
					name++;
				again = true;
			}
	}
	snprintf(out, len, "%s", name);
	again = true;
	while (again) {
		again = false;
		n = strlen(out);
		for (x = suf; *x; x++)
			if (n > strlen(*x) && !strcmp(out + n - strlen(*x), *x)) {
				out[n - strlen(*x)] = '\0';
				again = true;
				break;
			}
	}
	at = strchr(out, '@');
	if (at)
		*at = '\0';
}

/* 0..15 for the general registers and their parts (rax=0 ... r15=15), else -1 */
static int reg_family(csh cs, unsigned int reg)
{
	static const char *const legacy[8][5] = {
		{ "rax", "eax", "ax", "al", "ah" }, { "rcx", "ecx", "cx", "cl", "ch" },
		{ "rdx", "edx", "dx", "dl", "dh" }, { "rbx", "ebx", "bx", "bl", "bh" },
		{ "rsp", "esp", "sp", "spl", "" }, { "rbp", "ebp", "bp", "bpl", "" },
		{ "rsi", "esi", "si", "sil", "" }, { "rdi", "edi", "di", "dil", "" },
	};
	const char *n = reg ? cs_reg_name(cs, reg) : NULL;
	int i, k;

	if (!n)
		return -1;
	for (i = 0; i < 8; i++)
		for (k = 0; k < 5; k++)
			if (legacy[i][k][0] && !strcmp(n, legacy[i][k]))
				return i;
	if (n[0] == 'r' && n[1] >= '0' && n[1] <= '9') {
		k = atoi(n + 1);
		if (k >= 8 && k <= 15)
			return k;
	}
	return -1;
}

#define REG_BIT(f)	(1U << (f))
#define CALLER_SAVED	(REG_BIT(0) | REG_BIT(1) | REG_BIT(2) | REG_BIT(6) | REG_BIT(7) | \
			 REG_BIT(8) | REG_BIT(9) | REG_BIT(10) | REG_BIT(11))

struct mem_key {
	int base, index;
	int64_t disp;
};

struct track {
	unsigned int regs;
	struct mem_key mem[4];
	int nmem;
};

static struct mem_key mem_of(csh cs, const cs_x86_op *op)
{
	struct mem_key k = {
		.base = reg_family(cs, op->mem.base),
		.index = reg_family(cs, op->mem.index),
		.disp = op->mem.disp,
	};
	return k;
}

static int mem_find(const struct track *t, struct mem_key k)
{
	int i;

	for (i = 0; i < t->nmem; i++)
		if (t->mem[i].base == k.base && t->mem[i].index == k.index &&
		    t->mem[i].disp == k.disp)
			return i;
	return -1;
}

/* Track what operand @op reads (a register, or memory and its base). */
static void track_op(csh cs, struct track *t, const cs_x86_op *op)
{
	struct mem_key k;
	int f;

	if (op->type == X86_OP_REG) {
		f = reg_family(cs, op->reg);
		if (f >= 0)
			t->regs |= REG_BIT(f);
	} else if (op->type == X86_OP_MEM) {
		k = mem_of(cs, op);
		if (k.base == 4 || k.base == 5 || k.base < 0) {
			if (mem_find(t, k) < 0 && t->nmem < 4)
				t->mem[t->nmem++] = k;
		} else {
			t->regs |= REG_BIT(k.base);	/* through a pointer */
		}
	}
}

static bool is_group(const cs_insn *in, uint8_t group)
{
	int i;

	for (i = 0; i < in->detail->groups_count; i++)
		if (in->detail->groups[i] == group)
			return true;
	return false;
}

/*
 * Classify the jump ring[last]: ring[0..last) are the instructions before
 * it, oldest first.
 */
static void classify(csh cs, const struct names *nm, cs_insn **ring, int last,
		     struct insight_jcc *j)
{
	const uint64_t flags = X86_EFLAGS_MODIFY_ZF | X86_EFLAGS_MODIFY_CF |
			       X86_EFLAGS_MODIFY_SF | X86_EFLAGS_MODIFY_OF;
	struct track t = { 0 };
	const cs_x86 *x;
	const char *name;
	char base[48];
	int i, k, f, m;

	for (i = last - 1; i >= 0; i--) {
		if (is_group(ring[i], CS_GRP_JUMP) || is_group(ring[i], CS_GRP_CALL) ||
		    is_group(ring[i], CS_GRP_RET))
			return;
		if (ring[i]->detail->x86.eflags & flags)
			break;
	}
	if (i < 0)
		return;
	snprintf(j->cond, sizeof(j->cond), "%.15s %.47s", ring[i]->mnemonic,
		 ring[i]->op_str);
	x = &ring[i]->detail->x86;
	for (k = 0; k < x->op_count; k++)
		track_op(cs, &t, &x->operands[k]);
	for (i--; i >= 0 && (t.regs || t.nmem); i--) {
		x = &ring[i]->detail->x86;
		if (is_group(ring[i], CS_GRP_CALL)) {
			name = NULL;
			if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
				name = insight_plt_name(&nm->plt, x->operands[0].imm);
				if (!name)
					name = dwfl_module_addrname(nm->mod, x->operands[0].imm);
			}
			/* unnamed: a static binary's PLT stub of an ifunc (str*, mem*) */
			base_name(name ? name : "str/mem (ifunc)", base, sizeof(base));
			if ((t.regs & REG_BIT(0)) ||
			    (t.nmem && in_list(env_calls, base))) {
				snprintf(j->callee, sizeof(j->callee), "%s", base);
				j->cls = in_list(env_calls, base) ? INSIGHT_JCC_ENV :
					 in_list(data_calls, base) || !name ? INSIGHT_JCC_DATA :
					 INSIGHT_JCC_CALL;
				return;
			}
			t.regs &= ~CALLER_SAVED;
			continue;
		}
		if (is_group(ring[i], CS_GRP_JUMP) || is_group(ring[i], CS_GRP_RET))
			return;
		if (!x->op_count || !(x->operands[0].access & CS_AC_WRITE))
			continue;
		if (x->operands[0].type == X86_OP_REG) {
			f = reg_family(cs, x->operands[0].reg);
			if (f < 0 || !(t.regs & REG_BIT(f)))
				continue;
			if (!strncmp(ring[i]->mnemonic, "mov", 3) ||
			    !strcmp(ring[i]->mnemonic, "lea") ||
			    (x->op_count == 2 && x->operands[1].type == X86_OP_REG &&
			     reg_family(cs, x->operands[1].reg) == f &&
			     (!strcmp(ring[i]->mnemonic, "xor") ||
			      !strcmp(ring[i]->mnemonic, "sub"))))
				t.regs &= ~REG_BIT(f);
			if (!strcmp(ring[i]->mnemonic, "lea")) {
				/* arithmetic on its registers (n - 1), no load */
				const x86_op_mem *a = &x->operands[1].mem;
				int b = reg_family(cs, a->base), ix = reg_family(cs, a->index);

				if (b >= 0 && b != 4 && b != 5)
					t.regs |= REG_BIT(b);
				if (ix >= 0)
					t.regs |= REG_BIT(ix);
				continue;
			}
		} else if (x->operands[0].type == X86_OP_MEM) {
			m = mem_find(&t, mem_of(cs, &x->operands[0]));
			if (m < 0)
				continue;
			if (!strncmp(ring[i]->mnemonic, "mov", 3))
				t.mem[m] = t.mem[--t.nmem];
		} else {
			continue;
		}
		for (k = 1; k < x->op_count; k++)
			track_op(cs, &t, &x->operands[k]);
	}
}

static void symbolise(const struct names *nm, struct insight_jcc *j)
{
	Dwarf_Addr start, end, bias;
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name, *file;
	Dwfl_Line *line;
	int lineno;

	name = dwfl_module_addrinfo(nm->mod, j->addr, &off, &sym, NULL, NULL, NULL);
	if (name) {
		snprintf(j->func, sizeof(j->func), "%s", name);
		j->func_off = off;
	} else if (cfi_range(nm->mod, j->addr, &start, &end, &bias) &&
		   (start = insight_fnstart_of(&nm->fns, j->addr - bias))) {
		/* a function without a symbol (static, stripped): by its start */
		snprintf(j->func, sizeof(j->func), "fn_%" PRIx64, (uint64_t)start);
		j->func_off = j->addr - bias - start;
	}
	line = dwfl_module_getsrc(nm->mod, j->addr);
	if (line && (file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL)))
		snprintf(j->src, sizeof(j->src), "%s:%d",
			 strrchr(file, '/') ? strrchr(file, '/') + 1 : file, lineno);
}

/* Append the jccs of one executable section. */
static int scan_section(csh cs, const struct names *nm, Elf_Scn *scn, GElf_Addr bias,
			struct insight_jcc **out, size_t *n, size_t *cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	cs_insn *ring[RING] = { NULL }, *win[RING], *in;
	const uint8_t *code;
	unsigned long k = 0;
	unsigned int untrusted = 0;	/* bytes to sweep before trusting jumps */
	GElf_Shdr sh;
	uint64_t addr;
	size_t size;
	int i, have, err = 0;

	if (!gelf_getshdr(scn, &sh) || !data || !data->d_buf)
		return 0;
	code = data->d_buf;
	size = data->d_size;
	addr = sh.sh_addr + bias;
	for (i = 0; i < RING; i++) {
		ring[i] = cs_malloc(cs);
		if (!ring[i]) {
			err = -ENOMEM;
			goto out;
		}
	}
	while (size) {
		const uint8_t *code_at = code;
		size_t size_at = size;
		uint64_t at = addr, end;
		bool ok;

		in = ring[k % RING];
		ok = cs_disasm_iter(cs, &code, &size, &addr, in);
		if (!ok || is_evex(in)) {
			/*
			 * out of step with the code, maybe: go on where the
			 * function ends, else (a byte or the instruction on)
			 * trust no jump in the next 64 bytes
			 */
			end = function_end(nm->mod, at);
			if (end > at && end - at <= size_at) {
				untrusted = 0;
			} else {
				end = ok ? addr : at + 1;
				untrusted = 64;
			}
			code = code_at + (end - at);
			size = size_at - (end - at);
			addr = end;
			k = 0;		/* nothing before it is known */
			continue;
		}
		k++;
		if (untrusted) {
			untrusted = untrusted > in->size ? untrusted - in->size : 0;
			continue;
		}
		if (!is_jcc(in))
			continue;
		if (*n == *cap) {
			struct insight_jcc *more;

			*cap = *cap ? *cap * 2 : 256;
			more = realloc(*out, *cap * sizeof(**out));
			if (!more) {
				err = -ENOMEM;
				goto out;
			}
			*out = more;
		}
		memset(&(*out)[*n], 0, sizeof(**out));
		(*out)[*n].addr = in->address;
		(*out)[*n].target = strtoull(in->op_str, NULL, 16);
		snprintf((*out)[*n].mnemonic, sizeof((*out)[*n].mnemonic), "%s", in->mnemonic);
		symbolise(nm, &(*out)[*n]);
		have = k < RING ? (int)k : RING;
		for (i = 0; i < have; i++)
			win[i] = ring[(k - have + i) % RING];
		classify(cs, nm, win, have - 1, &(*out)[*n]);
		(*n)++;
	}
out:
	for (i = 0; i < RING; i++)
		if (ring[i])
			cs_free(ring[i], 1);
	return err;
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
	struct names nm = { 0 };
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
	nm.mod = f.mod;
	if (insight_plt_load(elf, bias, &nm.plt) || insight_fnstarts_load(elf, &nm.fns)) {
		snprintf(why, whylen, "out of memory");
		err = -ENOMEM;
		goto out_dwfl;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) ||
	    cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON)) {
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
		err = scan_section(cs, &nm, scn, bias, out, n, &cap);
	}
	cs_close(&cs);
	if (!err && !sections) {
		snprintf(why, whylen, "%s has no executable section", f.want);
		err = -ENOEXEC;
	}
	if (err == -ENOMEM)
		snprintf(why, whylen, "out of memory");
out_dwfl:
	insight_plt_free(&nm.plt);
	insight_fnstarts_free(&nm.fns);
	dwfl_end(dwfl);
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
}
