// SPDX-License-Identifier: GPL-2.0
/*
 * make deb: the two Debian packages hold exactly what make dkms-src and
 * make install (without the module) put in place, with control fields
 * that carry dkms.conf's version and maintainer scripts that name it.
 * Their install and removal in a Debian guest is tests/deb/deb_test.sh.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static char out[65536], want[65536], o[256], version[64];

/* sh -c (printf @fmt ...), its output in @buf: its exit status. */
static int __attribute__((format(printf, 3, 4)))
sh(char *buf, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = run_capture(argv, buf, len);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define MAKE	"env -u MAKEFLAGS -u MAKELEVEL make -s O=%s"
/* regular files of a package, sorted */
#define DEB_FILES "dpkg-deb -c %s | awk '$1 ~ /^-/ { sub(/^\\./, \"\", $6); print $6 }' | LC_ALL=C sort"

FIXTURE(deb) {
	char dkms[400], cli[400], stage[32];
};

FIXTURE_SETUP(deb)
{
	FILE *f;
	char line[256];

	snprintf(o, sizeof(o), "%s", insight_cli());
	*strrchr(o, '/') = '\0';
	f = fopen("dkms.conf", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PACKAGE_VERSION=\"%63[^\"]\"", version) == 1)
			break;
	fclose(f);
	ASSERT_NE(0, version[0]);
	ASSERT_EQ(0, sh(out, sizeof(out), MAKE " deb", o)) TH_LOG("%s", out);
	snprintf(self->dkms, sizeof(self->dkms), "%s/deb/insight-dkms_%s_all.deb", o, version);
	ASSERT_EQ(0, sh(out, sizeof(out), "dpkg --print-architecture | tr -d '\\n'"));
	snprintf(self->cli, sizeof(self->cli), "%s/deb/insight_%s_%.16s.deb", o, version, out);
	strcpy(self->stage, "/tmp/insight-debt-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->stage));
}

FIXTURE_TEARDOWN(deb)
{
	sh(out, sizeof(out), "rm -rf %s", self->stage);
}

TEST_F(deb, the_dkms_package_holds_the_tree_of_make_dkms_src_and_its_copyright)
{
	ASSERT_EQ(0, sh(want, sizeof(want), MAKE " dkms-src DESTDIR=%s && cd %s && "
			"{ find . -type f | sed 's/^\\.//'; echo /usr/share/doc/insight-dkms/copyright; } | "
			"LC_ALL=C sort", o, self->stage, self->stage)) TH_LOG("%s", want);
	ASSERT_EQ(0, sh(out, sizeof(out), DEB_FILES, self->dkms)) TH_LOG("%s", out);
	EXPECT_STREQ(want, out);
	/* the sources DKMS builds from, the version's own directory */
	snprintf(want, sizeof(want), "/usr/src/insight-%s/dkms.conf\n", version);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "/usr/src/insight-%s/kmod/main.c\n", version);
	EXPECT_NE(NULL, strstr(out, want));
}

TEST_F(deb, the_cli_package_holds_what_make_install_puts_in_usr_but_the_module)
{
	ASSERT_EQ(0, sh(want, sizeof(want), MAKE " install DESTDIR=%s PREFIX=/usr && cd %s && "
			"{ find . -type f ! -path './lib/modules/*' | "
			"sed 's/^\\.//; s,^\\(/usr/share/man/.*\\),\\1.gz,'; "
			"echo /usr/share/doc/insight/copyright; } | LC_ALL=C sort",
			o, self->stage, self->stage)) TH_LOG("%s", want);
	EXPECT_EQ(NULL, strstr(want, "/lib/modules/"));
	ASSERT_EQ(0, sh(out, sizeof(out), DEB_FILES, self->cli)) TH_LOG("%s", out);
	EXPECT_STREQ(want, out);
	EXPECT_NE(NULL, strstr(out, "/usr/sbin/insight\n"));
	EXPECT_NE(NULL, strstr(out, "/usr/share/man/man8/insight-explore.8.gz\n"));
	EXPECT_NE(NULL, strstr(out, "/usr/share/bash-completion/completions/insight\n"));
	/* the pages are gzip'd as Debian's, and still pages */
	EXPECT_EQ(0, sh(out, sizeof(out), "dpkg-deb --fsys-tarfile %s | "
			"tar -xO ./usr/share/man/man4/insight.ko.4.gz | gzip -dc | grep -c '^\\.TH'",
			self->cli)) TH_LOG("%s", out);
}

TEST_F(deb, control_fields_carry_the_version_of_dkms_conf)
{
	ASSERT_EQ(0, sh(out, sizeof(out), "dpkg-deb -f %s Package Version Architecture Depends",
			self->dkms)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "Package: insight-dkms\nVersion: %s\nArchitecture: all\n"
		 "Depends: dkms (>= 2.8)\n", version);
	EXPECT_STREQ(want, out);
	ASSERT_EQ(0, sh(out, sizeof(out), "dpkg-deb -f %s Package Version Recommends",
			self->cli)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "Package: insight\nVersion: %s\nRecommends: insight-dkms (= %s),",
		 version, version);
	EXPECT_EQ(0, strncmp(want, out, strlen(want))) TH_LOG("%s", out);
	/* the static CLI names the sources it links in */
	ASSERT_EQ(0, sh(out, sizeof(out), "dpkg-deb -f %s Built-Using", self->cli));
	EXPECT_NE(NULL, strstr(out, "libbpf (= ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "glibc (= ")) TH_LOG("%s", out);
}

TEST_F(deb, maintainer_scripts_name_the_version_and_parse)
{
	static const char *const scripts[] = { "postinst", "prerm" };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, sh(out, sizeof(out), "dpkg-deb -I %s %s", self->dkms, scripts[i]))
			TH_LOG("%s: %s", scripts[i], out);
		snprintf(want, sizeof(want), "\nversion=%s\n", version);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s: %s", scripts[i], out);
		EXPECT_EQ(NULL, strstr(out, "@VERSION@"));
		EXPECT_EQ(0, sh(out, sizeof(out), "dpkg-deb -I %s %s | sh -n", self->dkms,
				scripts[i])) TH_LOG("%s: %s", scripts[i], out);
		EXPECT_EQ(0, sh(out, sizeof(out), "dpkg-deb --ctrl-tarfile %s | tar -tvf - ./%s | "
				"grep -q '^-rwxr-xr-x'", self->dkms, scripts[i]))
			TH_LOG("%s is not executable", scripts[i]);
	}
	/* the CLI's package needs none */
	EXPECT_NE(0, sh(out, sizeof(out), "dpkg-deb -I %s postinst", self->cli));
}

TEST_HARNESS_MAIN
