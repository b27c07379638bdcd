/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay policy's knowledge (user/shadow/replay.c): the failure
 * record, read from production through its guest agent, says which peers
 * the failed request connected to and whether each answered.
 */
#ifndef INSIGHT_REPLAY_H
#define INSIGHT_REPLAY_H

#include <stddef.h>

#include "peers.h"

/*
 * Read the record @record from the VM whose agent is @agent, keep a copy
 * at @copy, and add its peers to @ps: 0, or -1 with @why.
 */
int replay_peers(const char *agent, const char *record, const char *copy, struct peers *ps,
		 char *why, size_t whylen);

#endif /* INSIGHT_REPLAY_H */
