/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Formatting of the syscall stream: strace-like text, JSON Lines, and the
 * Chrome trace-event JSON that the Perfetto UI opens.  A syscall is
 * printed once, at its exit (which carries the arguments and the data),
 * with its start time from its enter record.
 */
#ifndef INSIGHT_FORMAT_H
#define INSIGHT_FORMAT_H

#include <stdint.h>
#include <stdio.h>
#include <linux/insight.h>

enum insight_format { INSIGHT_FMT_TEXT, INSIGHT_FMT_JSONL, INSIGHT_FMT_CHROME };

struct insight_fmt;

/* "text", "jsonl" or "chrome": 0, else -EINVAL */
int insight_fmt_parse(const char *name, enum insight_format *f);
struct insight_fmt *insight_fmt_new(FILE *out, enum insight_format format);
void insight_fmt_event(struct insight_fmt *f, const struct insight_sys_event *e,
		       const void *payload);
/* Finish the output (closes the Chrome JSON) and free @f. */
void insight_fmt_end(struct insight_fmt *f);

/* Base64 of @len bytes at @p into @out (4 * ((len + 2) / 3) + 1 bytes). */
void insight_base64(const void *p, size_t len, char *out);
/*
 * Decode @n characters of padded base64 at @s into a new buffer (NUL
 * after the data), its length in *len; NULL with errno EINVAL if @s is
 * not base64, ENOMEM.
 */
uint8_t *insight_base64_decode(const char *s, size_t n, size_t *len);
/* "none", "file", "pipe", "socket", "chr", "other": an enum
 * insight_fd_kind's name ("none" for an unknown one), and back. */
const char *insight_fd_kind_name(unsigned int kind);
unsigned int insight_fd_kind_parse(const char *name);
/* @s as a JSON string, quotes included. */
void insight_json_str(FILE *out, const char *s, size_t len);

#endif /* INSIGHT_FORMAT_H */
