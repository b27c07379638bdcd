// SPDX-License-Identifier: GPL-2.0
/*
 * The errors a call can return, from the ERRORS section of its installed
 * manual page (manpages-dev: section 2 for syscalls, 3 for library
 * functions): every errno name tagged there (".TP" then ".B EACCES" or
 * ".BR EACCES \", \" EPERM"), each once, in the page's order.  A page
 * that is only ".so manN/other.N" is followed once.  zlib reads the
 * page, compressed or not.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "manerrors.h"

int errno_by_name(const char *name)
{
	int e;

	for (e = 1; e < 4096; e++)
		if (strerrorname_np(e) && !strcmp(strerrorname_np(e), name))
			return e;
	return 0;
}

/* Add the errno names of tag line @line to @errs (@n of @max so far). */
static void tag_errnos(const char *line, int *errs, int *n, int max)
{
	const char *p = line;
	char name[32];
	size_t len;
	int e, i;

	while (*p) {
		if (*p != 'E' || (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))) {
			p++;
			continue;
		}
		for (len = 0; isupper((unsigned char)p[len]) || isdigit((unsigned char)p[len]); len++)
			;
		if (len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			e = errno_by_name(name);
			for (i = 0; e && i < *n && errs[i] != e; i++)
				;
			if (e && i == *n && *n < max)
				errs[(*n)++] = e;
		}
		p += len ? len : 1;
	}
}

/* Read the page at @path: its errnos into @errs, or its ".so" target into @so. */
static int read_page(const char *path, int *errs, int max, char *so, size_t solen)
{
	bool in_errors = false, tag_next = false;
	char line[1024];
	gzFile f = gzopen(path, "rb");
	int n = 0, lines = 0;

	if (!f)
		return -ENOENT;
	while (gzgets(f, line, sizeof(line))) {
		line[strcspn(line, "\n")] = '\0';
		if (!lines++ && !strncmp(line, ".so ", 4)) {
			if (strlen(line + 4) < solen)
				strcpy(so, line + 4);
			break;
		}
		if (!strncmp(line, ".SH", 3)) {
			in_errors = strstr(line, "ERRORS") != NULL;
			tag_next = false;
			continue;
		}
		if (!in_errors)
			continue;
		if (!strncmp(line, ".TP", 3) || !strncmp(line, ".IP", 3)) {
			tag_next = !strncmp(line, ".TP", 3);
			if (!tag_next)		/* .IP TAG: the tag on the line */
				tag_errnos(line + 3, errs, &n, max);
			continue;
		}
		if (tag_next) {
			tag_errnos(line, errs, &n, max);
			tag_next = false;
		}
	}
	gzclose(f);
	return n;
}

int man_errors(const char *mandir, const char *name, int section, int *errs, int max)
{
	char path[512], so[256] = "";
	int n;

	snprintf(path, sizeof(path), "%s/man%d/%s.%d.gz", mandir, section, name, section);
	n = read_page(path, errs, max, so, sizeof(so));
	if (n == -ENOENT) {	/* not compressed */
		snprintf(path, sizeof(path), "%s/man%d/%s.%d", mandir, section, name, section);
		n = read_page(path, errs, max, so, sizeof(so));
	}
	if (n >= 0 && so[0]) {	/* ".so man2/open.2": once */
		char to[256], ignored[256];

		snprintf(to, sizeof(to), "%s", so);
		snprintf(path, sizeof(path), "%s/%s.gz", mandir, to);
		n = read_page(path, errs, max, ignored, sizeof(ignored));
		if (n == -ENOENT) {
			snprintf(path, sizeof(path), "%s/%s", mandir, to);
			n = read_page(path, errs, max, ignored, sizeof(ignored));
		}
	}
	return n;
}
