// SPDX-License-Identifier: GPL-2.0
/*
 * A probe's stores into memory the target shares with other processes
 * stay the probe's own (kmod/shared_maps.c), on tests/targets/sharedmem:
 * a MAP_SHARED file mapping, a MAP_SHARED|MAP_ANONYMOUS page and a SysV
 * shm page, all three shared with an observer process forked before the
 * session.  The probe forked at its site writes into all three and into
 * a MAP_SHARED mapping of the file it makes itself, and reports what it
 * reads back; the observer, the target and the file on disk see nothing
 * of it.  A probe of a target with shared device memory is killed
 * before it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "evlog.h"
#include "libinsight.h"
#include "scenario.h"
#include "session.h"
#include "target.h"
#include "util.h"

#define SHAREDMEM TARGET_DIR "sharedmem"
#define FILE_PATH "/tmp/insight-sharedmem"

enum { FILEMAP, ANON, SHM, NMAPS };

/* What one process sees at the start of the three shared pages. */
struct view {
	int rc;
	unsigned int word[NMAPS];
};

struct shared_record {
	int state;
	int dev;
	int probe_status;
	int outputs_rc[2];
	unsigned int nout[2];
	struct insight_output_info out[2];
	struct view observer, target;
	int file_rc;
	unsigned int file_words[2], ro_word;
	char delivered[64];
};

static void view_of(int pid, const unsigned long long *addr, struct view *v)
{
	int i;

	for (i = 0, v->rc = 0; i < NMAPS && !v->rc; i++)
		v->rc = read_mem(pid, addr[i], &v->word[i], sizeof(v->word[i]));
}

/* The file's first two words, and the first of its second page. */
static int file_words(unsigned int *w, unsigned int *ro)
{
	int fd = open(FILE_PATH, O_RDONLY);
	ssize_t n, m;

	if (fd < 0)
		return -errno;
	n = pread(fd, w, 2 * sizeof(*w), 0);
	m = pread(fd, ro, sizeof(*ro), 4096);
	close(fd);
	return n == 2 * sizeof(*w) && m == sizeof(*ro) ? 0 : -EIO;
}

static int outputs(struct insight_nl *h, uint32_t probe, struct insight_output_info *o,
		   unsigned int *n)
{
	uint64_t lost;

	return insight_outputs_get(h, probe, 0, o, 1, n, &lost) ?: (int)lost;
}

/*
 * The target's site a FORK, sandboxed (@sandbox) with "G" replayed on
 * fd 0, or reading a real "G" from its stdin pipe: the target goes the
 * 'G' way, its probe the other way and writes.
 */
static void play_shared(struct __test_metadata *_metadata, struct shared_record *r,
			bool sandbox, bool devmem)
{
	char *argv[] = { SHAREDMEM, FILE_PATH, devmem ? "devmem" : NULL, NULL };
	unsigned long long addr[NMAPS];
	static struct evlog l;
	struct insight_nl *h;
	struct target t;
	char line[160];
	int i, obs, st;

	memset(&l, 0, sizeof(l));
	ASSERT_EQ(0, insight_ensure_loaded());
	ASSERT_EQ(0, stopped_session(&t, argv, line, 1, sizeof(line), &h,
				     INSIGHT_POLICY_FORK));
	ASSERT_EQ(5, sscanf(line, "maps %d %llx %llx %llx %d", &obs, &addr[FILEMAP],
			    &addr[ANON], &addr[SHM], &r->dev));
	if (sandbox)
		ASSERT_EQ(0, insight_sandbox(h, 256, 0, "G", 1));
	kill(t.pid, SIGCONT);
	if (!sandbox)
		ASSERT_EQ(0, fputs("G", t.in) < 0 || fflush(t.in));
	/* with device memory mapped it never runs (else it runs as above) */
	i = evlog_wait(h, &l, devmem && r->dev ? INSIGHT_EVENT_KILLED :
		       INSIGHT_EVENT_EXITED, 1, 20000);
	ASSERT_LE(0, i);
	r->probe_status = l.ev[i].status;
	/* the target's answer may come after its probe's end: up to 5 s */
	for (i = 0; i < 50; i++) {
		r->outputs_rc[0] = outputs(h, 0, &r->out[0], &r->nout[0]);
		if (r->outputs_rc[0] || r->nout[0])
			break;
		usleep(100000);
	}
	r->outputs_rc[1] = outputs(h, 1, &r->out[1], &r->nout[1]);
	view_of(obs, addr, &r->observer);
	view_of(t.pid, addr, &r->target);
	r->file_rc = file_words(r->file_words, &r->ro_word);
	/* the probe's line and the target's "natural", in either order */
	for (i = 0; !sandbox && i < 2 && strncmp(r->delivered, "probe", 5); i++)
		target_line(&t, r->delivered, sizeof(r->delivered));
	kill(obs, SIGKILL);
	insight_nl_close(h);
	kill(t.pid, SIGKILL);
	while (waitpid(-1, &st, 0) > 0)
		;
	fclose(t.in);
	fclose(t.out);
	unlink(FILE_PATH);
}

SCENARIO(sandboxed_rec, struct shared_record);
SCENARIO(unsandboxed_rec, struct shared_record);

static void play_sandboxed(struct __test_metadata *_metadata, struct shared_record *r)
{
	play_shared(_metadata, r, true, false);
}

