// SPDX-License-Identifier: GPL-2.0
/*
 * The branch that chose a natural failure's message.
 *
 * A failure's reply is often a constant of the program ("SERVER_ERROR
 * object too large for cache"), and a server may send it well after the
 * check that chose it: memcached queues the reply and its connection
 * state machine sends it, after dozens of branches common to every
 * request.  The branch of the natural path whose direction leads
 * straight (no other jump in between) to an instruction that loads that
 * constant's address (a rip-relative operand) is the one that chose it.
 *
 * The constant is looked for in the target's memory: the mappings of the
 * objects that hold sites and that it cannot write.  The code after a
 * branch is read there too; the first byte of every site is a trap
 * (int3), so a read stops at the next site.
 */
#include <capstone/capstone.h>
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"

#define NEEDLE_MIN 12	/* printable bytes a message constant has at least */
#define NEEDLE_MAX 48
#define SCAN_MAX (16UL << 20)	/* bytes of one mapping searched, at most */
#define BLOCK_INSNS 12	/* instructions after a branch looked at */

/* The longest printable run of the failure's first output, as the needle. */
static size_t needle_of(const struct xb_output *o, const uint8_t **at)
{
	size_t i, start = 0, best = 0, len;

	*at = NULL;
	for (i = 0; i <= o->captured; i++) {
		if (i < o->captured && isprint(o->data[i]))
			continue;
		len = i - start;
		if (len > best) {
			best = len;
			*at = o->data + start;
		}
		start = i + 1;
	}
	if (best < NEEDLE_MIN)
		return 0;
	return best < NEEDLE_MAX ? best : NEEDLE_MAX;
}

/* Whether [lo, hi) of the target holds a site. */
static bool holds_site(const struct ex *x, uint64_t lo, uint64_t hi)
{
	size_t i;

	for (i = 0; i < x->nj; i++)
		if (x->j[i].addr >= lo && x->j[i].addr < hi)
			return true;
	return false;
}

/* The objects with sites, by the path of one of their mappings. */
static bool path_has_site(const struct ex *x, const char *maps, const char *path)
{
	char line[512], p[256], perm[8];
	unsigned long lo, hi;
	bool found = false;
	FILE *f = fopen(maps, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perm, p) == 4 &&
		    !strcmp(p, path) && perm[2] == 'x')
			found = holds_site(x, lo, hi);
	fclose(f);
	return found;
}

/* Where the needle is in mapping [lo, hi) of @mem: the start of its string, or 0. */
static uint64_t find_in(int mem, uint64_t lo, uint64_t hi, const uint8_t *needle,
			size_t len)
{
	size_t size = hi - lo < SCAN_MAX ? hi - lo : SCAN_MAX;
	uint8_t *buf = malloc(size), *hit;
	uint64_t found = 0;
	ssize_t got;

	if (!buf)
		return 0;
	got = pread(mem, buf, size, lo);
	hit = got > 0 ? memmem(buf, got, needle, len) : NULL;
	if (hit) {
		while (hit > buf && hit[-1] && isprint(hit[-1]))
			hit--;		/* back to the string's first byte */
		found = lo + (hit - buf);
	}
	free(buf);
	return found;
}

/* The address of the failure's message in the program's read-only memory, or 0. */
static uint64_t message_addr(const struct ex *x, int mem, const struct xb_output *o)
{
	char maps[64], line[512], path[256], perm[8];
	unsigned long lo, hi;
	const uint8_t *needle;
	size_t len = needle_of(o, &needle);
	uint64_t at = 0;
	FILE *f;

	if (!len)
		return 0;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", x->pid);
	f = fopen(maps, "r");
	if (!f)
		return 0;
	while (!at && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perm, path) == 4 &&
		    perm[0] == 'r' && perm[1] != 'w' && path[0] == '/' &&
		    path_has_site(x, maps, path))
			at = find_in(mem, lo, hi, needle, len);
	fclose(f);
	return at;
}

/* Where the branch at site @j goes on when not taken, or 0 (its length unknown). */
static uint64_t fall_through(int mem, const struct insight_jcc *j)
{
	uint8_t b[6];
	int32_t rel32;

	if (pread(mem, b, sizeof(b), j->addr) != sizeof(b))
		return 0;
	/* b[0] is the trap: the rest tells a 6-byte jcc from a 2-byte one */
	memcpy(&rel32, b + 2, sizeof(rel32));
	if (b[1] >= 0x80 && b[1] <= 0x8f && j->addr + 6 + rel32 == j->target)
		return j->addr + 6;
	if (j->addr + 2 + (int8_t)b[1] == j->target)
		return j->addr + 2;
	return 0;
}

/*
 * Whether the code at @at loads address @msg before its next jump (a
 * site's trap, int3, is one).
 */
static bool block_loads(csh cs, int mem, uint64_t at, uint64_t msg)
{
	uint8_t code[BLOCK_INSNS * 15];
	const uint8_t *p = code;
	cs_insn *in = cs_malloc(cs);
	bool found = false;
	uint64_t addr = at;
	ssize_t got = pread(mem, code, sizeof(code), at);
	size_t size = got > 0 ? got : 0;
	int k, i;

	for (k = 0; in && !found && k < BLOCK_INSNS &&
	     cs_disasm_iter(cs, &p, &size, &addr, in); k++) {
		cs_x86 *d = &in->detail->x86;

		for (i = 0; i < d->op_count; i++)
			found |= d->operands[i].type == X86_OP_MEM &&
				 d->operands[i].mem.base == X86_REG_RIP &&
				 addr + d->operands[i].mem.disp == msg;
		if (cs_insn_group(cs, in, CS_GRP_JUMP) || cs_insn_group(cs, in, CS_GRP_RET) ||
		    cs_insn_group(cs, in, CS_GRP_INT))
			break;
	}
	if (in)
		cs_free(in, 1);
	return found;
}

/*
 * The latest decision of @nat in [lo, hi) whose natural direction goes
 * straight to the load of the failure's message; @hi when there is none.
 */
size_t message_chooser(const struct ex *x, const struct run *nat, size_t lo, size_t hi)
{
	char path[64];
	size_t k, found = hi;
	uint64_t msg, to;
	int mem;
	csh cs;

	if (!nat->nouts)
		return hi;
	snprintf(path, sizeof(path), "/proc/%d/mem", x->pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return hi;
	msg = message_addr(x, mem, &nat->outs[0]);
	if (msg && !cs_open(CS_ARCH_X86, CS_MODE_64, &cs)) {
		cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
		for (k = hi; k-- > lo && found == hi;) {
			const struct insight_jcc *j = jcc_of(x, &nat->path[k]);

			if (!j)
				continue;
			to = natural_taken(&nat->path[k]) ? j->target : fall_through(mem, j);
			if (to && block_loads(cs, mem, to, msg))
				found = k;
		}
		cs_close(&cs);
	}
	close(mem);
	return found;
}
