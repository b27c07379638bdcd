/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the files of insight.ko.
 */
#ifndef _INSIGHT_INTERNAL_H
#define _INSIGHT_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uprobes.h>
#include <linux/insight.h>

struct net;
struct pid;
struct inode;
struct mm_struct;

/* Module parameters (kmod/main.c), read-only after load. */
extern unsigned int insight_max_sessions;
extern unsigned int insight_max_sites;
extern unsigned int insight_max_probes;
extern unsigned int insight_max_log;

/* most sites in one SITES_ADD request */
#define INSIGHT_SITES_BATCH 1024

/**
 * struct insight_site - one conditional jump the session traps
 * @uc: the uprobe consumer; its filter keeps the breakpoint private
 * @session: the owner
 * @inode: file holding the instruction (a reference is held)
 * @offset: file offset of the instruction
 * @addr: user address in the target
 * @next: address of the next instruction (the not-taken direction)
 * @target: address the jump goes to (the taken direction)
 * @index: position in the session's site list
 * @cond: the condition code, low nibble of the opcode
 * @policy: an enum insight_policy, changed with WRITE_ONCE
 */
struct insight_site {
	struct uprobe_consumer uc;
	struct insight_session *session;
	struct inode *inode;
	loff_t offset;
	unsigned long addr;
	unsigned long next;
	unsigned long target;
	u32 index;
	u8 cond;
	u8 policy;
};

/**
 * struct insight_path - the decision log of one task, bounded
 * @lock: taken in the trap handler (task context) and by PATH_GET
 * @entries: max_log decisions
 * @len: decisions logged
 * @lost: decisions not logged because the log was full
 */
struct insight_path {
	spinlock_t lock;
	struct insight_decision *entries;
	u32 len;
	u64 lost;
};

/**
 * struct insight_session - an exploration session, owned by a socket
 * @node: in the global session list
 * @net: network namespace of the owner socket
 * @portid: netlink port of the owner socket
 * @pid: the target (NULL until ATTACH)
 * @mm: the target's mm (mmgrab'ed, compared by address in the filter)
 * @sites: sites[0..nsites) in the order they were added
 * @nsites: number of sites registered
 * @path: the target's path log
 */
struct insight_session {
	struct list_head node;
	struct net *net;
	u32 portid;
	struct pid *pid;
	struct mm_struct *mm;
	struct insight_site **sites;
	u32 nsites;
	struct insight_path path;
};

/* kmod/session.c; callers hold insight_lock */
extern struct mutex insight_lock;
unsigned int insight_session_count(void);
struct insight_session *insight_session_find(struct net *net, u32 portid);
int insight_session_new(struct net *net, u32 portid);
int insight_session_attach(struct insight_session *s, pid_t nr);
void insight_path_log(struct insight_path *p, u32 site, u32 flags);
int insight_sessions_init(void);
void insight_sessions_exit(void);

/* kmod/site.c */
int insight_sites_reserve(struct insight_session *s, u32 n);
int insight_site_add(struct insight_session *s, u64 addr, u32 policy);
struct insight_site *insight_site_find(struct insight_session *s, u64 addr);
void insight_sites_remove(struct insight_session *s);

int insight_genl_init(void);
void insight_genl_exit(void);

#endif /* _INSIGHT_INTERNAL_H */
