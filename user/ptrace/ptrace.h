/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The explorer's ptrace backend, private: insight.ko's semantics
 * (user/backend.h) in user space, without the module.
 *
 * - Sites (site.c): an int3 on the first byte of each jcc.  At a trap
 *   (SIGTRAP from the kernel, rip = site + 1) the jump is emulated: the
 *   direction comes from the saved flags and the condition code, rip is
 *   set to the target or to the next instruction.  The original bytes
 *   are put back at close only, so nothing is ever single-stepped.
 * - Forks (clone.c): a clone(CLONE_PARENT) is injected into the stopped
 *   probe, at a `syscall` instruction found in the target's executable
 *   memory; the child, auto-attached (PTRACE_O_TRACECLONE), is held in
 *   its first stop with the registers of the branch until it is resumed.
 * - Sandbox (sandbox.c): every probe runs under PTRACE_SYSCALL, with
 *   insight.ko's default-deny classes.  A write to any open fd, a read
 *   of the replayed fd, a suppressed or a refused call is skipped at its
 *   syscall-enter stop (orig_rax = -1) and its result is set at its
 *   syscall-exit stop; fds.c tells shared descriptions (kcmp).
 * - Waits (wait.c): every waitpid() of the backend and the decoding of
 *   every wait status.  All of it happens in events(): waitpid() on each
 *   known task without blocking, and between passes sigtimedwait() on
 *   SIGCHLD (blocked meanwhile, so a SIGCHLD handler of the caller may
 *   miss some).
 * - Attach (attach.c): seize every thread at open, detach at close.
 * - Bookkeeping (probe.c): probes, their tasks and path logs, the events
 *   queue; memory (mem.c): /proc/PID/mem, process_vm_*, /proc/PID files.
 * - Pure logic: the jcc condition and decoding, and the syscall classes,
 *   are insight.ko's own (include/insight/jcc.h, syscall_class.h).
 * - The contract (backend.c): struct xb_ops.  Each split ends in CREATED
 *   + HELD or in one QUOTA (clone.c: pt_split); lost() counts what a
 *   full log, a full output list or a failed allocation dropped, and the
 *   splits that made no copy.
 *
 * Choices: threads of a probe are traced as part of it (their branches
 * are emulated and logged in its log, their syscalls sandboxed).  A child
 * a probe forks by itself is not a probe: it gets the original bytes back
 * and is detached, so it runs outside the sandbox; a vfork or CLONE_VM
 * child shares the breakpoints' memory and is detached as it is.  Probes
 * get PTRACE_O_EXITKILL (they die with the explorer), the target does not.
 */
#ifndef INSIGHT_PTRACE_H
#define INSIGHT_PTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>

#include <insight/jcc.h>
#include <insight/syscall_class.h>

#include "backend.h"

#define PT_MAX_PROBES	64	/* running probes, as insight.ko's default */
#define PT_MAX_LOG	65536	/* decisions kept per probe */
#define PT_MAX_OUTPUTS	4096	/* outputs kept per probe */
#define PT_INPUT_MAX	65000	/* insight.ko's INSIGHT_INPUT_MAX */
#define PT_IOV_MAX	1024	/* UIO_MAXIOV */
#define PT_SLICE_MS	10	/* longest sleep between two passes */
#define PT_OPTIONS	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | \
			 PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)

struct pt_site {
	uint64_t addr;
	uint64_t taken;		/* where the jump goes */
	uint64_t next;		/* the instruction after it */
	uint8_t orig;		/* the byte the int3 replaced */
	uint8_t cc;		/* condition code, 0 to 15 */
	bool armed;
	enum xb_policy policy;
};

/* A probe's own position in a shared regular file (fpos.c) or stream socket (sockpos.c). */
struct pt_fpos {
	bool used;
	int fd;
	dev_t dev;
	ino_t ino;
	int64_t pos;
};
#define PT_FPOS_MAX	8

