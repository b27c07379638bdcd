// SPDX-License-Identifier: GPL-2.0
/*
 * tools/vm/mkimage --pkg (what tools/vm/run --pkg uses): a package's
 * programs wherever they live, with the libraries they need, run in the
 * guest; a script whose interpreter the image lacks is named; a package
 * that cannot be had fails with a message, never silently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[65536];

static int run(char *const argv[])
{
	int st = run_capture(argv, out, sizeof(out));

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* man-db's manconv lives in /usr/libexec, its libman in /usr/lib/man-db */
TEST(a_program_outside_bin_runs_in_the_guest_with_its_private_library)
{
	char *argv[] = { "tools/vm/run", "--no-load", "--pkg", "man-db", "--",
			 "/usr/libexec/man-db/manconv", "--version", NULL };

	EXPECT_EQ(0, run(argv)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "mkimage: man-db: ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "manconv ")) TH_LOG("%s", out);
}

TEST(the_image_has_the_packages_files_but_its_documentation)
{
	char img[] = "/tmp/insight-mkimage-XXXXXX", cmd[256];
	char *argv[] = { "tools/vm/mkimage", "--overlay", "--pkg", "man-db", "--", img, NULL };
	char *list[] = { "/bin/sh", "-c", cmd, NULL };
	int fd = mkstemp(img);

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, run(argv)) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "gzip -dc %s | cpio -t --quiet", img);
	EXPECT_EQ(0, run(list));
	EXPECT_NE(NULL, strstr(out, "usr/libexec/man-db/manconv\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "usr/lib/man-db/libman.so\n"));
	EXPECT_NE(NULL, strstr(out, "etc/manpath.config\n"));
	EXPECT_EQ(NULL, strstr(out, "usr/share/man/"));
	EXPECT_EQ(NULL, strstr(out, "usr/share/doc/"));
	unlink(img);
}

/* mmdebstrap is a Perl script; the image has no Perl */
TEST(a_script_whose_interpreter_is_missing_is_named)
{
	char img[] = "/tmp/insight-mkimage-XXXXXX";
	char *argv[] = { "tools/vm/mkimage", "--overlay", "--pkg", "mmdebstrap", "--", img, NULL };
	int fd = mkstemp(img);

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(0, run(argv)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "mkimage: mmdebstrap: /usr/bin/mmdebstrap is a script for "
			       "/usr/bin/perl, which the image lacks")) TH_LOG("%s", out);
	unlink(img);
}

TEST(a_package_that_cannot_be_had_fails_with_a_message)
{
	char img[] = "/tmp/insight-mkimage-XXXXXX";
	char *argv[] = { "tools/vm/mkimage", "--overlay", "--pkg", "no-such-package-insight",
			 "--", img, NULL };
	int fd = mkstemp(img);

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_NE(0, run(argv));
	EXPECT_NE(NULL, strstr(out, "mkimage: cannot install no-such-package-insight"))
		TH_LOG("%s", out);
	unlink(img);
}

TEST_HARNESS_MAIN
