// SPDX-License-Identifier: GPL-2.0
/*
 * insight version: the CLI's ABI version and the loaded module's, through
 * the VERSION handshake.  Exit 2 when the module is not loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "libinsight.h"

int cmd_version(int argc, char **argv)
{
	struct insight_version v;
	struct insight_nl *h;
	int err;

	(void)argv;
	if (argc != 1) {
		cli_err("version takes no arguments");
		return EXIT_USAGE;
	}
	printf("insight CLI: ABI %u\n", INSIGHT_ABI_VERSION);
	fflush(stdout);
	err = cli_open(&h);
	if (err)
		return err;
	err = insight_version(h, &v);
	if (err == -EPROTONOSUPPORT) {
		cli_err("this CLI (ABI %u) is too old for the loaded module",
			INSIGHT_ABI_VERSION);
		err = EXIT_USAGE;
	} else if (err) {
		cli_err("VERSION request failed: %s", strerror(-err));
		err = 1;
	} else {
		printf("insight.ko: ABI %u (serves clients from ABI %u)\n",
		       v.abi, v.abi_min);
		if (v.abi < INSIGHT_ABI_VERSION)
			printf("note: the module is older than this CLI; newer commands will be refused\n");
	}
	insight_nl_close(h);
	return err;
}
