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
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/atomic.h>
#include <linux/insight.h>

struct net;
struct pid;
struct inode;
struct mm_struct;
struct file;
struct pt_regs;
struct task_struct;
struct insight_stepped;
struct insight_session;

/* Module parameters (kmod/main.c), read-only after load. */
extern unsigned int insight_max_sessions;
extern unsigned int insight_max_sites;
extern unsigned int insight_max_probes;
extern unsigned int insight_max_log;
extern unsigned int insight_max_snapshots;
extern unsigned int insight_max_session_mem;
extern bool insight_fake_old_uprobes;

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
 * struct insight_path - the decision log of one probe, bounded
 * @session: the session its memory is charged to
 * @lock: taken in trap handlers (task context) and by PATH_GET
 * @entries: logged decisions, grown up to max_log
 * @cap: room in @entries
 * @len: decisions logged
 * @lost: decisions not logged because the log was full
 */
struct insight_path {
	struct insight_session *session;
	spinlock_t lock;
	struct insight_decision *entries;
	u32 cap;
	u32 len;
	u64 lost;
};

/**
 * struct insight_output_meta - what the sandbox keeps of one captured write
 * @seq: sequence number among the probe's outputs
 * @decisions: the probe's decisions logged before it
 * @len: bytes the program wrote
 * @nr: syscall number
 * @fd: fd written to
 * @captured: bytes kept of them
 * @flags: %INSIGHT_OUTPUT_F_DENIED (a refused call), %INSIGHT_OUTPUT_F_IA32
 */
struct insight_output_meta {
	u64 seq;
	u64 decisions;
	u64 len;
	u32 nr;
	u32 fd;
	u32 captured;
	u32 flags;
};

/**
 * struct insight_output - one write captured by the sandbox
 * @node: in the probe's outputs
 * @m: what is known of it
 * @data: its first @m.captured bytes
 */
struct insight_output {
	struct list_head node;
	struct insight_output_meta m;
	u8 data[];
};

/**
 * struct insight_fault - a syscall a probe is made to fail
 * @nr: syscall number
 * @err: errno returned
 * @path: only calls whose path argument is this one (allocated), or NULL
 */
struct insight_fault {
	u32 nr;
	u32 err;
	char *path;
};

/* most shared regular files a probe reads at a position of its own */
#define INSIGHT_FPOS_MAX	8

/**
 * struct insight_fpos - a probe's own position in a shared regular file or
 *	stream socket
 * @file: the description (a reference is held; NULL: a free slot)
 * @pos: the position the probe has reached in it
 */
struct insight_fpos {
	struct file *file;
	loff_t pos;
};

/**
 * struct insight_probe - the target (id 0) or a process forked from it
 * @node: in the session's list of all probes
 * @live: in the session's list of probes not seen exited
 * @id: probe id, from 0 (the target) in creation order
 * @parent: id of the probe it was forked from (the target's is its own)
 * @fork_seq: sequence number of the fork decision in the parent's log
 * @pid: the process (a reference is held)
 * @mm: its mm (mmgrab'ed, compared by address)
 * @path: its decisions, the first one being the fork for a child
 * @held: a snapshot waiting in the trampoline for PROBE_RESUME
 * @resume: set by PROBE_RESUME: 1 + the direction's policy, | KEEP bit
 * @step: single-stepping is asked for
 * @stepped: the one thread of it the module set the trap flag on (under
 *	kmod/step.c's lock), or NULL
 * @in_off: how far its threads have read the replayed input (moved by
 *	cmpxchg, never past the input's length; see replay.c)
 * @reader: the thread that first got replayed bytes (a reference is
 *	held; NULL: none yet); its request ends the probe's
 * @done: it finished the replayed request (INSIGHT_EVENT_DONE was sent;
 *	set with xchg)
 * @as_tgid: a copy's getpid(), the target's process id (0: the target)
 * @as_tid: its first thread's gettid(), the id of the target thread it
 *	was copied from
 * @faults: syscalls it is made to fail (under the session's lock)
 * @nfaults: number of @faults
 * @outputs: its captured writes, oldest first (under @path.lock)
 * @nout: number of @outputs
 * @out_lost: writes captured but not kept (max_outputs reached)
 * @exit_told: EXITED or KILLED was sent (set with xchg: the last threads
 *	of a group may exit together)
 * @fpos: its own positions in shared regular files and stream sockets
 *	(kmod/fpos.c, kmod/sockpos.c; under
 *	@path.lock)
 */
