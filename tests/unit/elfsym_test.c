// SPDX-License-Identifier: GPL-2.0
/*
 * user/elfsym.c: a function's entry as a file offset, checked against
 * where this very test has the function mapped (/proc/self/maps).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "elfsym.h"

int elfsym_probe_target(int x);

/* a function of this executable's own, by name */
__attribute__((noinline, used)) int elfsym_probe_target(int x)
{
	return x * 3 + 1;
}

/* The file offset of @addr in this process's executable, from its maps. */
static int mapped_offset(unsigned long addr, uint64_t *off)
{
	unsigned long lo, hi, pgoff;
	char line[512], exe[400], file[400];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (n <= 0 || !f)
		return -1;
	exe[n] = '\0';
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %399s", &lo, &hi, &pgoff, file) == 4 &&
		    addr >= lo && addr < hi && !strcmp(file, exe)) {
			*off = addr - lo + pgoff;
			found = 1;
		}
	fclose(f);
	return found ? 0 : -1;
}

TEST(a_function_is_where_the_loader_mapped_it)
{
	uint64_t want, got = 0;

	ASSERT_EQ(0, mapped_offset((unsigned long)elfsym_probe_target, &want));
	ASSERT_EQ(0, elf_function_offset("/proc/self/exe", "elfsym_probe_target", &got));
	EXPECT_EQ(want, got);
}

TEST(a_missing_function_is_enoent)
{
	uint64_t off;

	EXPECT_EQ(-ENOENT, elf_function_offset("/proc/self/exe", "no_such_function_here", &off));
}

TEST(a_file_that_is_not_elf_is_enoexec)
{
	char path[] = "/tmp/insight-elfsym-XXXXXX";
	int fd = mkstemp(path);
	uint64_t off;

	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "hello", 5));
	close(fd);
	EXPECT_EQ(-ENOEXEC, elf_function_offset(path, "main", &off));
	unlink(path);
	EXPECT_EQ(-ENOENT, elf_function_offset(path, "main", &off));	/* gone */
}

TEST_HARNESS_MAIN
