// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI is documented from the uapi header's kernel-doc (make doc):
 * every command, attribute, constant and field must be described, which
 * the kernel's own kernel-doc checks.  Also the kernel-doc of the module.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[8192];

static void kernel_doc(struct __test_metadata *_metadata, const char *file)
{
	const char *kdoc = getenv("INSIGHT_KERNEL_DOC");
	char *argv[] = { "/usr/bin/perl", (char *)kdoc, "-none", "-Werror",
			 (char *)file, NULL };
	int status;

	ASSERT_NE(NULL, kdoc) TH_LOG("INSIGHT_KERNEL_DOC (set by make check) is unset");
	status = run_capture(argv, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", out);
	EXPECT_STREQ("", out);
}

TEST(uapi_header_is_fully_documented)
{
	kernel_doc(_metadata, "include/uapi/linux/insight.h");
}

TEST(module_kernel_doc_is_valid)
{
	static const char * const files[] = {
		"kmod/insight.h", "kmod/probe.c", "kmod/sandbox.c", "kmod/site.c",
		"kmod/session.c", "kmod/step.c", "kmod/event.c", "kmod/genl.c",
	};
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		kernel_doc(_metadata, files[i]);
}

TEST_HARNESS_MAIN
