/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Target programs for the guest tests (tests/targets/): started with
 * pipes on stdin and stdout; each prints "sites ADDR..." first.
 */
#ifndef INSIGHT_TEST_TARGET_H
#define INSIGHT_TEST_TARGET_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define TARGET_DIR "/insight/tests/targets/"

struct target {
	pid_t pid;
	FILE *in, *out;
	uint64_t site[4];	/* in the order the target printed them */
	int nsites;
	int gate;	/* target_spawn_held(): written to let it exec */
};

/* Start @path (as @uid unless 0) and read its site addresses. */
int target_start(struct target *t, const char *path, uid_t uid);
/* The same with arguments (@argv[0] is @path). */
int target_startv(struct target *t, char *const argv[], uid_t uid);
/*
 * The same in two steps: fork it (as @uid unless 0), its exec held back;
 * then let it exec and read its site addresses.  In between, the caller
 * sees the child before its exec.
 */
int target_spawn_held(struct target *t, char *const argv[], uid_t uid);
int target_release(struct target *t);
/* Send @x on a line; read one line of output into @line. */
int target_send(struct target *t, long x);
int target_line(struct target *t, char *line, size_t len);
/* Send @x and read back one number, or -1. */
int target_ask(struct target *t, long x);
/* SIGKILL it (if still there), reap it, close the pipes. */
void target_stop(struct target *t);
/* GET @path from 127.0.0.1:@port (HTTP/1.0); the response in @resp. */
int http_get(int port, const char *path, char *resp, size_t len);
/* Start webish on a free port; the port in *@port. */
int webish_start(struct target *t, const char *config, int *port);
/* The same from target binary @name: webish_dyn, webish linked dynamically. */
int webish_start_bin(struct target *t, const char *name, const char *config, int *port);

/* The lowest fd number @pid has free (where its next connection goes). */
int free_fd(pid_t pid);

/* First byte of the instruction at @addr in @pid's memory, or -errno. */
int text_byte(pid_t pid, uint64_t addr);

#endif /* INSIGHT_TEST_TARGET_H */
