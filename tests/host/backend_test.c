// SPDX-License-Identifier: GPL-2.0
/*
 * The backend contract on the build host: the ptrace backend only (no
 * module loads here).  The bodies are tests/guest/backend_test.c's.
 */
#define BACKEND_TEST_HOST
#include "../guest/backend_test.c"
