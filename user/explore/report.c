// SPDX-License-Identifier: GPL-2.0
/*
 * The report of an exploration, from its result alone: text for people,
 * one JSON object for tools (Documentation/explore.rst).
 */
#include <inttypes.h>
#include <string.h>

#include "explore.h"
#include "format.h"
#include "syscalls.h"

void print_data(FILE *f, const uint8_t *d, size_t len, size_t max)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len && i < max; i++) {
		if (d[i] == '\n')
			fputs("\\n", f);
		else if (d[i] == '\r')
			fputs("\\r", f);
		else if (d[i] == '"' || d[i] == '\\')
			fprintf(f, "\\%c", d[i]);
		else if (d[i] < 32 || d[i] > 126)
			fprintf(f, "\\x%02x", d[i]);
		else
			fputc(d[i], f);
	}
	fputc('"', f);
	if (len > max)
		fputs("...", f);
}

static const char *const status_name[] = {
	[EXPLORE_REPRODUCED] = "reproduced",
	[EXPLORE_NATURAL] = "reproduced",
	[EXPLORE_PARTIAL] = "partial",
};

static void json_str(FILE *f, const char *s)
{
	insight_json_str(f, s, strlen(s));
}

/* A site's func, offset and source line as JSON members. */
static void json_where(FILE *f, const struct insight_jcc *j)
{
	fputs(",\"func\":", f);
	json_str(f, j ? j->func : "");
	fprintf(f, ",\"offset\":%" PRIu64 ",\"src\":", j ? j->func_off : 0);
	json_str(f, j ? j->src : "");
}

/* "write", or "ia32:4" for a 32-bit syscall number: the call of output @o. */
static const char *out_syscall(const struct xb_output *o, char *buf, size_t len)
{
	const char *name = o->flags & XB_OUT_IA32 ? NULL : insight_syscall_name(o->nr);

	if (name)
		return name;
	snprintf(buf, len, "%s%u", o->flags & XB_OUT_IA32 ? "ia32:" : "syscall_", o->nr);
	return buf;
}

/* {"syscall":..,"ret":..,"path":..}: a call of the record */
static void json_call(FILE *f, const struct insight_record_item *p)
{
	fprintf(f, "{\"syscall\":\"%s\",\"ret\":%lld",
		insight_syscall_name(p->nr) ?: "?", p->ret);
	if (p->len) {
		fputs(",\"path\":", f);
		insight_json_str(f, (const char *)p->data, p->len);
	}
	fputc('}', f);
}

static void json_suspect(FILE *f, const struct explore_suspect *s, size_t rank)
{
	const struct insight_jcc *j = s->j;

	fprintf(f, "%s{\"rank\":%zu,\"index\":%zu,\"addr\":\"0x%" PRIx64 "\"",
		rank > 1 ? "," : "", rank, s->index, s->addr);
	json_where(f, j);
	fprintf(f, ",\"depends_on\":\"%s\",\"callee\":", insight_jcc_class_name(j ? j->cls : 0));
	json_str(f, j ? j->callee : "");
	fputs(",\"condition\":", f);
	json_str(f, j ? j->cond : "");
	fprintf(f, ",\"deviated\":%s,\"shadow_taken\":%s,\"failure_taken\":%s",
		s->deviated ? "true" : "false", s->shadow_taken ? "true" : "false",
		s->failure_taken ? "true" : "false");
	if (s->production) {
		fputs(",\"production\":", f);
		json_call(f, s->production);
	}
	fputc('}', f);
}