struct pt_probe {
	uint32_t id, parent;
	uint64_t fork_seq;
	pid_t pid;
	enum xb_probe_state state;
	bool done;		/* DONE was sent */
	size_t in_off;		/* in the replayed input */
	uint32_t held_site;
	struct user_regs_struct regs;	/* held: the registers at the branch */
	struct xb_decision *log;
	size_t nlog, alog;
	uint64_t log_lost;
	struct xb_output *out;
	size_t nout, aout;
	uint64_t out_lost;
	struct pt_fpos fpos[PT_FPOS_MAX];	/* in shared regular files, stream sockets */
	pid_t as_tgid, as_tid;	/* a copy's getpid(), its first thread's gettid() */
	struct pt_fault *faults;	/* syscalls it is made to fail */
	size_t nfaults;
};

/* What one wait status says; wait.c decodes every one. */
enum pt_what {
	PTW_GONE,	/* exited or killed, or reaped by someone else (raw 0) */
	PTW_SYSCALL,	/* a syscall-enter or -exit stop (TRACESYSGOOD) */
	PTW_CHILD,	/* PTRACE_EVENT_CLONE, _FORK or _VFORK: @event */
	PTW_EVENT_STOP,	/* PTRACE_EVENT_STOP: an interrupt or a group-stop */
	PTW_EVENT,	/* another ptrace event (exec, exit...) */
	PTW_SIGNAL,	/* a signal-delivery-stop of @sig */
	PTW_OTHER,	/* neither a stop nor an end (not asked for) */
};

struct pt_status {
	int raw;		/* the wait status */
	enum pt_what what;
	int sig;		/* WSTOPSIG(), of a stop */
	int event;		/* PTRACE_EVENT_*, of an event stop */
	bool killed;		/* PTW_GONE by SIGKILL */
};

struct pt_task {
	pid_t tid;
	struct pt_probe *probe;
	bool stopped;		/* in a stop that we keep: held, parked, open/close */
	bool listening;		/* in a group-stop, under PTRACE_LISTEN */
	bool in_syscall;	/* between its syscall-enter and -exit stops */
	bool emulating;		/* the syscall it is in was skipped */
	bool interrupted;	/* close: PTRACE_INTERRUPT sent */
	bool gone;
	long emul_ret;		/* the skipped syscall's result */
	bool retrying;		/* in a wait made of its syscall, @retry_regs to make again */
	struct user_regs_struct retry_regs;
	int64_t sock_wait_since;	/* sockpos.c: waiting since (ms), or 0 */
	bool copying;		/* sockcopy.c: its connect made a socket() */
	bool copy_cloexec;
	int copy_fd;
	struct pt_status last;	/* open, close: the stop it is in */
	uint64_t resend;	/* signals to send again once out of an injection */
};

struct xb {
	pid_t pid;
	struct pt_site *site;
	size_t nsites;
	uint32_t *by_addr;	/* indices of the armed sites, by address */
	size_t narmed;
	int in_fd;
	uint8_t *input;
	size_t input_len;
	unsigned int max_held;
	uint64_t sysaddr;	/* a `syscall` instruction in the target */
	bool root_pending;
	struct pt_probe **probe;	/* by id */
	size_t nprobes, aprobes;
	struct pt_task **task;
	size_t ntasks, atasks;
	struct xb_event *ev;	/* pending events, oldest first */
	size_t nev, aev;
	uint64_t ev_lost;	/* events that found no room */
	uint64_t degraded;	/* splits that made no copy */
};

/* A /proc/PID/maps line. */
struct pt_map {
	uint64_t lo, hi;
	bool exec, vdso, vsyscall;
};

/* wait.c */
struct pt_status pt_decode(int raw);
bool pt_stop_signal(int sig);
int pt_wait_task(struct xb *b, struct pt_task *t, struct pt_status *s);
int pt_wait_pid(pid_t pid, struct pt_status *s);
void pt_kill_reap(pid_t pid);
void pt_drive(struct xb *b, int timeout_ms);