static void play_unsandboxed(struct __test_metadata *_metadata, struct shared_record *r)
{
	play_shared(_metadata, r, false, false);
}

FIXTURE(shared) {
	const struct shared_record *r;
};

FIXTURE_SETUP(shared)
{
	SCENARIO_PLAY(sandboxed_rec, play_sandboxed);
	self->r = sandboxed_rec;
}

FIXTURE_TEARDOWN(shared)
{
}

static void unchanged(struct __test_metadata *_metadata, const struct view *v)
{
	ASSERT_EQ(0, v->rc);
	EXPECT_EQ(1111, v->word[FILEMAP]);
	EXPECT_EQ(2222, v->word[ANON]);
	EXPECT_EQ(3333, v->word[SHM]);
}

TEST_F_TIMEOUT(shared, probe_exits_0, 60)
{
	EXPECT_EQ(0, self->r->probe_status);
}

TEST_F(shared, probe_reads_back_its_own_writes)
{
	static const char want[] = "probe bad1 bad2 bad3 bad4 bad5\n";

	ASSERT_EQ(0, self->r->outputs_rc[1]);
	ASSERT_EQ(1, self->r->nout[1]);
	ASSERT_EQ(strlen(want), self->r->out[1].captured);
	EXPECT_EQ(0, memcmp(want, self->r->out[1].data, strlen(want)));
}

TEST_F(shared, observer_sees_none_of_the_probes_writes)
{
	unchanged(_metadata, &self->r->observer);
}

TEST_F(shared, target_sees_none_of_the_probes_writes)
{
	unchanged(_metadata, &self->r->target);
}

TEST_F(shared, file_on_disk_is_unchanged)
{
	ASSERT_EQ(0, self->r->file_rc);
	EXPECT_EQ(1111, self->r->file_words[0]);
}

/* read-only but VM_MAYWRITE: made private too, mprotect() cannot reopen it */
TEST_F(shared, probe_writing_a_read_only_shared_mapping_made_writable_writes_nothing)
{
	ASSERT_EQ(0, self->r->file_rc);
	EXPECT_EQ(0, self->r->ro_word);
}

TEST_F(shared, probes_own_shared_mapping_writes_nothing_to_the_file)
{
	ASSERT_EQ(0, self->r->file_rc);
	EXPECT_EQ(0, self->r->file_words[1]);
}

/* Without the sandbox a probe's syscalls are real, its memory still its own. */
FIXTURE(unsandboxed) {
	const struct shared_record *r;
};

FIXTURE_SETUP(unsandboxed)
{
	SCENARIO_PLAY(unsandboxed_rec, play_unsandboxed);
	self->r = unsandboxed_rec;
}

FIXTURE_TEARDOWN(unsandboxed)
{
}

TEST_F_TIMEOUT(unsandboxed, probe_reports_its_own_writes, 60)
{
	/* its own MAP_SHARED mmap is real without the sandbox: bad4 too */
	EXPECT_STREQ("probe bad1 bad2 bad3 bad4 bad5\n", self->r->delivered);
}

TEST_F(unsandboxed, observer_sees_none_of_the_probes_writes)
{
	unchanged(_metadata, &self->r->observer);
}

TEST_F(unsandboxed, file_on_disk_keeps_the_targets_words)
{
	ASSERT_EQ(0, self->r->file_rc);
	EXPECT_EQ(1111, self->r->file_words[0]);
	EXPECT_EQ(0, self->r->ro_word);
}

/* Privatised mappings, restored mmap flags, file references: nothing stays. */
FIXTURE(leak) {
};

FIXTURE_SETUP(leak)
{
}

FIXTURE_TEARDOWN(leak)
{
}

TEST_F_TIMEOUT(leak, probes_with_shared_memory_leak_nothing, 300)
{
	struct shared_record r;
	long long before;
	int i;

	ASSERT_EQ(0, insight_ensure_unloaded());
	before = orphan_slab_objects();
	ASSERT_LE(0, before) TH_LOG("boot the guest with slub_debug=U");
	ASSERT_EQ(0, mod_load(insight_ko(), NULL));
	for (i = 0; i < 4 && _metadata->passed; i++) {
		memset(&r, 0, sizeof(r));
		play_shared(_metadata, &r, i % 2, false);
		EXPECT_EQ(0, r.probe_status);
	}
	ASSERT_EQ(0, mod_unload("insight"));
	EXPECT_EQ(before, orphan_slab_objects());
}

/*
 * Device memory cannot be made private: a write there would reach the
 * device.  The probe is killed before it runs a single instruction.
 */
TEST(probe_of_a_target_with_shared_device_memory_is_killed_before_it_runs)
{
	struct shared_record r = { 0 };

	if (access("/dev/mem", R_OK | W_OK))
		SKIP(return, "no /dev/mem");
	play_shared(_metadata, &r, true, true);
	if (!r.dev)
		SKIP(return, "/dev/mem at 0xa0000 cannot be mapped here");
	EXPECT_EQ(SIGKILL, r.probe_status & 0x7f);
	ASSERT_EQ(0, r.outputs_rc[1]);
	EXPECT_EQ(0, r.nout[1]);	/* it never wrote */
	/* the target went on: its answer is captured */
	ASSERT_EQ(0, r.outputs_rc[0]);
	ASSERT_EQ(1, r.nout[0]);
	EXPECT_EQ(0, memcmp("natural\n", r.out[0].data, r.out[0].captured));
}

TEST_HARNESS_MAIN
