// SPDX-License-Identifier: GPL-2.0
/*
 * insight sites --pid P [--lib NAME]
 *
 * The conditional jumps insight.ko can trap in a process's executable (or
 * in a shared object it maps): address, instruction, function+offset and
 * source line when debug info exists.  The count goes to stderr.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sites.h"

/* The options of insight sites (its --help: user/help.c). */
const struct option sites_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "lib", required_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 },
};

int cmd_sites(int argc, char **argv)
{
	struct insight_jcc *j;
	const char *lib = NULL;
	char why[512];
	size_t n, i;
	int c, pid = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:l:", sites_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			pid = cli_pid(optarg);
			if (!pid)
				return EXIT_USAGE;
			break;
		case 'l':
			lib = optarg;
			break;
		default:
			fprintf(stderr, "usage: insight sites --pid P [--lib NAME]\n");
			return EXIT_USAGE;
		}
	}
	if (!pid || optind != argc) {
		fprintf(stderr, "usage: insight sites --pid P [--lib NAME]\n");
		return EXIT_USAGE;
	}
	if (insight_find_jccs(pid, lib, &j, &n, why, sizeof(why))) {
		cli_err("%s", why);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		printf("%#" PRIx64 " %-5s", j[i].addr, j[i].mnemonic);
		if (j[i].func[0])
			printf(" %s+%#" PRIx64, j[i].func, j[i].func_off);
		if (j[i].src[0])
			printf(" %s", j[i].src);
		if (j[i].cls != INSIGHT_JCC_NONE)
			printf(" [%s%s%s]", insight_jcc_class_name(j[i].cls), j[i].callee[0] ? ": " : "",
			       j[i].callee);
		putchar('\n');
	}
	fprintf(stderr, "insight: %zu conditional jumps\n", n);
	free(j);
	return 0;
}
