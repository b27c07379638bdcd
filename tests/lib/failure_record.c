// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <linux/insight.h>

#include "failure_record.h"
#include "record.h"

int write_failure_record(const char *path, const char *exe, const void *in,
			 size_t in_len, const void *out, size_t out_len)
{
	struct insight_record_item item = {
		.seq = 1, .nr = 1 /* write */, .fd = 4, .fd_kind = INSIGHT_FD_SOCKET,
		.ret = out_len, .data = (void *)out, .len = out_len, .moved = out_len,
	};
	struct insight_record r = {
		.target_pid = 1, .trigger = "response", .trigger_seq = 1,
		.pid = 1, .in_fd = 4, .in_kind = INSIGHT_FD_SOCKET,
		.input = (void *)in, .input_len = in_len,
		.outputs = &item, .nout = 1,
	};

	snprintf(r.exe, sizeof(r.exe), "%s", exe);
	return insight_record_save(path, &r);
}
