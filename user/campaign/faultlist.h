/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A campaign's fault list (user/campaign/faultlist.c): from each
 * component's interface as the dry run saw it, each fault as the
 * injection that raises it.
 */
#ifndef INSIGHT_CAMPAIGN_FAULTLIST_H
#define INSIGHT_CAMPAIGN_FAULTLIST_H

#include <stdint.h>
#include "stack.h"

#define FAULT_ID_MAX	96

/* One method a component used in the dry run: a syscall, on an fd of a kind. */
struct method {
	int comp;
	int nr;
	unsigned int fd_kind;	/* enum insight_fd_kind of the stream */
	unsigned int port;	/* its socket's peer port, or 0 */
	unsigned long calls;
};

/* One (component, method, fault) triple. */
struct fault {
	int comp;
	int nr;
	uint32_t fd_kinds;	/* INSIGHT_INJECT_FD_*, or 0 */
	uint32_t port;
	uint32_t action;	/* enum insight_inject_action */
	int err;
	uint32_t delay_ms;
	uint32_t nth;		/* only the nth matching call (0: every one) */
	uint64_t retval;	/* a library function's: what it returns at once */
	uint64_t offset;	/* its entry in @lib */
	char lib[256];		/* the library that defines it, or "": a syscall */
	const char *class;	/* network, disk, memory, crash, slow, other */
	char id[FAULT_ID_MAX];	/* COMP/SYSCALL[@KIND[:PORT]]/FAULT */
};

struct faultlist {
	struct method *m;
	int nm;
	struct fault *f;
	int nf;
	int no_manual;		/* methods without a manual page: errno faults left out */
};

/*
 * The dry run: the workload once while the eBPF stream watches every
 * component: their methods into @fl.  0; the workload's exit status, or
 * -ETIMEDOUT, -EINTR (run_cmd()); or -errno after a message (a stream
 * could not watch a component).
 */
int faultlist_dry_run(struct faultlist *fl, struct stack *s, volatile int *stop);
/*
 * The faults of @fl's methods: each errno of its manual page under
 * @mandir that the environment can cause, a crash of each component at
 * its busiest method, a slow peer on each socket method with a peer;
 * then the allocation functions each component's executable imports
 * returning NULL (out of memory at the library interface).  0 or -ENOMEM.
 */
int faultlist_build(struct faultlist *fl, const struct stack *s, const char *mandir);
void faultlist_free(struct faultlist *fl);

#endif /* INSIGHT_CAMPAIGN_FAULTLIST_H */
