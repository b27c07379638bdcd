// SPDX-License-Identifier: GPL-2.0
/*
 * The guest harness itself (tools/vm/run): it must bring back the
 * command's output and exit status, and fail the run on a kernel WARN
 * (the guest boots with panic_on_warn=1) and on a timeout.  Each test
 * boots a guest (~3 s under TCG).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[16384];

static int vm(char **args)
{
	char *argv[16] = { "tools/vm/run" };
	int i;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	return run_capture(argv, out, sizeof(out));
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(output_and_exit_status_come_back)
{
	char *args[] = { "--", "sh", "-c", "cat /sys/module/insight/initstate; exit 7", NULL };

	EXPECT_EQ(7, exit_code(vm(args))) TH_LOG("%s", out);
	EXPECT_STREQ("live\n", out);
}

TEST(kernel_warning_fails_the_run)
{
	char *args[] = { "--no-load", "--", "insmod", "/insight/modules/insight_warn.ko", NULL };

	EXPECT_EQ(125, exit_code(vm(args))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "WARNING:")) TH_LOG("%s", out);
}

TEST(timeout_fails_the_run)
{
	char *args[] = { "--no-load", "--timeout", "8", "--", "sleep", "600", NULL };

	EXPECT_EQ(124, exit_code(vm(args))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "vm: timeout")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
