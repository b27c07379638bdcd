/* SPDX-License-Identifier: GPL-2.0 */
/* The injection commands (kmod/genl_inject.c), for kmod/genl.c's table. */
#ifndef _INSIGHT_GENL_INJECT_H
#define _INSIGHT_GENL_INJECT_H

#include <net/genetlink.h>

int insight_cmd_inject_add(struct sk_buff *skb, struct genl_info *info);
int insight_cmd_inject_del(struct sk_buff *skb, struct genl_info *info);
int insight_cmd_inject_get(struct sk_buff *skb, struct genl_info *info);

#endif /* _INSIGHT_GENL_INJECT_H */
