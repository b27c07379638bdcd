// SPDX-License-Identifier: GPL-2.0
/*
 * The failure record's file (user/record.c): what insight_record_save()
 * writes, insight_record_load() gives back field for field and byte for
 * byte; a file that is not a whole version 1 record is refused with a
 * one-line reason and an errno.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/insight.h>

#include "kselftest_harness.h"
#include "record.h"

/* bytes no JSON string would carry as such: NULs, high bytes, quotes */
static const uint8_t binary[] = { 0, 'a', 0xff, 0x80, '"', '\\', '\n', 0, 0xfe, 0x7f };
static const uint8_t input[] = "GET /conf HTTP/1.0\r\n\r\n\0tail\xff";

FIXTURE(file) {
	char dir[64], path[96];
	char why[512];
	struct insight_record in, out;
	struct insight_record_item outputs[3], env[3];
};

FIXTURE_SETUP(file)
{
	strcpy(self->dir, "/tmp/insight-record-format-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/rec.json", self->dir);
	memset(&self->in, 0, sizeof(self->in));
	memset(&self->out, 0, sizeof(self->out));
}

FIXTURE_TEARDOWN(file)
{
	char tmp[128];

	insight_record_free(&self->out);
	unlink(self->path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", self->path);
	unlink(tmp);
	rmdir(self->dir);
}

/* A record with every field set, lent the test's buffers. */
static void full_record(FIXTURE_DATA(file) *self)
{
	struct insight_record *r = &self->in;

	r->target_pid = 412;
	strcpy(r->trigger, "response");
	r->trigger_seq = 12;
	strcpy(r->trigger_detail, "matched \"--trigger-response\" \\ /");
	r->pid = 413;
	strcpy(r->exe, "webish");
	r->in_fd = 4;
	r->in_kind = INSIGHT_FD_SOCKET;
	strcpy(r->peer, "127.0.0.1:33408");
	r->input = (uint8_t *)input;
	r->input_len = sizeof(input) - 1;
	r->input_truncated = true;
	self->outputs[0] = (struct insight_record_item){ .seq = 9, .nr = 1, .fd = 2,
		.fd_kind = INSIGHT_FD_PIPE, .ret = 59, .data = (uint8_t *)binary,
		.len = sizeof(binary), .moved = 59 };
	self->outputs[1] = (struct insight_record_item){ .seq = 10, .nr = 44, .fd = 4,
		.fd_kind = INSIGHT_FD_SOCKET, .ret = 0, .peer = "127.0.0.1:33408" };
	self->outputs[2] = (struct insight_record_item){ .seq = (1ULL << 63) + 5, .nr = 1,
		.fd = 1, .fd_kind = INSIGHT_FD_CHR, .ret = 3, .data = (uint8_t *)"abc",
		.len = 3, .moved = 3 };
	r->outputs = self->outputs;
	r->nout = 3;
	r->outputs_truncated = true;
	self->env[0] = (struct insight_record_item){ .seq = 7, .nr = 257, .fd = -1,
		.ret = -ENOENT, .data = (uint8_t *)"/etc/app.conf", .len = 13 };
	self->env[1] = (struct insight_record_item){ .seq = 8, .nr = 42, .fd = 5,
		.fd_kind = INSIGHT_FD_SOCKET, .ret = -ECONNREFUSED, .peer = "10.0.0.2:5432" };
	self->env[2] = (struct insight_record_item){ .seq = 11, .nr = 9999, .fd = -1,
		.ret = -5000 };
	r->env = self->env;
	r->nenv = 3;
	r->dropped_events = 3;
	r->dropped_requests = 1ULL << 40;
}

static void save_and_load(struct __test_metadata *_metadata, FIXTURE_DATA(file) *self)
{
	ASSERT_EQ(0, insight_record_save(self->path, &self->in));
	ASSERT_EQ(0, insight_record_load(self->path, &self->out, self->why,
					 sizeof(self->why))) TH_LOG("%s", self->why);
}

static void write_file(struct __test_metadata *_metadata, const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	ASSERT_NE(NULL, f);
	fputs(s, f);
	ASSERT_EQ(0, fclose(f));
}

/* Load the file, expecting @err and the reason @why (%s: the file's path). */
static void refused(struct __test_metadata *_metadata, FIXTURE_DATA(file) *self,
		    int err, const char *why)
{
	char expect[256];

	snprintf(expect, sizeof(expect), why, self->path);
	EXPECT_EQ(err, insight_record_load(self->path, &self->out, self->why,
					   sizeof(self->why)));
	EXPECT_STREQ(expect, self->why);
	EXPECT_EQ(0, self->out.nout);	/* nothing left allocated */
	EXPECT_EQ(NULL, self->out.input);
}

static void same_item(struct __test_metadata *_metadata, const struct insight_record_item *a,
		      const struct insight_record_item *b, bool output)
{
	EXPECT_EQ(a->seq, b->seq);
	EXPECT_EQ(a->nr, b->nr);
	EXPECT_EQ(a->fd, b->fd);
	EXPECT_EQ(a->fd < 0 ? INSIGHT_FD_NONE : a->fd_kind, b->fd_kind);
	EXPECT_EQ(a->ret, b->ret);
	EXPECT_STREQ(a->peer, b->peer);
	ASSERT_EQ(a->len, b->len);
	EXPECT_EQ(0, a->len ? memcmp(a->data, b->data, a->len) : 0);
	if (output)
		EXPECT_EQ(a->moved, b->moved);
}

TEST_F(file, saved_record_loads_back_every_scalar)
{
	full_record(self);
	save_and_load(_metadata, self);
	EXPECT_EQ(INSIGHT_RECORD_VERSION, self->out.version);
	EXPECT_EQ(412, self->out.target_pid);
	EXPECT_STREQ("", self->out.target_cgroup);
	EXPECT_STREQ("response", self->out.trigger);
	EXPECT_EQ(12, self->out.trigger_seq);
	EXPECT_STREQ(self->in.trigger_detail, self->out.trigger_detail);
	EXPECT_EQ(413, self->out.pid);
	EXPECT_STREQ("webish", self->out.exe);
	EXPECT_EQ(4, self->out.in_fd);
	EXPECT_EQ(INSIGHT_FD_SOCKET, self->out.in_kind);
	EXPECT_STREQ("127.0.0.1:33408", self->out.peer);
	EXPECT_TRUE(self->out.input_truncated);
	EXPECT_TRUE(self->out.outputs_truncated);
	EXPECT_EQ(3, self->out.dropped_events);
	EXPECT_EQ(1ULL << 40, self->out.dropped_requests);
}

TEST_F(file, binary_input_loads_back_byte_for_byte)
{
	full_record(self);
	save_and_load(_metadata, self);
	ASSERT_EQ(sizeof(input) - 1, self->out.input_len);
	EXPECT_EQ(0, memcmp(input, self->out.input, sizeof(input) - 1));
}

TEST_F(file, outputs_load_back_byte_for_byte_with_their_lengths)
{
	size_t i;

	full_record(self);
	save_and_load(_metadata, self);
	ASSERT_EQ(3, self->out.nout);
	for (i = 0; i < 3; i++)
		same_item(_metadata, &self->in.outputs[i], &self->out.outputs[i], true);
}

TEST_F(file, environment_keeps_negative_rets_paths_and_unnamed_syscalls)
{
	size_t i;

	full_record(self);
	save_and_load(_metadata, self);
	ASSERT_EQ(3, self->out.nenv);
	self->env[1].len = 0;	/* a connect's data is not kept: only an open's path */
	for (i = 0; i < 3; i++)
		same_item(_metadata, &self->in.env[i], &self->out.env[i], false);
}

TEST_F(file, empty_record_loads_back_empty)
{
	self->in.target_pid = 0;
	strcpy(self->in.target_cgroup, "/sys/fs/cgroup/app.slice");
	strcpy(self->in.trigger, "exit");
	self->in.in_fd = -1;
	save_and_load(_metadata, self);
	EXPECT_STREQ("/sys/fs/cgroup/app.slice", self->out.target_cgroup);
	EXPECT_EQ(0, self->out.target_pid);
	EXPECT_EQ(-1, self->out.in_fd);
	EXPECT_EQ(0, self->out.input_len);
	EXPECT_NE(NULL, self->out.input);
	EXPECT_EQ(0, self->out.nout);
	EXPECT_EQ(0, self->out.nenv);
	EXPECT_STREQ("", self->out.exe);
}

TEST_F(file, open_path_stops_at_its_nul)
{
	self->env[0] = (struct insight_record_item){ .nr = 2, .fd = -1, .ret = 3,
		.data = (uint8_t *)"/a\0/b", .len = 5 };
	self->in.env = self->env;
	self->in.nenv = 1;
	save_and_load(_metadata, self);
	ASSERT_EQ(1, self->out.nenv);
	ASSERT_EQ(2, self->out.env[0].len);
	EXPECT_EQ(0, memcmp("/a", self->out.env[0].data, 3));
}

TEST_F(file, save_leaves_no_temporary_file)
{
	char tmp[128];

	full_record(self);
	ASSERT_EQ(0, insight_record_save(self->path, &self->in));
	snprintf(tmp, sizeof(tmp), "%s.tmp", self->path);
	EXPECT_NE(0, access(tmp, F_OK));
	EXPECT_EQ(0, access(self->path, F_OK));
}

TEST_F(file, save_into_a_missing_folder_fails_with_enoent)
{
	snprintf(self->path, sizeof(self->path), "%s/no/rec.json", self->dir);
	EXPECT_EQ(-ENOENT, insight_record_writable(self->path));
	EXPECT_EQ(-ENOENT, insight_record_save(self->path, &self->in));
}

TEST_F(file, writable_check_leaves_nothing_behind)
{
	char tmp[128];

	EXPECT_EQ(0, insight_record_writable(self->path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", self->path);
	EXPECT_NE(0, access(tmp, F_OK));
	EXPECT_NE(0, access(self->path, F_OK));
}

TEST_F(file, missing_file_is_refused_with_enoent)
{
	refused(_metadata, self, -ENOENT, "cannot read %s: No such file or directory");
}

TEST_F(file, truncated_file_is_refused_as_not_json)
{
	full_record(self);
	ASSERT_EQ(0, insight_record_save(self->path, &self->in));
	ASSERT_EQ(0, truncate(self->path, 200));
	refused(_metadata, self, -EINVAL, "%s is not JSON (truncated?)");
}

TEST_F(file, other_json_is_refused_as_not_a_record)
{
	write_file(_metadata, self->path, "{\"traceEvents\":[]}");
	refused(_metadata, self, -EINVAL, "%s is not an insight failure record");
}

TEST_F(file, wrong_version_is_refused_naming_both)
{
	write_file(_metadata, self->path,
		   "{\"format\":\"insight-failure-record\",\"version\":2}");
	refused(_metadata, self, -EINVAL, "%s is a version 2 record; this insight reads version 1");
}

TEST_F(file, missing_input_is_refused_naming_the_key)
{
	write_file(_metadata, self->path,
		   "{\"format\":\"insight-failure-record\",\"version\":1,\"request\":{},"
		   "\"outputs\":[],\"environment\":[]}");
	refused(_metadata, self, -EINVAL,
		"%s is an incomplete failure record: no request.input_b64");
}

TEST_F(file, missing_environment_is_refused_naming_the_key)
{
	write_file(_metadata, self->path,
		   "{\"format\":\"insight-failure-record\",\"version\":1,"
		   "\"request\":{\"input_b64\":\"\"},\"outputs\":[]}");
	refused(_metadata, self, -EINVAL,
		"%s is an incomplete failure record: no environment array");
}

TEST_F(file, bad_base64_input_is_refused)
{
	write_file(_metadata, self->path,
		   "{\"format\":\"insight-failure-record\",\"version\":1,"
		   "\"request\":{\"input_b64\":\"R0VU*A==\"},\"outputs\":[],\"environment\":[]}");
	refused(_metadata, self, -EINVAL,
		"%s has bad base64 at request.input_b64");
}

TEST_F(file, unpadded_base64_output_is_refused_naming_it)
{
	write_file(_metadata, self->path,
		   "{\"format\":\"insight-failure-record\",\"version\":1,"
		   "\"request\":{\"input_b64\":\"\"},\"outputs\":[{\"data_b64\":\"b2s=\"},"
		   "{\"data_b64\":\"b2s\"}],\"environment\":[]}");
	refused(_metadata, self, -EINVAL,
		"%s has bad base64 at outputs[1].data_b64");
}

TEST_HARNESS_MAIN
