// SPDX-License-Identifier: GPL-2.0
/*
 * insight status: the loaded module's limits and state (CAP_SYS_ADMIN).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "libinsight.h"

int cmd_status(int argc, char **argv)
{
	struct insight_status st;
	struct insight_nl *h;
	int err;

	(void)argv;
	if (argc != 1) {
		cli_err("status takes no arguments");
		return EXIT_USAGE;
	}
	err = cli_open(&h);
	if (err)
		return err;
	err = insight_status(h, &st);
	insight_nl_close(h);
	if (err == -EPERM) {
		cli_err("status needs CAP_SYS_ADMIN");
		return EXIT_USAGE;
	}
	if (err) {
		cli_err("STATUS request failed: %s", strerror(-err));
		return 1;
	}
	printf("insight.ko: loaded\n");
	printf("  max_sessions  %u\n", st.max_sessions);
	printf("  max_sites     %u\n", st.max_sites);
	printf("  max_probes    %u\n", st.max_probes);
	printf("  max_log       %u\n", st.max_log);
	printf("  max_snapshots %u\n", st.max_snapshots);
	printf("  sessions      %u open\n", st.sessions);
	return 0;
}
