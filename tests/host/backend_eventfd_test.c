// SPDX-License-Identifier: GPL-2.0
/*
 * tests/guest/backend_eventfd_test.c on the build host: the ptrace backend only (no
 * module loads here).
 */
#define BACKEND_TEST_HOST
#include "../guest/backend_eventfd_test.c"
