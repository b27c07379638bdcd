// SPDX-License-Identifier: GPL-2.0
/*
 * make install and make uninstall into a DESTDIR: the install tree's file
 * list (the CLI in sbin, insight.ko under the kernel's updates/, the bash
 * completion, every documentation page), their modes, an installed CLI
 * that runs; and nothing left after uninstall.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[8192];
static int nfiles;

/* make -s TARGET DESTDIR=@dest PREFIX=/usr with the O the CLI was built in. */
static int make(const char *target, const char *dest)
{
	char o[256], dd[300], cmd[1024];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	int st;

	snprintf(o, sizeof(o), "%s", insight_cli());
	*strrchr(o, '/') = '\0';
	snprintf(dd, sizeof(dd), "DESTDIR=%s", dest);
	snprintf(cmd, sizeof(cmd), "env -u MAKEFLAGS -u MAKELEVEL make -s %s O=%s %s PREFIX=/usr",
		 target, o, dd);
	st = run_capture(argv, out, sizeof(out));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_file(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path;
	(void)st;
	(void)f;
	nfiles += flag == FTW_F;
	return 0;
}

static int files_under(const char *dir)
{
	nfiles = 0;
	nftw(dir, count_file, 16, FTW_PHYS);
	return nfiles;
}

static int rst_pages(void)
{
	DIR *d = opendir("Documentation");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strlen(e->d_name) > 4 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".rst");
	if (d)
		closedir(d);
	return n;
}

#define MAN_PAGES	12	/* insight(8), insight.ko(4), 10 subcommands' */

/* sh -c @cmd, its output in out: its exit status. */
static int system_capture(const char *cmd)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int st = run_capture(argv, out, sizeof(out));

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static mode_t mode_of(const char *dest, const char *path)
{
	char full[512];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", dest, path);
	return stat(full, &st) ? 0 : st.st_mode & 07777;
}

TEST(install_puts_each_file_in_its_place_and_uninstall_takes_them_back)
{
	char dest[] = "/tmp/insight-install-XXXXXX", cli[512], mod[512], rm[600];
	char *run_cli[] = { cli, "help", NULL };
	struct dirent *e;
	DIR *d;
	int st;

	ASSERT_NE(NULL, mkdtemp(dest));
	ASSERT_EQ(0, make("install", dest)) TH_LOG("%s", out);
	EXPECT_EQ(0755, mode_of(dest, "/usr/sbin/insight"));
	EXPECT_EQ(0644, mode_of(dest, "/usr/share/bash-completion/completions/insight"));
	EXPECT_EQ(0644, mode_of(dest, "/usr/share/doc/insight/kmod.rst"));
	snprintf(mod, sizeof(mod), "%s/lib/modules", dest);
	d = opendir(mod);
	ASSERT_NE(NULL, d);
	while ((e = readdir(d)) && e->d_name[0] == '.')
		;
	ASSERT_NE(NULL, e);
	snprintf(mod, sizeof(mod), "/lib/modules/%s/updates/insight.ko", e->d_name);
	closedir(d);
	EXPECT_EQ(0644, mode_of(dest, mod));
	EXPECT_EQ(0644, mode_of(dest, "/usr/share/man/man8/insight-explore.8"));
	EXPECT_EQ(0644, mode_of(dest, "/usr/share/man/man4/insight.ko.4"));
	/* man insight-explore, from the installed tree */
	snprintf(rm, sizeof(rm), "MANWIDTH=80 man -M %s/usr/share/man insight-explore", dest);
	st = system_capture(rm);
	EXPECT_EQ(0, st) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "INSIGHT-EXPLORE(8)")) TH_LOG("%s", out);
	/* the CLI, the module, the completion, every page and manual page: nothing else */
	EXPECT_EQ(3 + rst_pages() + MAN_PAGES, files_under(dest));
	snprintf(cli, sizeof(cli), "%s/usr/sbin/insight", dest);
	st = run_capture(run_cli, out, sizeof(out));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("%s", out);
	ASSERT_EQ(0, make("uninstall", dest)) TH_LOG("%s", out);
	EXPECT_EQ(0, files_under(dest));
	snprintf(rm, sizeof(rm), "rm -rf %s", dest);
	EXPECT_EQ(0, system(rm));
}

TEST_HARNESS_MAIN