struct insight_probe {
	struct list_head node;
	struct list_head live;
	u32 id;
	u32 parent;
	u64 fork_seq;
	struct pid *pid;
	struct mm_struct *mm;
	struct insight_path path;
	bool held;
	u32 resume;
	bool step;
	struct insight_stepped *stepped;
	u64 in_off;
	struct pid *reader;
	bool done;
	pid_t as_tgid;
	pid_t as_tid;
	struct insight_fault faults[INSIGHT_FAULTS_MAX];
	u32 nfaults;
	struct list_head outputs;
	u32 nout;
	u64 out_lost;
	bool exit_told;
	struct insight_fpos fpos[INSIGHT_FPOS_MAX];
};

/* struct insight_probe.resume: keep a snapshot at the same point */
#define INSIGHT_RESUME_KEEP	BIT(16)

/**
 * struct insight_session - an exploration session, owned by a socket
 * @node: in the global session list
 * @id: the session's id, from 1, carried by its events
 * @net: network namespace of the owner socket
 * @portid: netlink port of the owner socket
 * @lock: protects @probes, @live, @nprobes, @degraded, @splitting*
 * @probes: every probe, the target first; exited ones stay for their logs
 * @live: probes not yet seen exited (what traps and the cap look at)
 * @nprobes: number of probes created, the next probe id
 * @degraded: fork decisions that ran naturally because of the quota
 * @splitting: splits under way that will make a running probe
 * @splitting_held: splits under way that will make a held snapshot
 * @sites: sites[0..nsites) in the order they were added
 * @nsites: number of sites registered
 * @forks: pending forks (struct insight_fork) by id
 * @target_forking: the target is between a fork decision and its resume
 * @tramp_file: shmem file holding the fork trampoline
 * @tramp_uc: the uprobe at the trampoline's resume point
 * @tramp_addr: where the target mapped the trampoline (0: not yet)
 * @hook: in the list of sessions whose syscalls are intercepted
 * @hooked: @hook is in that list
 * @sandbox: writes are captured and suppressed, reads replayed
 * @capture: bytes kept of each write
 * @input_fd: fd whose reads are replayed (-1: none)
 * @input: the replayed bytes
 * @input_len: their number
 * @hold_root: the target's first decision at a site after it reads input
 *	is a SNAPSHOT
 * @pending: syscalls intercepted whose work has not run yet (and probes
 *	parked after finishing the request)
 * @release: the session ends: parked probes go on
 * @dead: its socket is released: commands no longer find it (under
 *	insight_lock)
 * @ending: its end has begun: no new probe (read without lock)
 * @step_pinned: a probe was set to be stepped: the session holds a module
 *	reference until its end (kmod/step.c, insight_probe_step())
 * @reap: frees it once its target left the trampoline (see session.c)
 * @events_lost: events no subscriber of the events group could take
 * @mem: bytes of path logs and outputs its probes keep
 * @mem_full: max_session_mem was reached (said once in the kernel log)
 */
struct insight_session {
	struct list_head node;
	u32 id;
	struct net *net;
	u32 portid;
	spinlock_t lock;
	struct list_head probes;
	struct list_head live;
	u32 nprobes;
	u64 degraded;
	u32 splitting;
	u32 splitting_held;
	struct insight_site **sites;
	u32 nsites;
	struct xarray forks;
	atomic_t target_forking;
	struct file *tramp_file;
	struct uprobe_consumer tramp_uc;
	unsigned long tramp_addr;
	struct list_head hook;
	bool hooked;
	bool sandbox;
	u32 capture;
	int input_fd;
	u8 *input;
	u32 input_len;
	atomic_t hold_root;
	atomic_t pending;
	bool release;
	bool dead;
	bool ending;
	bool step_pinned;
	struct delayed_work reap;
	atomic64_t events_lost;
	atomic64_t mem;
	bool mem_full;
};

/* kmod/session.c; callers hold insight_lock (insight_sessions_lock()) */
extern struct mutex insight_lock;
void insight_sessions_lock(void);
void insight_sessions_unlock(void);
unsigned int insight_session_count(void);
struct insight_session *insight_session_find(struct net *net, u32 portid);
int insight_session_new(struct net *net, u32 portid, u32 *id);
int insight_session_attach(struct insight_session *s, pid_t nr, int mem_fd);
bool insight_session_attached(struct insight_session *s);
void insight_session_counters(struct insight_session *s, u64 *degraded,
			      u64 *events_lost);
