// SPDX-License-Identifier: GPL-2.0
/*
 * The ptrace backend's bookkeeping: probes (by id, probe 0 the target),
 * the tasks traced for them (a probe's threads are its tasks), each
 * probe's path log and the queue of events.  All of it lives in memory;
 * what finds no room is counted (log_lost, out_lost, ev_lost), for lost().
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "ptrace.h"

/* @arr with room for @need elements of @size, or NULL (@arr is kept). */
void *pt_grow(void *arr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 8;
	void *p;

	if (need <= *alloc)
		return arr;
	while (n < need)
		n *= 2;
	p = realloc(arr, n * size);
	if (p)
		*alloc = n;
	return p;
}

/*
 * Append a new zeroed element to pointer array @arr (@n used, room for
 * @alloc): the element, or NULL without memory.  A macro, as the arrays
 * (probes, tasks) are of different types.
 */
#define pt_append(arr, n, alloc) ({						\
	typeof(arr) grown_ = pt_grow(arr, &(alloc), (n) + 1, sizeof(*(arr)));	\
	typeof(*(arr)) e_ = grown_ ? calloc(1, sizeof(**(arr))) : NULL;	\
										\
	if (grown_)								\
		(arr) = grown_;							\
	if (e_)									\
		(arr)[(n)++] = e_;						\
	e_;									\
})

struct pt_probe *pt_probe_new(struct xb *b, pid_t pid, uint32_t parent,
			      enum xb_probe_state state)
{
	struct pt_probe *p = pt_append(b->probe, b->nprobes, b->aprobes);

	if (!p)
		return NULL;
	p->id = b->nprobes - 1;
	p->parent = parent;
	p->pid = pid;
	p->state = state;
	return p;
}

struct pt_probe *pt_probe_get(struct xb *b, uint32_t id)
{
	return id < b->nprobes ? b->probe[id] : NULL;
}

struct pt_task *pt_task_new(struct xb *b, pid_t tid, struct pt_probe *p)
{
	struct pt_task *t = pt_append(b->task, b->ntasks, b->atasks);

	if (t) {
		t->tid = tid;
		t->probe = p;
	}
	return t;
}

struct pt_task *pt_task_of(struct xb *b, pid_t tid)
{
	size_t i;

	for (i = 0; i < b->ntasks; i++)
		if (b->task[i]->tid == tid && !b->task[i]->gone)
			return b->task[i];
	return NULL;
}

/* Forget the tasks seen gone. */
void pt_reap_tasks(struct xb *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->ntasks; i++) {
		if (b->task[i]->gone)
			free(b->task[i]);
		else
			b->task[n++] = b->task[i];
	}
	b->ntasks = n;
}

/* The seq probe @p's next decision gets (a full log still counts them). */
uint64_t pt_next_seq(const struct pt_probe *p)
{
	return p->nlog + p->log_lost;
}

/* Log a decision of @p: its seq.  Past PT_MAX_LOG it is only counted. */
uint64_t pt_log(struct pt_probe *p, uint32_t site, uint64_t addr, uint32_t flags)
{
	uint64_t seq = pt_next_seq(p);
	struct xb_decision *d;

	d = p->nlog < PT_MAX_LOG ? pt_grow(p->log, &p->alog, p->nlog + 1, sizeof(*d)) : NULL;
	if (!d) {
		p->log_lost++;
		return seq;
	}
	p->log = d;
	d[p->nlog++] = (struct xb_decision){ .seq = seq, .addr = addr, .site = site,
					     .flags = flags };
	return seq;
}

/*
 * Queue @ev at position @at, before the events queued since (a split's
 * QUOTA goes before the end of a probe that died making it); without
 * memory it is counted instead.
 */
void pt_event_at(struct xb *b, size_t at, struct xb_event ev)
{
	struct xb_event *arr = pt_grow(b->ev, &b->aev, b->nev + 1, sizeof(*arr));

	if (!arr) {
		b->ev_lost++;
		return;
	}
	b->ev = arr;
	memmove(arr + at + 1, arr + at, (b->nev - at) * sizeof(*arr));
	arr[at] = ev;
	b->nev++;
}

void pt_event(struct xb *b, struct xb_event ev)
{
	pt_event_at(b, b->nev, ev);
}

/*
 * Task @t is seen dead, @s its last status (wait.c tells): its probe
 * ends with it if it was the probe's main thread, with one event.
 */
void pt_gone(struct xb *b, struct pt_task *t, const struct pt_status *s)
{
	struct pt_probe *p = t->probe;

	t->gone = true;
	t->stopped = false;
	if (t->tid != p->pid || p->state == XB_PROBE_EXITED)
		return;
	p->state = XB_PROBE_EXITED;
	pt_event(b, (struct xb_event){ .kind = s->killed ? XB_EV_KILLED : XB_EV_EXITED,
				       .probe = p->id, .status = s->raw });
}

/* Let @t run on (to its next syscall stop), with signal @sig. */
void pt_cont(struct pt_task *t, int sig)
{
	t->stopped = false;
	ptrace(PTRACE_SYSCALL, t->tid, NULL, (void *)(long)sig);
}

/* Send again the signals that came while a clone was injected into @t. */
void pt_resend(struct pt_task *t)
{
	int sig;

	for (sig = 1; t->resend && sig < 64; sig++) {
		if (!(t->resend & (1ULL << sig)))
			continue;
		t->resend &= ~(1ULL << sig);
		syscall(SYS_tgkill, t->probe->pid, t->tid, sig);
	}
}

void pt_free(struct xb *b)
{
	size_t i;

	for (i = 0; i < b->ntasks; i++)
		free(b->task[i]);
	for (i = 0; i < b->nprobes; i++) {
		free(b->probe[i]->log);
		free(b->probe[i]->out);
		pt_faults_free(b->probe[i]);
		free(b->probe[i]);
	}
	free(b->task);
	free(b->probe);
	free(b->ev);
	free(b->site);
	free(b->by_addr);
	free(b->input);
	free(b);
}
