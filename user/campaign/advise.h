/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The f-map's advice (user/campaign/advise.c): for a failure seen at one
 * component, which component to shadow first.
 */
#ifndef INSIGHT_CAMPAIGN_ADVISE_H
#define INSIGHT_CAMPAIGN_ADVISE_H

#include <stddef.h>

/*
 * For a failure seen at @node, the components whose faults made @node
 * fail in the saved f-map @path, most runs first, as one line in
 * @line: 0, -ENOENT (no edge into @node), or -EINVAL (not an f-map).
 */
int fmap_advise(const char *path, const char *node, char *line, size_t len);

#endif /* INSIGHT_CAMPAIGN_ADVISE_H */
