// SPDX-License-Identifier: GPL-2.0
/*
 * user/manerrors.c against the installed manual pages (manpages-dev, in
 * make deps) and against pages written here: the ERRORS section's
 * errno tags, each once; ".so" followed; no page is -ENOENT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "manerrors.h"

static bool has(const int *errs, int n, int e)
{
	int i;

	for (i = 0; i < n; i++)
		if (errs[i] == e)
			return true;
	return false;
}

TEST(open_2_names_its_errors)
{
	int errs[64], n = man_errors(MAN_DIR, "open", 2, errs, 64);

	ASSERT_LT(20, n);
	EXPECT_TRUE(has(errs, n, EACCES));
	EXPECT_TRUE(has(errs, n, ENOENT));
	EXPECT_TRUE(has(errs, n, EMFILE));
	EXPECT_TRUE(has(errs, n, ENOSPC));
	EXPECT_FALSE(has(errs, n, ECONNREFUSED));
}

TEST(connect_2_has_the_network_errors_and_each_once)
{
	int errs[64], n = man_errors(MAN_DIR, "connect", 2, errs, 64), i, j;

	ASSERT_LT(5, n);
	EXPECT_TRUE(has(errs, n, ECONNREFUSED));
	EXPECT_TRUE(has(errs, n, ETIMEDOUT));
	EXPECT_TRUE(has(errs, n, EPERM));	/* from ".BR EACCES \", \" EPERM" */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			EXPECT_NE(errs[i], errs[j]);
}

TEST(malloc_3_fails_with_enomem)
{
	int errs[8], n = man_errors(MAN_DIR, "malloc", 3, errs, 8);

	ASSERT_EQ(1, n);
	EXPECT_EQ(ENOMEM, errs[0]);
}

TEST(no_page_is_enoent)
{
	int errs[8];

	EXPECT_EQ(-ENOENT, man_errors(MAN_DIR, "no_such_call_here", 2, errs, 8));
}

/* A page @name.2 under @dir/man2 with @text. */
static void page(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/man2/%s.2", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(a_so_page_is_followed_and_only_errors_count)
{
	char dir[] = "/tmp/insight-man-XXXXXX", sub[64];
	int errs[8], n;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/man2", dir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	page(dir, "real", ".TH REAL 2\n.SH DESCRIPTION\n.TP\n.B EINVAL\nnot an error here\n"
			  ".SH ERRORS\n.TP\n.B EAGAIN\nTry again.\n.TP\n.BR EIO \", \" ENXIO\n"
			  "I/O.\n.SH SEE ALSO\n.TP\n.B EBADF\n");
	page(dir, "alias", ".so man2/real.2\n");
	n = man_errors(dir, "alias", 2, errs, 8);
	ASSERT_EQ(3, n);
	EXPECT_EQ(EAGAIN, errs[0]);
	EXPECT_EQ(EIO, errs[1]);
	EXPECT_EQ(ENXIO, errs[2]);
	snprintf(sub, sizeof(sub), "rm -rf %s", dir);
	EXPECT_EQ(0, system(sub));
}

TEST(errno_names_are_the_libcs)
{
	EXPECT_EQ(ENOENT, errno_by_name("ENOENT"));
	EXPECT_EQ(ECONNREFUSED, errno_by_name("ECONNREFUSED"));
	EXPECT_EQ(0, errno_by_name("ENOTANERRNO"));
}

TEST_HARNESS_MAIN
