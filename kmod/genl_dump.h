/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GET commands' dumps (kmod/genl_dump.c), for the family's ops in
 * kmod/genl.c.
 */
#ifndef _INSIGHT_GENL_DUMP_H
#define _INSIGHT_GENL_DUMP_H

struct netlink_callback;
struct sk_buff;

int insight_dump_done(struct netlink_callback *cb);
int insight_path_start(struct netlink_callback *cb);
int insight_path_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int insight_probes_start(struct netlink_callback *cb);
int insight_probes_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int insight_outputs_start(struct netlink_callback *cb);
int insight_outputs_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _INSIGHT_GENL_DUMP_H */
