/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the files of insight.ko.
 */
#ifndef _INSIGHT_INTERNAL_H
#define _INSIGHT_INTERNAL_H

#include <linux/types.h>

/* Module parameters (kmod/main.c), read-only after load. */
extern unsigned int insight_max_sessions;
extern unsigned int insight_max_sites;
extern unsigned int insight_max_probes;

int insight_genl_init(void);
void insight_genl_exit(void);

#endif /* _INSIGHT_INTERNAL_H */