void report_json(FILE *f, const struct explore_result *res)
{
	size_t i;

	fprintf(f, "{\"version\":1,\"status\":\"%s\",\"mode\":\"%s\",\"backend\":\"%s\","
		"\"pid\":%d,", status_name[res->status], res->in_place ? "in-place" : "shadow",
		res->backend, res->pid);
	fprintf(f, "\"elapsed_s\":%.3f,\"probes_created\":%lu,\"probes_pruned\":%lu,"
		"\"branches_trapped\":%lu,\"sites\":%zu,\"peak_rss_kb\":%ld,"
		"\"natural_matches\":%s,\"timed_out\":%s,",
		res->elapsed, res->st.created, res->st.pruned, res->st.branches, res->nsites,
		res->peak_rss_kb, res->status == EXPLORE_NATURAL ? "true" : "false",
		res->timed_out ? "true" : "false");
	fprintf(f, "\"lost\":{\"decisions\":%" PRIu64 ",\"outputs\":%" PRIu64
		",\"events\":%" PRIu64 ",\"degraded\":%" PRIu64 "},",
		res->lost.decisions, res->lost.outputs, res->lost.events, res->lost.degraded);
	fputs("\"replayed\":[", f);
	for (i = 0; i < res->nreplayed; i++) {
		fputs(i ? "," : "", f);
		json_call(f, res->replayed[i]);
	}
	fprintf(f, "],\"outputs_matched\":%zu,\"outputs_expected\":%zu,\"path\":[",
		res->matched, res->expected);
	for (i = 0; i < res->npath; i++) {
		fprintf(f, "%s{\"index\":%zu,\"addr\":\"0x%" PRIx64 "\"", i ? "," : "", i,
			res->path[i].addr);
		json_where(f, res->path[i].j);
		fprintf(f, ",\"taken\":%s,\"deviated\":%s}", res->path[i].taken ? "true" : "false",
			res->path[i].deviated ? "true" : "false");
	}
	fputs("],\"suspects\":[", f);
	for (i = 0; i < res->nsus; i++)
		json_suspect(f, &res->sus[i], i + 1);
	fputs("],\"outputs\":[", f);
	for (i = 0; i < res->nouts; i++) {
		char buf[32];

		fprintf(f, "%s{\"syscall\":\"%s\",\"denied\":%s,\"fd\":%d,\"len\":%" PRIu64
			",\"data\":", i ? "," : "", out_syscall(&res->outs[i], buf, sizeof(buf)),
			res->outs[i].flags & XB_OUT_DENIED ? "true" : "false", res->outs[i].fd,
			res->outs[i].len);
		insight_json_str(f, (const char *)res->outs[i].data, res->outs[i].captured);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

/* openat "/srv/x" = -13: a call of the record, and a newline */
static void text_call(FILE *f, const struct insight_record_item *p)
{
	fputs(insight_syscall_name(p->nr) ?: "?", f);
	if (p->len) {
		fputc(' ', f);
		print_data(f, p->data, p->len, 80);
	}
	fprintf(f, " = %lld\n", p->ret);
}

static void text_headline(FILE *f, const struct explore_result *res)
{
	size_t i;

	if (res->status == EXPLORE_PARTIAL)
		fprintf(f, "PARTIAL: no path reproduced every output of the record (%zu of %zu "
			"matched%s); the best path found follows\n", res->matched, res->expected,
			res->timed_out ? ", timed out" : "");
	else if (res->status == EXPLORE_NATURAL)
		fprintf(f, "Failure reproduced naturally %s (%zu outputs matched)\n",
			res->in_place ? "in place" : "in the shadow", res->matched);
	else
		fprintf(f, "Failure reproduced with %d deviation%s (%zu outputs matched)\n",
			res->ndev, res->ndev == 1 ? "" : "s", res->matched);
	for (i = 0; i < res->nreplayed; i++) {
		fputs("production's environment replayed: ", f);
		text_call(f, res->replayed[i]);
	}
	if (res->in_place)
		fputs("explored in place: the production process itself, not a shadow VM\n", f);
	fprintf(f, "backend %s: %.2f s, %lu probes, %lu pruned, %lu branches trapped, %zu sites\n",
		res->backend, res->elapsed, res->st.created, res->st.pruned, res->st.branches,
		res->nsites);
	if (res->lost.decisions || res->lost.outputs || res->lost.events)
		fprintf(f, "lost: %" PRIu64 " decisions, %" PRIu64 " outputs, %" PRIu64
			" events (the path may be incomplete)\n",
			res->lost.decisions, res->lost.outputs, res->lost.events);
	fputc('\n', f);
}

static void text_suspect(FILE *f, const struct explore_suspect *s, size_t rank)
{
	const struct insight_jcc *j = s->j;

	fprintf(f, "  %zu. %s+%#" PRIx64 " %s  [%s]\n", rank, j && j->func[0] ? j->func : "?",
		j ? j->func_off : 0, j && j->src[0] ? j->src : "", insight_jcc_class_name(j ? j->cls : 0));
	fprintf(f, "     condition: %s%s%s\n", j && j->cond[0] ? j->cond : "?",
		j && j->callee[0] ? " on the result of " : "", j ? j->callee : "");
	fprintf(f, "     %s: the shadow's data says %s, the failure %s\n",
		s->deviated ? "DEVIATED" : "decides", s->shadow_taken ? "taken" : "not taken",
		!s->deviated ? "follows it" :
		s->failure_taken ? "needs taken" : "needs not taken");
	if (!s->production)
		return;
	fputs("     production: ", f);
	text_call(f, s->production);
}

/* A text report shows a path of up to this many branches whole... */
#define PATH_SHOWN_ALL	60
/* ...else those this near a suspect or a deviation, and the ends */
#define PATH_AROUND	8

static bool path_shown(const struct explore_result *res, size_t i)
{
	size_t k;

	if (res->npath <= PATH_SHOWN_ALL || i < 3 || i + 3 >= res->npath)
		return true;
	for (k = 0; k < res->nsus; k++)
		if (i + PATH_AROUND >= res->sus[k].index && i <= res->sus[k].index + PATH_AROUND)
			return true;
	for (k = i > PATH_AROUND ? i - PATH_AROUND : 0; k <= i + PATH_AROUND && k < res->npath; k++)
		if (res->path[k].deviated)
			return true;
	return false;
}

void report_text(FILE *f, const struct explore_result *res)
{
	const char *last = "";
	size_t i, skip;

	text_headline(f, res);
	fprintf(f, "Suspects (most likely cause first):\n");
	if (!res->nsus)
		fprintf(f, "  none found\n");
	for (i = 0; i < res->nsus; i++)
		text_suspect(f, &res->sus[i], i + 1);
	fprintf(f, "\nFailure path (%zu branches from the request on", res->npath);
	if (res->npath > PATH_SHOWN_ALL)
		fprintf(f, "; those within %d of a suspect or a deviation, and the first and "
			"last, are shown: --json has them all", PATH_AROUND);
	fputs("):\n", f);
	for (i = 0; i < res->npath; i++) {
		const struct insight_jcc *j = res->path[i].j;
		const char *fn = j && j->func[0] ? j->func : "?";

		if (!path_shown(res, i)) {
			for (skip = 0; i < res->npath && !path_shown(res, i); i++)
				skip++;
			fprintf(f, "    ... %zu branches\n", skip);
			last = "";
			i--;
			continue;
		}
		if (strcmp(fn, last))
			fprintf(f, "  %s()\n", fn);
		last = fn;
		fprintf(f, "    %-5zu %#" PRIx64 " +%#" PRIx64 " %-20s %s%s\n", i,
			res->path[i].addr, j ? j->func_off : 0, j && j->src[0] ? j->src : "",
			res->path[i].taken ? "taken" : "not taken",
			res->path[i].deviated ? "  <== DEVIATED" : "");
	}
	fprintf(f, "\nOutputs of the path (%zu of %zu recorded matched):\n", res->matched,
		res->expected);
	for (i = 0; i < res->nouts; i++) {
		char buf[32];

		if (res->outs[i].flags & XB_OUT_DENIED) {	/* refused by the sandbox */
			fprintf(f, "  denied %s\n", out_syscall(&res->outs[i], buf, sizeof(buf)));
			continue;
		}
		fprintf(f, "  fd %d: ", res->outs[i].fd);
		print_data(f, res->outs[i].data, res->outs[i].captured, 120);
		fputc('\n', f);
	}
}
