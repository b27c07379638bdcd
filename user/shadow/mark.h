/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow's mark: a file insight shadow writes in a shadow VM (through
 * its guest agent) as soon as the shadow runs, before anything explores
 * it.  insight explore, finding it, knows it works on a copy; elsewhere it
 * asks for --in-place.  It holds a line: "shadow of PRODUCTION-QMP".
 */
#ifndef INSIGHT_SHADOW_MARK_H
#define INSIGHT_SHADOW_MARK_H

#define SHADOW_MARK "/run/insight/shadow"

#endif /* INSIGHT_SHADOW_MARK_H */
