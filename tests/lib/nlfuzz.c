// SPDX-License-Identifier: GPL-2.0
/*
 * The request generator of the netlink fuzzer: a command (valid or not),
 * flags, and for the command's own attributes values the policy accepts
 * but the module may refuse (probe ids that do not exist, a real
 * target's sites and addresses around them); then, often, damage:
 * foreign or unknown attributes, wrong lengths, a broken nla_len, deep
 * or bogus nesting, NLA_F_* bits, a cut or overlong nlmsg_len, a bad
 * genl header, a second request in the same datagram.
 */
#include <string.h>
#include <linux/genetlink.h>
#include <linux/insight.h>

#include "nlfuzz.h"
#include "nlraw.h"

void fuzz_seed(struct fuzz_rng *r, uint64_t seed)
{
	r->s = seed;
}

/* splitmix64 */
uint64_t fuzz_next(struct fuzz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t fuzz_below(struct fuzz_rng *r, uint32_t n)
{
	return n ? fuzz_next(r) % n : 0;
}

bool fuzz_pct(struct fuzz_rng *r, unsigned int pct)
{
	return fuzz_below(r, 100) < pct;
}

/* What an attribute of a command holds, to pick a value the policy takes. */
enum fuzz_kind { K_ABI, K_PID, K_PROBE, K_START, K_POLICY, K_FLAG, K_CAPTURE,
		 K_FD, K_INPUT, K_SYSCALL, K_ERRNO, K_STEP, K_SITES, K_INJECT, K_ID };

struct fuzz_attr {
	uint16_t type;
	uint8_t kind;
};

#define A(t, k) { INSIGHT_ATTR_##t, K_##k }
static const struct fuzz_attr a_version[] = { A(ABI_VERSION, ABI), { 0 } };
static const struct fuzz_attr a_attach[] = { A(PID, PID), A(MEM_FD, FD), { 0 } };
static const struct fuzz_attr a_sites[] = { A(SITES, SITES), { 0 } };
static const struct fuzz_attr a_log[] = { A(START, START), A(PROBE, PROBE), { 0 } };
static const struct fuzz_attr a_probes[] = { A(START, START), { 0 } };
static const struct fuzz_attr a_resume[] = { A(PROBE, PROBE), A(POLICY, POLICY),
					     A(KEEP, FLAG), { 0 } };
static const struct fuzz_attr a_probe[] = { A(PROBE, PROBE), { 0 } };
static const struct fuzz_attr a_sandbox[] = { A(CAPTURE, CAPTURE), A(INPUT_FD, FD),
					      A(INPUT, INPUT), A(HOLD, FLAG), { 0 } };
static const struct fuzz_attr a_fault[] = { A(PROBE, PROBE), A(SYSCALL, SYSCALL),
					    A(ERRNO, ERRNO), { 0 } };
static const struct fuzz_attr a_step[] = { A(PROBE, PROBE), A(STEP, STEP), { 0 } };
static const struct fuzz_attr a_inject[] = { A(INJECT, INJECT), { 0 } };
static const struct fuzz_attr a_inject_id[] = { A(INJECT_ID, ID), { 0 } };
static const struct fuzz_attr a_none[] = { { 0 } };

static const struct fuzz_attr *const cmd_attrs[__INSIGHT_CMD_MAX] = {
	[INSIGHT_CMD_VERSION] = a_version,
	[INSIGHT_CMD_ATTACH] = a_attach,
	[INSIGHT_CMD_SITES_ADD] = a_sites,
	[INSIGHT_CMD_SITE_POLICY] = a_sites,
	[INSIGHT_CMD_PATH_GET] = a_log,
	[INSIGHT_CMD_PROBES_GET] = a_probes,
	[INSIGHT_CMD_PROBE_RESUME] = a_resume,
	[INSIGHT_CMD_PROBE_KILL] = a_probe,
	[INSIGHT_CMD_SANDBOX] = a_sandbox,
	[INSIGHT_CMD_FAULT_ADD] = a_fault,
	[INSIGHT_CMD_OUTPUTS_GET] = a_log,
	[INSIGHT_CMD_PROBE_STEP] = a_step,
	[INSIGHT_CMD_INJECT_ADD] = a_inject,
	[INSIGHT_CMD_INJECT_DEL] = a_inject_id,
};

static bool is_dump(uint8_t cmd)
{
	return cmd == INSIGHT_CMD_PATH_GET || cmd == INSIGHT_CMD_PROBES_GET ||
	       cmd == INSIGHT_CMD_OUTPUTS_GET;
}

/* Syscalls worth failing in a target: its I/O, its exit, its waits. */
static const uint16_t syscalls[] = { 0, 1, 3, 7, 9, 11, 12, 20, 39, 43, 56, 57,
				     60, 61, 202, 228, 230, 231, 232, 288, 1023 };

static uint32_t pick_pid(struct fuzz_rng *r, const struct fuzz_target *t)
{
	switch (fuzz_below(r, 4)) {
	case 0:
		return 2;				/* kthreadd: EINVAL */
	case 1:
		return 4194304 + fuzz_below(r, 1u << 30);	/* > PID_MAX_LIMIT */
	default:
		return t->pid ? t->pid : 4194304;
	}
}

/* A site address: a real site, around one, or something else entirely. */
static uint64_t pick_addr(struct fuzz_rng *r, const struct fuzz_target *t)
{
	static const uint64_t odd[] = { 0, 1, 0x1000, 0x400000, 0x7ffffffff000ULL,
					0x800000000000ULL, 0xffffffff81000000ULL,
					~0ULL };
	uint64_t base;

	if (!t->nsites || fuzz_pct(r, 25))
		return fuzz_pct(r, 50) ? odd[fuzz_below(r, 8)] : fuzz_next(r);
	base = t->site[fuzz_below(r, t->nsites)];
	return fuzz_pct(r, 60) ? base : base + (int)fuzz_below(r, 33) - 16;
}

static void put_sites(struct fuzz_rng *r, struct nlb *b, const struct fuzz_target *t)
{
	size_t list = nlb_nest(b, INSIGHT_ATTR_SITES), site;
	/* now and then more than a request takes (E2BIG) */
	unsigned int i, n = fuzz_pct(r, 1) ? 1025 : fuzz_below(r, 6);

	for (i = 0; i < n && !b->overflow; i++) {
		site = nlb_nest(b, INSIGHT_ATTR_SITE);
		if (fuzz_pct(r, 95))
			nlb_u64(b, INSIGHT_SITE_ADDR, pick_addr(r, t));
		if (fuzz_pct(r, 70))
			nlb_u32(b, INSIGHT_SITE_POLICY, fuzz_below(r, __INSIGHT_POLICY_MAX));
		nlb_nest_end(b, site);
	}
	nlb_nest_end(b, list);
}

/* Replayed input: numbers the target reads, or any bytes. */
static void put_input(struct fuzz_rng *r, struct nlb *b)
{
	static uint8_t in[INSIGHT_INPUT_MAX];
	size_t i, n = fuzz_pct(r, 1) ? INSIGHT_INPUT_MAX : fuzz_below(r, 64);
	bool text = fuzz_pct(r, 70);

	for (i = 0; i < n; i++)
		in[i] = text ? "0123456789\n\n"[fuzz_below(r, 12)] : fuzz_next(r);
	nlb_put(b, INSIGHT_ATTR_INPUT, in, n);
}

/*
 * An injection into the target (or a process that is not there), of any
 * action, with some of the filters: short delays only, so that the
 * storm's targets keep answering.
 */
static void put_inject(struct fuzz_rng *r, struct nlb *b, const struct fuzz_target *t)
{
	static const char *const paths[] = { "/", "/tmp", "/insight/tests", "" };
	const char *path = paths[fuzz_below(r, 4)];
	size_t nest = nlb_nest(b, INSIGHT_ATTR_INJECT);

	if (fuzz_pct(r, 90))
		nlb_u32(b, INSIGHT_INJECT_PID, pick_pid(r, t));
	if (fuzz_pct(r, 10))
		nlb_u32(b, INSIGHT_INJECT_CGROUP_FD, fuzz_below(r, 8));
	if (fuzz_pct(r, 85))
		nlb_u32(b, INSIGHT_INJECT_SYSCALL, syscalls[fuzz_below(r, 21)]);
	if (fuzz_pct(r, 90))
		nlb_u32(b, INSIGHT_INJECT_ACTION, 1 + fuzz_below(r, __INSIGHT_INJECT_ACTION_MAX - 1));
	if (fuzz_pct(r, 50))
		nlb_u32(b, INSIGHT_INJECT_ERR, 1 + fuzz_below(r, 4095));
	if (fuzz_pct(r, 30))
		nlb_u32(b, INSIGHT_INJECT_DELAY_MS, 1 + fuzz_below(r, 20));
	if (fuzz_pct(r, 20))
		nlb_u32(b, INSIGHT_INJECT_FD_KINDS, 1 + fuzz_below(r, INSIGHT_INJECT_FD_ALL));
	if (fuzz_pct(r, 20))
		nlb_u32(b, INSIGHT_INJECT_PORT, 1 + fuzz_below(r, 65535));
	if (fuzz_pct(r, 20))
		nlb_put(b, INSIGHT_INJECT_PATH, path, strlen(path) + 1);
	if (fuzz_pct(r, 20))
		nlb_u32(b, INSIGHT_INJECT_NTH, 1 + fuzz_below(r, 5));
	if (fuzz_pct(r, 20))
		nlb_u32(b, INSIGHT_INJECT_PROB_PPM, 1 + fuzz_below(r, 1000000));
	if (fuzz_pct(r, 10)) {
		nlb_u32(b, INSIGHT_INJECT_LIB_FD, fuzz_below(r, 8));
		nlb_u64(b, INSIGHT_INJECT_LIB_OFFSET, fuzz_pct(r, 50) ? fuzz_below(r, 8192) :
			fuzz_next(r));
		nlb_u64(b, INSIGHT_INJECT_RETVAL, fuzz_next(r));
	}
	nlb_nest_end(b, nest);
}

/* One attribute of kind @k with a value the command's policy accepts. */
static void put_valid(struct fuzz_rng *r, struct nlb *b, const struct fuzz_attr *a,
		      const struct fuzz_target *t)
{
	uint8_t step = fuzz_below(r, 2);

	switch (a->kind) {
	case K_ABI:
		nlb_u32(b, a->type, 1 + fuzz_below(r, 8));
		break;
	case K_PID:
		nlb_u32(b, a->type, pick_pid(r, t));
		break;
	case K_PROBE:
		nlb_u32(b, a->type, fuzz_pct(r, 90) ? fuzz_below(r, 5) : fuzz_next(r));
		break;
	case K_START:
		nlb_u64(b, a->type, fuzz_pct(r, 80) ? fuzz_below(r, 300) : fuzz_next(r));
		break;
	case K_POLICY:
		nlb_u32(b, a->type, fuzz_below(r, __INSIGHT_POLICY_MAX));
		break;
	case K_FLAG:
		nlb_put(b, a->type, NULL, 0);
		break;
	case K_CAPTURE:
		nlb_u32(b, a->type, fuzz_below(r, INSIGHT_CAPTURE_MAX + 1));
		break;
	case K_FD:
		nlb_u32(b, a->type, fuzz_pct(r, 70) ? fuzz_below(r, 4) : fuzz_below(r, 32768));
		break;
	case K_INPUT:
		put_input(r, b);
		break;
	case K_SYSCALL:
		nlb_u32(b, a->type, fuzz_pct(r, 70) ? syscalls[fuzz_below(r, 21)] :
			fuzz_below(r, 1024));
		break;
	case K_ERRNO:
		nlb_u32(b, a->type, 1 + fuzz_below(r, 4095));
		break;
	case K_STEP:
		nlb_put(b, a->type, &step, 1);
		break;
	case K_SITES:
		put_sites(r, b, t);
		break;
	case K_INJECT:
		put_inject(r, b, t);
		break;
	case K_ID:
		nlb_u32(b, a->type, fuzz_pct(r, 80) ? fuzz_below(r, 400) : fuzz_next(r));
		break;
	}
}

static uint8_t pick_cmd(struct fuzz_rng *r)
{
	if (fuzz_pct(r, 85))
		return 1 + fuzz_below(r, INSIGHT_CMD_MAX);
	if (fuzz_pct(r, 50))
		return fuzz_pct(r, 50) ? INSIGHT_CMD_UNSPEC : INSIGHT_CMD_MAX + 1;
	return fuzz_next(r);
}

static uint16_t pick_flags(struct fuzz_rng *r, uint8_t cmd, bool *shaped)
{
	uint16_t f = NLM_F_REQUEST;

	if (fuzz_pct(r, 50))
		f |= NLM_F_ACK;
	if (fuzz_pct(r, is_dump(cmd) ? 85 : 8))
		f |= NLM_F_DUMP;
	if ((f & NLM_F_DUMP) != (is_dump(cmd) ? NLM_F_DUMP : 0))
		*shaped = false;
	if (fuzz_pct(r, 4)) {
		f ^= 1u << fuzz_below(r, 16);
		*shaped = false;
	}
	return f;
}

/* An attribute of any type, flagged or not, of any length. */
static void put_junk(struct fuzz_rng *r, struct nlb *b)
{
	uint8_t data[40];
	uint16_t type = fuzz_below(r, __INSIGHT_ATTR_MAX + 8);
	size_t i, n = fuzz_below(r, sizeof(data) + 1);

	for (i = 0; i < n; i++)
		data[i] = fuzz_next(r);
	if (fuzz_pct(r, 20))
		type |= fuzz_pct(r, 50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
	nlb_put(b, type, data, n);
}

/* Nests @depth deep, of attribute types the family knows or not. */
static void put_deep(struct fuzz_rng *r, struct nlb *b, unsigned int depth)
{
	size_t off[48];
	unsigned int i;

	for (i = 0; i < depth; i++)
		off[i] = nlb_nest(b, fuzz_pct(r, 50) ? INSIGHT_ATTR_SITES : INSIGHT_ATTR_SITE);
	if (fuzz_pct(r, 50))
		nlb_u64(b, INSIGHT_SITE_ADDR, fuzz_next(r));
	while (i--)
		nlb_nest_end(b, off[i]);
}

/* Overwrite a byte or a 16-bit field somewhere in the message at @msg. */
static void damage_bytes(struct fuzz_rng *r, struct nlb *b, size_t msg)
{
	size_t at, len = b->len - msg;
	uint16_t v = fuzz_next(r);

	if (len < NLMSG_HDRLEN + 2)
		return;
	at = msg + NLMSG_HDRLEN + fuzz_below(r, len - NLMSG_HDRLEN - 1);
	if (fuzz_pct(r, 50))
		b->p[at] = v;
	else
		memcpy(b->p + at, &v, 2);
}

/* Break the first attribute's nla_len (too short, too long, odd). */
static void damage_nla_len(struct fuzz_rng *r, struct nlb *b, size_t msg)
{
	size_t at = msg + NLMSG_HDRLEN + GENL_HDRLEN;
	uint16_t v[] = { 0, 1, 3, 5, 7, 0xffff, fuzz_next(r) };
	uint16_t nla_len = v[fuzz_below(r, 7)];

	if (at + 2 <= b->len)
		memcpy(b->p + at, &nla_len, 2);
}

/* The message at @msg gets a wrong nlmsg_len, or its header fields. */
static void damage_header(struct fuzz_rng *r, struct nlb *b, size_t msg)
{
	struct nlmsghdr nh;
	struct genlmsghdr gh;

	memcpy(&nh, b->p + msg, sizeof(nh));
	switch (fuzz_below(r, 4)) {
	case 0:		/* cut: the genl header or attributes truncated */
		nh.nlmsg_len = fuzz_below(r, nh.nlmsg_len + 1);
		break;
	case 1:		/* longer than what was sent */
		nh.nlmsg_len += 1 + fuzz_below(r, 4096);
		break;
	case 2:
		if (b->len >= msg + NLMSG_HDRLEN + GENL_HDRLEN) {
			memcpy(&gh, b->p + msg + NLMSG_HDRLEN, sizeof(gh));
			if (fuzz_pct(r, 50))
				gh.reserved = fuzz_next(r);
			else
				gh.version = fuzz_next(r);
			memcpy(b->p + msg + NLMSG_HDRLEN, &gh, sizeof(gh));
		}
		break;
	default:	/* a control message type, or no request flag */
		if (fuzz_pct(r, 50))
			nh.nlmsg_type = fuzz_below(r, NLMSG_MIN_TYPE);
		else
			nh.nlmsg_flags &= ~NLM_F_REQUEST;
		break;
	}
	memcpy(b->p + msg, &nh, sizeof(nh));
}

/* One request at the end of @b; returns false if damaged. */
static bool build_one(struct fuzz_rng *r, int fam, const struct fuzz_target *t,
		      struct nlb *b, struct fuzz_req *q)
{
	const struct fuzz_attr *a;
	bool shaped = true;
	size_t msg;
	int i, n;

	q->cmd = pick_cmd(r);
	q->flags = pick_flags(r, q->cmd, &shaped);
	msg = nlb_msg(b, fam, q->flags, q->seq, q->cmd);
	a = q->cmd < __INSIGHT_CMD_MAX && cmd_attrs[q->cmd] ? cmd_attrs[q->cmd] : a_none;
	if (q->cmd == INSIGHT_CMD_UNSPEC || q->cmd == INSIGHT_CMD_EVENT ||
	    q->cmd > INSIGHT_CMD_MAX)
		shaped = false;
	for (; a->type; a++)
		if (fuzz_pct(r, 80))
			put_valid(r, b, a, t);
	/* the damage, now and then */
	n = fuzz_pct(r, 45) ? 1 + fuzz_below(r, 3) : 0;
	for (i = 0; i < n; i++) {
		shaped = false;
		switch (fuzz_below(r, 6)) {
		case 0:
			put_junk(r, b);
			break;
		case 1:
			put_deep(r, b, 1 + fuzz_below(r, 40));
			break;
		case 2:
			damage_bytes(r, b, msg);
			break;
		case 3:
			damage_nla_len(r, b, msg);
			break;
		default:
			nlb_end(b, msg);
			damage_header(r, b, msg);
			q->shaped = false;
			return false;
		}
	}
	nlb_end(b, msg);
	q->shaped = shaped && !b->overflow;
	return q->shaped;
}

size_t fuzz_build(struct fuzz_rng *r, int fam, const struct fuzz_target *t,
		  uint32_t *seq, uint8_t *buf, size_t cap, struct fuzz_req *req,
		  int max, int *nreq)
{
	struct nlb b;
	int n = 0;

	nlb_init(&b, buf, cap);
	*nreq = 0;
	if (fuzz_pct(r, 2)) {		/* random bytes, maybe nothing */
		size_t i, len = fuzz_below(r, 80);

		for (i = 0; i < len; i++)
			buf[i] = fuzz_next(r);
		return len;
	}
	do {
		req[n].seq = (*seq)++;
		build_one(r, fam, t, &b, &req[n]);
		n++;
	} while (n < max && fuzz_pct(r, 5) && b.len < cap / 2);
	*nreq = n;
	return b.len;
}