/* mem.c */
int pt_mem_open(pid_t pid, bool rw);
ssize_t pt_peek(pid_t tid, uint64_t addr, void *buf, size_t len);
/* fds.c */
bool pt_fd_open(pid_t tid, long fd);
bool pt_fd_writable(pid_t tid, long fd);
int pt_fd_flags(pid_t tid, long fd, unsigned int *flags);
int pt_fd_copy(pid_t tid, int fd);
bool pt_fd_is_socket(pid_t tid, long fd);
bool pt_fd_shared(struct xb *b, const struct pt_task *t, long fd);
bool pt_fd_own_eventfd(const struct pt_task *t, long fd);
bool pt_open_exists(pid_t tid, const struct user_regs_struct *r);
/* fpos.c */
enum { PT_FPOS_NO, PT_FPOS_RUN, PT_FPOS_DONE };
int pt_fpos_call(struct pt_task *t, const struct user_regs_struct *r, long *ret);
bool pt_fpos_has(const struct pt_task *t, int fd);
struct stat;
struct pt_fpos *pt_fpos_get(struct pt_probe *p, pid_t tid, int fd, const struct stat *st);
/* sockcopy.c */
bool pt_sock_copy_start(struct pt_task *t, const struct user_regs_struct *r);
void pt_sock_copy_finish(struct xb *b, struct pt_task *t);
/* sockpos.c */
enum { PT_SOCKPOS_NO, PT_SOCKPOS_DONE, PT_SOCKPOS_WAIT };
int pt_sockpos_call(struct pt_task *t, const struct user_regs_struct *r, long *ret);
ssize_t pt_poke(pid_t tid, uint64_t addr, const void *buf, size_t len);
FILE *pt_proc_file(pid_t pid, const char *name);
struct pt_map *pt_maps(pid_t pid, size_t *n);

/* probe.c */
void *pt_grow(void *arr, size_t *alloc, size_t need, size_t size);
struct pt_probe *pt_probe_new(struct xb *b, pid_t pid, uint32_t parent,
			      enum xb_probe_state state);
struct pt_probe *pt_probe_get(struct xb *b, uint32_t id);
struct pt_task *pt_task_new(struct xb *b, pid_t tid, struct pt_probe *p);
struct pt_task *pt_task_of(struct xb *b, pid_t tid);
void pt_reap_tasks(struct xb *b);
uint64_t pt_next_seq(const struct pt_probe *p);
uint64_t pt_log(struct pt_probe *p, uint32_t site, uint64_t addr, uint32_t flags);
void pt_event_at(struct xb *b, size_t at, struct xb_event ev);
void pt_event(struct xb *b, struct xb_event ev);
void pt_gone(struct xb *b, struct pt_task *t, const struct pt_status *s);
void pt_cont(struct pt_task *t, int sig);
void pt_resend(struct pt_task *t);
void pt_free(struct xb *b);

/* site.c */
long pt_site_at(struct xb *b, uint64_t addr);
void pt_arm(struct xb *b, const struct pt_map *m, size_t nmaps, int memfd, int *refused);
int pt_unarm(struct xb *b, pid_t pid);
bool pt_any_site(struct xb *b, uint64_t addr);
bool pt_branch(struct xb *b, struct pt_task *t);

/* clone.c */
int pt_find_syscall(struct xb *b, const struct pt_map *m, size_t nmaps, int memfd);
bool pt_split(struct xb *b, struct pt_task *t, uint32_t site,
	      const struct user_regs_struct *regs, uint32_t flags, bool resumed);
void pt_foreign(struct xb *b, struct pt_task *t, int event);

/* fault.c */
struct pt_fault;
int pt_fault_add(struct xb *b, uint32_t probe, int nr, int err, const char *path);
int pt_fault_of(const struct pt_task *t, long nr, const __u64 *a);
void pt_faults_free(struct pt_probe *p);

/* sandbox.c */
void pt_syscall_stop(struct xb *b, struct pt_task *t);
void pt_retry(struct pt_task *t);

/* attach.c */
bool pt_tgid(pid_t pid, pid_t *tgid);
void pt_why(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int pt_seize_all(struct xb *b, char *why, size_t whylen);
void pt_run_all(struct xb *b);
void pt_undo(struct xb *b);
void pt_detach_target(struct xb *b);

#endif /* INSIGHT_PTRACE_H */