bool insight_mem_charge(struct insight_session *s, size_t bytes);
void insight_mem_uncharge(struct insight_session *s, size_t bytes);
int insight_sessions_init(void);
void insight_sessions_exit(void);

/**
 * struct insight_probe_snap - a copy of one probe's state, for PROBES_GET
 * @id: probe id
 * @parent: id of the probe it was forked from
 * @fork_seq: sequence number of the fork decision in the parent's log
 * @pid: process id in the caller's pid namespace
 * @state: an enum insight_probe_state
 */
struct insight_probe_snap {
	u32 id;
	u32 parent;
	u64 fork_seq;
	pid_t pid;
	u8 state;
};

/**
 * struct insight_output_snap - a copy of one captured output, for OUTPUTS_GET
 * @m: what is known of it
 * @data: its first @m.captured bytes
 */
struct insight_output_snap {
	struct insight_output_meta m;
	u8 data[INSIGHT_CAPTURE_MAX];
};

/* kmod/probe.c */
struct insight_probe *insight_probe_new(struct insight_session *s,
					struct pid *pid, struct mm_struct *mm,
					u32 parent, u64 fork_seq);
struct insight_probe *insight_probe_of_mm(struct insight_session *s,
					  struct mm_struct *mm);
struct insight_probe *insight_probe_get(struct insight_session *s, u32 id);
bool insight_probe_running(struct insight_probe *p);
struct task_struct *insight_probe_task(struct insight_probe *p);
enum insight_probe_state insight_probe_state(struct insight_probe *p);
bool insight_probes_reserve(struct insight_session *s, bool hold);
void insight_probes_unreserve(struct insight_session *s, bool hold);
int insight_probe_resume(struct insight_session *s, u32 id, u32 policy, bool keep);
int insight_probe_kill(struct insight_session *s, u32 id);
int insight_probes_read(struct insight_session *s, u32 from,
			struct insight_probe_snap *out, u32 max);
void insight_probes_end(struct insight_session *s);
void insight_probes_free(struct insight_session *s);

/* kmod/path.c */
u64 insight_path_log(struct insight_path *p, u32 site, u64 addr, u32 flags);
void insight_path_reserve(struct insight_path *p, u32 cap);
int insight_path_read(struct insight_session *s, u32 id, u64 start,
		      struct insight_decision *d, u32 max, u64 *lost);

/* kmod/fork.c */
int insight_forks_init(void);
void insight_forks_exit(void);
int insight_fork_init(struct insight_session *s);
void insight_fork_exit(struct insight_session *s);
void insight_fork(struct insight_session *s, struct insight_probe *self,
		  struct insight_site *site, struct pt_regs *regs, bool natural,
		  bool hold);
void insight_forks_task_gone(struct insight_session *s, struct task_struct *task);

/* nproc.c: RLIMIT_NPROC lifted for a probe's clone */
unsigned long insight_nproc_lift(void);
void insight_nproc_restore(struct task_struct *task, unsigned long was);
bool insight_forks_of_probes(struct insight_session *s);
bool insight_target_forking(struct insight_session *s);

/* kmod/shared_maps.c */
int insight_shared_maps_private(void);
void insight_shared_mmap_enter(struct insight_session *s, struct pt_regs *regs,
			       long nr);

/* kmod/selftest.c */
int insight_selftest(void);

/* kmod/attach.c */
int insight_attach_init(void);
int insight_attach_check(int fd, struct mm_struct *mm);

/* kmod/step.c */
void insight_step_apply(struct insight_probe *p, struct pt_regs *regs);
void insight_step_strip(struct insight_probe *p, struct pt_regs *regs);
void insight_steps_end(struct insight_session *s);
void insight_step_exited(struct task_struct *task);
int insight_probe_step(struct insight_session *s, u32 id, bool on);
int insight_step_init(void);
void insight_step_exit(void);

/* kmod/site.c */
int insight_sites_reserve(struct insight_session *s, u32 n);
int insight_site_add(struct insight_session *s, u64 addr, u32 policy);
struct insight_site *insight_site_find(struct insight_session *s, u64 addr);
int insight_site_set_policy(struct insight_session *s, u64 addr, u32 policy);
void insight_sites_remove_from(struct insight_session *s, u32 first);
void insight_sites_remove(struct insight_session *s);

