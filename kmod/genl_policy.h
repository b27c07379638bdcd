/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attribute policies of the insight family, one per command (as
 * net/devlink/netlink_gen.h declares devlink's): kmod/genl_policy.c.
 */
#ifndef _INSIGHT_GENL_POLICY_H
#define _INSIGHT_GENL_POLICY_H

#include <net/netlink.h>
#include <linux/insight.h>

extern const struct nla_policy insight_version_nl_policy[INSIGHT_ATTR_ABI_VERSION + 1];
extern const struct nla_policy insight_attach_nl_policy[INSIGHT_ATTR_MEM_FD + 1];
extern const struct nla_policy insight_sites_nl_policy[INSIGHT_ATTR_SITES + 1];
extern const struct nla_policy insight_site_nl_policy[INSIGHT_SITE_POLICY + 1];
extern const struct nla_policy insight_path_get_nl_policy[INSIGHT_ATTR_PROBE + 1];
extern const struct nla_policy insight_probes_get_nl_policy[INSIGHT_ATTR_START + 1];
extern const struct nla_policy insight_probe_resume_nl_policy[INSIGHT_ATTR_KEEP + 1];
extern const struct nla_policy insight_probe_kill_nl_policy[INSIGHT_ATTR_PROBE + 1];
extern const struct nla_policy insight_sandbox_nl_policy[INSIGHT_ATTR_HOLD + 1];
extern const struct nla_policy insight_fault_add_nl_policy[INSIGHT_ATTR_FAULT_PATH + 1];
extern const struct nla_policy insight_outputs_get_nl_policy[INSIGHT_ATTR_PROBE + 1];
extern const struct nla_policy insight_probe_step_nl_policy[INSIGHT_ATTR_STEP + 1];
extern const struct nla_policy *const insight_inject_nl_policy;
extern const struct nla_policy insight_inject_add_nl_policy[INSIGHT_ATTR_INJECT + 1];
extern const struct nla_policy insight_inject_del_nl_policy[INSIGHT_ATTR_INJECT_ID + 1];

#endif /* _INSIGHT_GENL_POLICY_H */
