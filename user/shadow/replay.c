// SPDX-License-Identifier: GPL-2.0
/* The replay policy's peers, from production's failure record (replay.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "replay.h"

int replay_peers(const char *agent, const char *record, const char *copy, struct peers *ps,
		 char *why, size_t whylen)
{
	struct insight_record r = { 0 };
	char what[256];
	FILE *f = fopen(copy, "we");
	int err;

	if (!f) {
		snprintf(why, whylen, "cannot create %s: %s", copy, strerror(errno));
		return -1;
	}
	err = agent_fetch(agent, record, f, why, whylen);
	if (fclose(f) && !err) {
		snprintf(why, whylen, "cannot write %s: %s", copy, strerror(errno));
		err = -1;
	}
	if (!err && insight_record_load(copy, &r, what, sizeof(what))) {
		snprintf(why, whylen, "%s is not a failure record: %s", record, what);
		err = -1;
	}
	if (err) {
		unlink(copy);
		return -1;
	}
	peers_from_record(ps, &r);
	insight_record_free(&r);
	return 0;
}