/* kmod/sandbox.c; callers hold insight_lock */
extern unsigned int insight_max_outputs;
int insight_sandbox_on(struct insight_session *s, u32 capture, int input_fd,
		       const void *input, u32 input_len, bool hold);
int insight_fault_add(struct insight_session *s, u32 probe, u32 nr, u32 err,
		      const char *path);
int insight_outputs_read(struct insight_session *s, u32 id, u64 start,
			 struct insight_output_snap *out, u32 max, u64 *lost);
void insight_sandbox_end(struct insight_session *s);
void insight_probe_sandbox_free(struct insight_probe *p);
void insight_sandbox_track(struct mm_struct *mm);
void insight_sandbox_untrack(struct mm_struct *mm);
void insight_sandbox_exit(void);
void insight_sandbox_works_queued(void);

/* kmod/fpos.c */
long insight_fpos_call(struct insight_probe *p, long nr, const unsigned long *a);
void insight_fpos_inherit(struct insight_session *s, u32 parent,
			  struct insight_probe *child);
void insight_fpos_release(struct insight_probe *p);
bool insight_fpos_has(struct insight_probe *p, struct file *file);
int insight_fpos_get(struct insight_probe *p, struct file *file, loff_t *pos);
void insight_fpos_set(struct insight_probe *p, struct file *file, loff_t pos);

/* kmod/inject.c */
struct insight_inject_spec;
#define INSIGHT_INJECTS_PER_OWNER	64	/* most injections of one socket */

/**
 * struct insight_inject_info - an injection and its counts (INJECT_GET)
 * @id: its id
 * @nr: its syscall, or INSIGHT_INJECT_NR_LIBRARY
 * @action: an &enum insight_inject_action
 * @matched: calls that matched it
 * @injected: calls it acted on
 */
struct insight_inject_info {
	u32 id;
	u32 nr;
	u32 action;
	u64 matched;
	u64 injected;
};

int insight_inject_add(struct net *net, u32 portid,
		       const struct insight_inject_spec *sp, int cgroup_fd,
		       pid_t pid, int lib_fd, u32 *id);
int insight_inject_del(struct net *net, u32 portid, u32 id);
void insight_inject_release(struct net *net, u32 portid);
unsigned int insight_inject_list(struct net *net, u32 portid,
				 struct insight_inject_info *out, unsigned int max);
void insight_inject_exit(void);

/* kmod/sockcopy.c */
long insight_sock_copy(struct insight_probe *p, long nr, const unsigned long *a);

/* kmod/sockpos.c */
long insight_sockpos_call(struct insight_session *s, struct insight_probe *p,
			  long nr, const unsigned long *a);

/* kmod/output.c */
enum insight_syscall_class;
long insight_capture(struct insight_session *s, struct insight_probe *p,
		     enum insight_syscall_class kind, long nr,
		     const unsigned long *a);
void insight_output_denied(struct insight_probe *p, long nr,
			   unsigned long arg0, u32 flags, gfp_t gfp);
void insight_outputs_free(struct insight_probe *p);

/**
 * struct insight_ev - what one INSIGHT_CMD_EVENT says
 * @kind: an enum insight_event
 * @probe: the probe it is about (the splitting one for QUOTA)
 * @parent: CREATED: the parent's id
 * @site: CREATED, PAUSED, QUOTA: the site's index
 * @status: EXITED, KILLED: the wait status
 * @fork_seq: CREATED, QUOTA: the split decision's sequence number in the
 *	splitting probe's log
 */
struct insight_ev {
	u32 kind;
	u32 probe;
	u32 parent;
	u32 site;
	u32 status;
	u64 fork_seq;
};

/* kmod/event.c */
void insight_event(struct insight_session *s, const struct insight_ev *ev,
		   gfp_t gfp);
int insight_events_init(void);
void insight_events_exit(void);
extern struct genl_family insight_family;
extern struct list_head insight_sessions;

/* kmod/genl.c: the index of the events group in insight_family */
#define INSIGHT_MCGRP_EVENTS	0
int insight_genl_init(void);
void insight_genl_exit(void);

#endif /* _INSIGHT_INTERNAL_H */
