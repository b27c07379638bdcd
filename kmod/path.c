// SPDX-License-Identifier: GPL-2.0
/*
 * A probe's path log: its decisions in order, a prefix kept (at most
 * max_log) and the rest counted as lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/spinlock.h>

#include "insight.h"

/*
 * Give the log room for @cap decisions (at most max_log, within the
 * session's memory total); sleeps.
 */
void insight_path_reserve(struct insight_path *p, u32 cap)
{
	struct insight_decision *n, *old;
	u32 was = READ_ONCE(p->cap);
	size_t more;

	cap = min(cap, insight_max_log);
	if (cap <= was)
		return;
	more = (size_t)(cap - was) * sizeof(*n);
	if (!insight_mem_charge(p->session, more))
		return;
	n = kvcalloc(cap, sizeof(*n), GFP_KERNEL);
	if (!n) {
		insight_mem_uncharge(p->session, more);
		return;
	}
	spin_lock(&p->lock);
	if (p->cap == was) {
		memcpy(n, p->entries, p->len * sizeof(*n));
		swap(n, p->entries);
		p->cap = cap;
		more = 0;
	}
	old = n;
	spin_unlock(&p->lock);
	kvfree(old);
	if (more)	/* grown meanwhile by another caller */
		insight_mem_uncharge(p->session, more);
}

/*
 * Log a decision of the probe owning @p.  Returns its sequence number;
 * the log keeps its prefix and counts the rest.  It grows (and sleeps)
 * only for site decisions: stepped ones come from atomic context into
 * room reserved when stepping was turned on.
 */
u64 insight_path_log(struct insight_path *p, u32 site, u64 addr, u32 flags)
{
	u64 seq;

	if (!(flags & INSIGHT_DECISION_STEPPED) && p->len == p->cap &&
	    p->cap < insight_max_log)
		insight_path_reserve(p, p->cap * 2);
	spin_lock(&p->lock);
	seq = p->len + p->lost;
	if (p->len < p->cap) {
		p->entries[p->len].seq = seq;
		p->entries[p->len].addr = addr;
		p->entries[p->len].site = site;
		p->entries[p->len].flags = flags;
		p->len++;
	} else {
		p->lost++;
	}
	spin_unlock(&p->lock);
	return seq;
}

/*
 * PATH_GET: copy up to @max decisions of probe @id from sequence number
 * @start into @d; *@lost gets the decisions the full log dropped.
 * Returns how many, or -ENOENT for an unknown probe.
 */
int insight_path_read(struct insight_session *s, u32 id, u64 start,
		      struct insight_decision *d, u32 max, u64 *lost)
{
	struct insight_probe *p = insight_probe_get(s, id);
	u32 n = 0;

	if (!p)
		return -ENOENT;
	spin_lock(&p->path.lock);
	/* the log keeps a prefix: entries[i].seq == i */
	if (start < p->path.len)
		n = min_t(u64, p->path.len - start, max);
	memcpy(d, p->path.entries + start, n * sizeof(*d));
	*lost = p->path.lost;
	spin_unlock(&p->path.lock);
	return n;
}
