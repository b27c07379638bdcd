/* SPDX-License-Identifier: GPL-2.0 */
/* The errors of a call, from its manual page's ERRORS (user/manerrors.c). */
#ifndef INSIGHT_MANERRORS_H
#define INSIGHT_MANERRORS_H

#define MAN_DIR "/usr/share/man"

/*
 * The errnos the ERRORS section of @name(@section) under @mandir names,
 * each once, into @errs (at most @max): how many, or -ENOENT (no page).
 */
int man_errors(const char *mandir, const char *name, int section, int *errs, int max);

/* The errno named @name (ENOENT), or 0. */
int errno_by_name(const char *name);

#endif /* INSIGHT_MANERRORS_H */
