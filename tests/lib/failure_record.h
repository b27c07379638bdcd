/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failure records made up by the tests, written by the record module
 * (user/record.c): a test that uses this links $(OBJS_RECORD) and
 * $(JSON_LIBS) (see the Makefile).
 */
#ifndef INSIGHT_TEST_FAILURE_RECORD_H
#define INSIGHT_TEST_FAILURE_RECORD_H

#include <stddef.h>

/*
 * Write to @path a failure record of program @exe (pid 1): request bytes
 * @in (@in_len of them) on socket fd 4, answered by one write of @out
 * (@out_len bytes) to it.  0 or -errno.
 */
int write_failure_record(const char *path, const char *exe, const void *in,
			 size_t in_len, const void *out, size_t out_len);

#endif /* INSIGHT_TEST_FAILURE_RECORD_H */
