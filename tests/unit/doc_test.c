// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI is documented from the uapi header's kernel-doc (make doc):
 * every command, attribute, constant and field must be described, which
 * the kernel's own kernel-doc checks.  Also the kernel-doc of every file
 * of the module, and every page of Documentation/ as docutils reads it.
 */
#include <dirent.h>
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
	struct dirent *d;
	char path[300];
	size_t n;
	int files = 0;
	DIR *dir;

	dir = opendir("kmod");
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		n = strlen(d->d_name);
		if (n < 3 || d->d_name[n - 2] != '.' ||
		    (d->d_name[n - 1] != 'c' && d->d_name[n - 1] != 'h'))
			continue;
		snprintf(path, sizeof(path), "kmod/%s", d->d_name);
		kernel_doc(_metadata, path);
		files++;
	}
	closedir(dir);
	EXPECT_LT(20, files);	/* every file of the module, not none */
}

/* Every page of Documentation/ parses without a docutils warning. */
TEST(documentation_parses_without_warnings)
{
	char *argv[] = { "/bin/sh", "-c",
			 "/usr/bin/python3 tools/rstcheck.py Documentation/*.rst", NULL };
	int status;

	status = run_capture(argv, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", out);
	EXPECT_STREQ("", out);
}

TEST_HARNESS_MAIN
