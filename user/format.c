// SPDX-License-Identifier: GPL-2.0
/*
 * Formatting of the syscall stream (see format.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "syscalls.h"

#define PENDING 1024	/* enter records waiting for their exit, by tid */

struct pending {
	__u32 tid;
	__u64 ts_ns;
};

struct insight_fmt {
	FILE *out;
	enum insight_format format;
	unsigned long written;
	struct pending pending[PENDING];
};

static const char *const fd_kinds[] = {
	[INSIGHT_FD_NONE] = "none", [INSIGHT_FD_FILE] = "file",
	[INSIGHT_FD_PIPE] = "pipe", [INSIGHT_FD_SOCKET] = "socket",
	[INSIGHT_FD_CHR] = "chr", [INSIGHT_FD_OTHER] = "other",
};

const char *insight_fd_kind_name(unsigned int kind)
{
	return fd_kinds[kind <= INSIGHT_FD_OTHER ? kind : INSIGHT_FD_NONE];
}

unsigned int insight_fd_kind_parse(const char *name)
{
	unsigned int i;

	for (i = 0; name && i <= INSIGHT_FD_OTHER; i++)
		if (!strcmp(name, fd_kinds[i]))
			return i;
	return INSIGHT_FD_NONE;
}

int insight_fmt_parse(const char *name, enum insight_format *f)
{
	if (!strcmp(name, "text"))
		*f = INSIGHT_FMT_TEXT;
	else if (!strcmp(name, "jsonl"))
		*f = INSIGHT_FMT_JSONL;
	else if (!strcmp(name, "chrome"))
		*f = INSIGHT_FMT_CHROME;
	else
		return -EINVAL;
	return 0;
}

struct insight_fmt *insight_fmt_new(FILE *out, enum insight_format format)
{
	struct insight_fmt *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->out = out;
	f->format = format;
	if (format == INSIGHT_FMT_CHROME)
		fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", out);
	return f;
}

