// SPDX-License-Identifier: GPL-2.0
/*
 * The output matcher (see match.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/insight.h>

#include "match.h"

struct expected {
	uint8_t *norm;		/* normalised data */
	size_t len;
	bool any;		/* any output matches */
	unsigned int how;	/* its normalisation, and its counterpart's */
};

struct insight_matcher {
	struct insight_match_opts opts;
	struct expected *exp;
	size_t n, pos;
	enum insight_verdict verdict;
};

static bool is_time_sep(uint8_t c)
{
	return c == '-' || c == '/' || c == ':' || c == '.' || c == 'T';
}

/* Length of a timestamp at @p: digit runs joined by separators, 3+ runs. */
static size_t time_len(const uint8_t *p, size_t len)
{
	size_t i = 0, runs = 0;

	while (i < len && isdigit(p[i])) {
		while (i < len && isdigit(p[i]))
			i++;
		runs++;
		if (i + 1 < len && is_time_sep(p[i]) && isdigit(p[i + 1]))
			i++;
		else if (i + 1 < len && p[i] == ' ' && runs == 3 && isdigit(p[i + 1]))
			i++;	/* "2026-11-22 05:47:00": date, then time */
		else
			break;
	}
	return runs >= 3 ? i : 0;
}

/* Whether @p holds a clock time (a timestamp with a ':'): a log line's stamp. */
static bool has_clock_time(const uint8_t *p, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i++)
		if (isdigit(p[i]) && (!i || !isalnum(p[i - 1])) &&
		    (n = time_len(p + i, len - i)) && memchr(p + i, ':', n))
			return true;
	return false;
}

/* Length of the error message (strerror's text) at @s, or 0. */
static size_t errno_len(const uint8_t *s, size_t len)
{
	size_t best = 0, n;
	const char *msg;
	int e;

	for (e = 0; e < 134; e++) {
		msg = strerror(e);
		n = strlen(msg);
		if (n > best && n <= len && !memcmp(s, msg, n) &&
		    (n == len || !isalnum(s[n])))
			best = n;
	}
	return best;
}

size_t insight_normalize(const uint8_t *in, size_t len, unsigned int how,
			 uint8_t *out)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		bool word_start = !i || !isalnum(in[i - 1]);

		if ((how & INSIGHT_NORM_ERRNO) && word_start && isupper(in[i]) &&
		    (n = errno_len(in + i, len - i))) {
			i += n;
			out[o++] = '%';
			out[o++] = 'E';
			continue;
		}
		if ((how & INSIGHT_NORM_HEX) && word_start && i + 2 < len &&
		    in[i] == '0' && (in[i + 1] == 'x' || in[i + 1] == 'X') &&
		    isxdigit(in[i + 2])) {
			for (i += 2; i < len && isxdigit(in[i]); i++)
				;
			out[o++] = '0';
			out[o++] = 'x';
			continue;
		}
		if ((how & INSIGHT_NORM_TIME) && word_start && isdigit(in[i]) &&
		    (n = time_len(in + i, len - i))) {
			i += n;
			out[o++] = 'T';
			continue;
		}
		if ((how & INSIGHT_NORM_NUMBERS) && isdigit(in[i])) {
			while (i < len && isdigit(in[i]))
				i++;
			out[o++] = '#';
			continue;
		}
		out[o++] = in[i++];
	}
	return o;
}

/* The normalisation of expected output @o: more for a log line. */
static unsigned int norm_of(const struct insight_matcher *m, const struct insight_output_rec *o)
{
	bool log = o->fd_kind == INSIGHT_FD_FILE && has_clock_time(o->data, o->len);

	return m->opts.normalize | (log ? m->opts.normalize_logs : 0);
}

struct insight_matcher *insight_matcher_new(const struct insight_output_rec *expected,
					    size_t n, const struct insight_match_opts *opts)
{
	struct insight_matcher *m = calloc(1, sizeof(*m));
	size_t i;

	if (!m)
		return NULL;
	m->opts.normalize = opts ? opts->normalize : INSIGHT_NORM_DEFAULT;
	m->opts.kinds = opts ? opts->kinds : INSIGHT_KINDS_DEFAULT;
	m->opts.normalize_logs = opts ? opts->normalize_logs : 0;
	m->exp = calloc(n ? n : 1, sizeof(*m->exp));
	if (!m->exp)
		goto err;
	for (i = 0; i < n; i++, m->n++) {
		m->exp[i].norm = malloc(expected[i].len ? expected[i].len : 1);
		if (!m->exp[i].norm)
			goto err;
		m->exp[i].how = norm_of(m, &expected[i]);
		m->exp[i].len = insight_normalize(expected[i].data, expected[i].len,
						  m->exp[i].how, m->exp[i].norm);
		m->exp[i].any = expected[i].any;
	}
	m->verdict = n ? INSIGHT_PREFIX : INSIGHT_MATCH;
	return m;
err:
	insight_matcher_free(m);
	return NULL;
}

void insight_matcher_free(struct insight_matcher *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free(m->exp[i].norm);
	free(m->exp);
	free(m);
}

enum insight_verdict insight_matcher_feed(struct insight_matcher *m,
					  const struct insight_output_rec *out)
{
	uint8_t small[512], *norm = small;
	size_t len;

	if (m->verdict != INSIGHT_PREFIX && m->verdict != INSIGHT_MATCH)
		return m->verdict;
	if (out->denied) {	/* see insight_output_rec.denied */
		m->verdict = INSIGHT_MISMATCH;
		return m->verdict;
	}
	if (out->fd_kind >= 32 || !(m->opts.kinds & (1U << out->fd_kind)))
		return m->verdict;	/* not an output that counts */
	if (m->verdict == INSIGHT_MATCH) {	/* more than the failure wrote */
		m->verdict = INSIGHT_MISMATCH;
		return m->verdict;
	}
	if (out->len > sizeof(small)) {
		norm = malloc(out->len);
		if (!norm)
			return m->verdict;	/* undecided: no memory */
	}
	/* normalised as the output it is compared with: its kind decides */
	len = insight_normalize(out->data, out->len, m->exp[m->pos].how, norm);
	if (m->exp[m->pos].any ||
	    (len == m->exp[m->pos].len && !memcmp(norm, m->exp[m->pos].norm, len))) {
		m->pos++;
		m->verdict = m->pos == m->n ? INSIGHT_MATCH : INSIGHT_PREFIX;
	} else {
		m->verdict = INSIGHT_MISMATCH;
	}
	if (norm != small)
		free(norm);
	return m->verdict;
}

size_t insight_matcher_pos(const struct insight_matcher *m)
{
	return m->pos;
}

enum insight_verdict insight_matcher_verdict(const struct insight_matcher *m)
{
	return m->verdict;
}