void insight_base64(const void *p, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = tab[s[i] >> 2];
		*out++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*out++ = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*out++ = tab[s[i + 2] & 63];
	}
	if (i < len) {
		*out++ = tab[s[i] >> 2];
		if (i + 1 < len) {
			*out++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			*out++ = tab[(s[i + 1] & 15) << 2];
		} else {
			*out++ = tab[(s[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Padded base64 only, as insight_base64() writes it: a multiple of four
 * characters, '=' only in the last two. */
uint8_t *insight_base64_decode(const char *s, size_t n, size_t *len)
{
	size_t pad = n && s[n - 1] == '=' ? 1 + (n > 1 && s[n - 2] == '=') : 0;
	unsigned int acc = 0, bits = 0;
	size_t o = 0, i;
	uint8_t *out;
	int v;

	if (n % 4) {
		errno = EINVAL;
		return NULL;
	}
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n - pad; i++) {
		v = b64_val(s[i]);
		if (v < 0) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = acc >> bits & 0xff;
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}

void insight_json_str(FILE *out, const char *s, size_t len)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* @len bytes as a C string literal, strace style, at most 64 shown. */
static void c_str(FILE *out, const __u8 *p, size_t len)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < len && i < 64; i++) {
		switch (p[i]) {
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		default:
			if (p[i] < 0x20 || p[i] >= 0x7f)
				fprintf(out, "\\x%02x", p[i]);
			else
				fputc(p[i], out);
		}
	}
	fputc('"', out);
	if (len > 64)
		fputs("...", out);
}

static struct pending *slot(struct insight_fmt *f, __u32 tid)
{
	return &f->pending[tid % PENDING];
}

static const char *name_of(long nr, char *buf, size_t len)
{
	const char *n = insight_syscall_name(nr);

	if (n)
		return n;
	snprintf(buf, len, "syscall_%ld", nr);
	return buf;
}

/* "1<pipe>", "3<file:hostname>", "4<socket:127.0.0.1:80>" */
static void fd_text(FILE *out, const struct insight_sys_event *e)
{
	struct in_addr a = { .s_addr = e->peer_addr };

	fprintf(out, "%d<%s", e->fd, insight_fd_kind_name(e->fd_kind));
	if (e->name[0] && (e->fd_kind == INSIGHT_FD_FILE || e->fd_kind == INSIGHT_FD_CHR))
		fprintf(out, ":%.32s", e->name);
	if (e->fd_kind == INSIGHT_FD_SOCKET && e->peer_port)
		fprintf(out, ":%s:%u", inet_ntoa(a), e->peer_port);
	fputc('>', out);
}

static void ret_text(FILE *out, long long ret)
{
	if (ret < 0 && ret > -4096)
		fprintf(out, " = -1 %s (%s)\n", strerrorname_np(-ret) ?: "E?",
			strerror(-ret));
	else
		fprintf(out, " = %lld\n", ret);
}

/* The errno getsockopt(SO_ERROR) gave, by name ("0" for none). */
static void so_error_text(FILE *out, const void *payload)
{
	int v;

	memcpy(&v, payload, sizeof(v));
	if (v > 0 && v < 4096 && strerrorname_np(v))
		fputs(strerrorname_np(v), out);
	else
		fprintf(out, "%d", v);
}

static void text_exit(struct insight_fmt *f, const struct insight_sys_event *e,
		      const void *payload)
{
	FILE *out = f->out;
	char buf[32];
	int i;

	fprintf(out, "[pid %u] %s(", e->tid, name_of(e->nr, buf, sizeof(buf)));
	switch (e->nr) {
	case 0: case 17: case 45:	/* read, pread64, recvfrom: data read */
	case 1: case 18: case 44:	/* write, pwrite64, sendto: data written */
	case 19: case 20:		/* readv, writev: their pieces' bytes */
	case 46: case 47:		/* sendmsg, recvmsg */
		fd_text(out, e);
		fputs(", ", out);
		c_str(out, payload, e->payload_len);
		fprintf(out, ", %llu", (unsigned long long)e->args[2]);
		break;
	case 55:			/* getsockopt: SO_ERROR's value */
		if (e->payload_len != 4)
			goto plain;
		fd_text(out, e);
		fputs(", SOL_SOCKET, SO_ERROR, [", out);
		so_error_text(out, payload);
		fputs("]", out);
		break;
	case 2:				/* open */
	case 257:			/* openat */
		if (e->nr == 257)
			fprintf(out, "%d, ", (int)e->args[0]);
		c_str(out, payload, e->payload_len);
		fprintf(out, ", %#llx", (unsigned long long)e->args[e->nr == 257 ? 2 : 1]);
		break;
	default:
plain:
		for (i = 0; i < 3; i++) {
			if (i)
				fputs(", ", out);
			if (!i && e->fd >= 0)
				fd_text(out, e);
			else
				fprintf(out, "%#llx", (unsigned long long)e->args[i]);
		}
	}
	fputc(')', out);
	ret_text(out, e->ret);
}

static void json_exit(struct insight_fmt *f, const struct insight_sys_event *e,
		      const struct pending *in, const void *payload)
{
	char buf[32], b64[4 * (INSIGHT_PAYLOAD_MAX + 2) / 3 + 8];
	FILE *out = f->out;
	int i;

	fprintf(out, "{\"seq\":%llu,\"ts_ns\":%llu,\"pid\":%u,\"tid\":%u,\"syscall\":\"%s\",\"nr\":%d,\"args\":[",
		(unsigned long long)e->seq, (unsigned long long)e->ts_ns, e->pid,
		e->tid, name_of(e->nr, buf, sizeof(buf)), e->nr);
	for (i = 0; i < 6; i++)
		fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)e->args[i]);
	fprintf(out, "],\"ret\":%lld", (long long)e->ret);
	if (in)
		fprintf(out, ",\"dur_ns\":%llu", (unsigned long long)(e->ts_ns - in->ts_ns));
	if (e->fd >= 0) {
		fprintf(out, ",\"fd\":%d,\"fd_kind\":\"%s\"", e->fd,
			insight_fd_kind_name(e->fd_kind));
		if (e->name[0]) {
			fputs(",\"name\":", out);
			insight_json_str(out, e->name, sizeof(e->name));
		}
	}
	if (e->peer_port) {
		struct in_addr a = { .s_addr = e->peer_addr };

		fprintf(out, ",\"peer\":\"%s:%u\"", inet_ntoa(a), e->peer_port);
	}
	if (e->payload_len) {
		insight_base64(payload, e->payload_len, b64);
		fprintf(out, ",\"data_b64\":\"%s\"", b64);
	}
	fputs("}\n", out);
}

static void chrome_sep(struct insight_fmt *f)
{
	if (f->written++)
		fputs(",\n", f->out);
}

static void chrome_exit(struct insight_fmt *f, const struct insight_sys_event *e,
			const struct pending *in)
{
	unsigned long long start = in ? in->ts_ns : e->ts_ns;
	char buf[32];

	chrome_sep(f);
	fprintf(f->out, "{\"name\":\"%s\",\"cat\":\"syscall\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":%u,\"tid\":%u,\"args\":{\"ret\":%lld,\"fd\":%d,\"fd_kind\":\"%s\"}}",
		name_of(e->nr, buf, sizeof(buf)), start / 1e3,
		(e->ts_ns - start) / 1e3, e->pid, e->tid, (long long)e->ret, e->fd,
		insight_fd_kind_name(e->fd_kind));
}

static void process_event(struct insight_fmt *f, const struct insight_sys_event *e)
{
	bool fork = e->kind == INSIGHT_EV_FORK;

	switch (f->format) {
	case INSIGHT_FMT_TEXT:
		if (fork)
			fprintf(f->out, "[pid %u] +++ forked %llu +++\n", e->pid,
				(unsigned long long)e->args[0]);
		else if (e->ret & 0x7f)
			fprintf(f->out, "[pid %u] +++ killed by %s +++\n", e->pid,
				sigabbrev_np(e->ret & 0x7f) ?: "?");
		else
			fprintf(f->out, "[pid %u] +++ exited with %lld +++\n", e->pid,
				(long long)(e->ret >> 8) & 0xff);
		break;
	case INSIGHT_FMT_JSONL:
		if (fork)
			fprintf(f->out, "{\"seq\":%llu,\"ts_ns\":%llu,\"event\":\"fork\",\"pid\":%u,\"child\":%llu}\n",
				(unsigned long long)e->seq, (unsigned long long)e->ts_ns,
				e->pid, (unsigned long long)e->args[0]);
		else
			fprintf(f->out, "{\"seq\":%llu,\"ts_ns\":%llu,\"event\":\"exit\",\"pid\":%u,\"status\":%lld}\n",
				(unsigned long long)e->seq, (unsigned long long)e->ts_ns,
				e->pid, (long long)e->ret);
		break;
	case INSIGHT_FMT_CHROME:
		chrome_sep(f);
		fprintf(f->out, "{\"name\":\"%s\",\"cat\":\"process\",\"ph\":\"i\",\"s\":\"p\",\"ts\":%.3f,\"pid\":%u,\"tid\":%u}",
			fork ? "fork" : "exit", e->ts_ns / 1e3, e->pid, e->tid);
		break;
	}
}

void insight_fmt_event(struct insight_fmt *f, const struct insight_sys_event *e,
		       const void *payload)
{
	struct pending *p = slot(f, e->tid);

	switch (e->kind) {
	case INSIGHT_EV_SYS_ENTER:
		p->tid = e->tid;
		p->ts_ns = e->ts_ns;
		return;
	case INSIGHT_EV_SYS_EXIT:
		if (p->tid != e->tid)
			p = NULL;	/* its enter came before we looked */
		if (f->format == INSIGHT_FMT_TEXT)
			text_exit(f, e, payload);
		else if (f->format == INSIGHT_FMT_JSONL)
			json_exit(f, e, p, payload);
		else
			chrome_exit(f, e, p);
		if (p)
			p->tid = 0;
		return;
	case INSIGHT_EV_FORK:
	case INSIGHT_EV_EXIT:
		process_event(f, e);
		return;
	}
}

void insight_fmt_end(struct insight_fmt *f)
{
	if (f->format == INSIGHT_FMT_CHROME)
		fputs("\n]}\n", f->out);
	fflush(f->out);
	free(f);
}
