// SPDX-License-Identifier: GPL-2.0
/*
 * One attribute policy per command of the insight family, the way
 * net/devlink/netlink_gen.c lays out devlink's.  Each array ends at the
 * command's highest attribute, which is also the command's maxattr: with
 * strict validation (resv_start_op 0) the core then rejects, with
 * -EINVAL, any attribute the command does not take (an attribute past
 * maxattr, or one inside the range the policy leaves NLA_UNSPEC).
 * Commands without attributes (STATUS, SESSION_NEW) have no policy: the
 * core gives them its reject-all policy.
 */
#include <insight/inject_args.h>

#include "genl_policy.h"

const struct nla_policy insight_version_nl_policy[INSIGHT_ATTR_ABI_VERSION + 1] = {
	[INSIGHT_ATTR_ABI_VERSION] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* an fd number: 0 to INT_MAX (6.1 takes the range as non-const) */
static struct netlink_range_validation insight_fd_range = {
	.max = INT_MAX,
};

/* an injected delay: 1 ms to 10 minutes; a probability in millionths */
static struct netlink_range_validation insight_delay_range = {
	.min = 1, .max = 600000,
};

static struct netlink_range_validation insight_ppm_range = {
	.min = 1, .max = 1000000,
};

/* a port: past the s16 min and max of NLA_POLICY_RANGE */
static struct netlink_range_validation insight_port_range = {
	.min = 1, .max = 65535,
};

const struct nla_policy insight_attach_nl_policy[INSIGHT_ATTR_MEM_FD + 1] = {
	[INSIGHT_ATTR_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[INSIGHT_ATTR_MEM_FD] = NLA_POLICY_FULL_RANGE(NLA_U32, &insight_fd_range),
};

/* one site of a request (INSIGHT_SITE_ERRNO is only in replies) */
const struct nla_policy insight_site_nl_policy[INSIGHT_SITE_POLICY + 1] = {
	[INSIGHT_SITE_ADDR] = { .type = NLA_U64 },
	[INSIGHT_SITE_POLICY] = NLA_POLICY_MAX(NLA_U32, __INSIGHT_POLICY_MAX - 1),
};

/* SITES_ADD and SITE_POLICY */
const struct nla_policy insight_sites_nl_policy[INSIGHT_ATTR_SITES + 1] = {
	[INSIGHT_ATTR_SITES] = NLA_POLICY_NESTED_ARRAY(insight_site_nl_policy),
};

const struct nla_policy insight_path_get_nl_policy[INSIGHT_ATTR_PROBE + 1] = {
	[INSIGHT_ATTR_START] = { .type = NLA_U64 },
	[INSIGHT_ATTR_PROBE] = { .type = NLA_U32 },
};

const struct nla_policy insight_probes_get_nl_policy[INSIGHT_ATTR_START + 1] = {
	[INSIGHT_ATTR_START] = { .type = NLA_U64 },
};

const struct nla_policy insight_probe_resume_nl_policy[INSIGHT_ATTR_KEEP + 1] = {
	[INSIGHT_ATTR_PROBE] = { .type = NLA_U32 },
	[INSIGHT_ATTR_POLICY] = NLA_POLICY_MAX(NLA_U32, __INSIGHT_POLICY_MAX - 1),
	[INSIGHT_ATTR_KEEP] = { .type = NLA_FLAG },
};

const struct nla_policy insight_probe_kill_nl_policy[INSIGHT_ATTR_PROBE + 1] = {
	[INSIGHT_ATTR_PROBE] = { .type = NLA_U32 },
};

const struct nla_policy insight_sandbox_nl_policy[INSIGHT_ATTR_HOLD + 1] = {
	[INSIGHT_ATTR_CAPTURE] = NLA_POLICY_MAX(NLA_U32, INSIGHT_CAPTURE_MAX),
	[INSIGHT_ATTR_INPUT_FD] = NLA_POLICY_MAX(NLA_U32, S16_MAX),
	[INSIGHT_ATTR_INPUT] = { .type = NLA_BINARY, .len = INSIGHT_INPUT_MAX },
	[INSIGHT_ATTR_HOLD] = { .type = NLA_FLAG },
};

const struct nla_policy insight_fault_add_nl_policy[INSIGHT_ATTR_FAULT_PATH + 1] = {
	[INSIGHT_ATTR_PROBE] = { .type = NLA_U32 },
	[INSIGHT_ATTR_SYSCALL] = NLA_POLICY_MAX(NLA_U32, 1023),
	[INSIGHT_ATTR_ERRNO] = NLA_POLICY_RANGE(NLA_U32, 1, 4095),
	[INSIGHT_ATTR_FAULT_PATH] = { .type = NLA_NUL_STRING,
				      .len = INSIGHT_FAULT_PATH_MAX - 1 },
};

const struct nla_policy insight_outputs_get_nl_policy[INSIGHT_ATTR_PROBE + 1] = {
	[INSIGHT_ATTR_START] = { .type = NLA_U64 },
	[INSIGHT_ATTR_PROBE] = { .type = NLA_U32 },
};

const struct nla_policy insight_probe_step_nl_policy[INSIGHT_ATTR_STEP + 1] = {
	[INSIGHT_ATTR_PROBE] = { .type = NLA_U32 },
	[INSIGHT_ATTR_STEP] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* the attributes of one injection (INSIGHT_ATTR_INJECT) */
static const struct nla_policy insight_inject_attr_nl_policy[INSIGHT_INJECT_RETVAL + 1] = {
	[INSIGHT_INJECT_CGROUP_FD] = NLA_POLICY_FULL_RANGE(NLA_U32, &insight_fd_range),
	[INSIGHT_INJECT_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[INSIGHT_INJECT_SYSCALL] = NLA_POLICY_MAX(NLA_U32, 1023),
	[INSIGHT_INJECT_ACTION] = NLA_POLICY_RANGE(NLA_U32, INSIGHT_INJECT_ERRNO,
						   __INSIGHT_INJECT_ACTION_MAX - 1),
	[INSIGHT_INJECT_ERR] = NLA_POLICY_RANGE(NLA_U32, 1, 4095),
	[INSIGHT_INJECT_DELAY_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &insight_delay_range),
	[INSIGHT_INJECT_FD_KINDS] = NLA_POLICY_RANGE(NLA_U32, 1, INSIGHT_INJECT_FD_ALL),
	[INSIGHT_INJECT_PORT] = NLA_POLICY_FULL_RANGE(NLA_U32, &insight_port_range),
	[INSIGHT_INJECT_PATH] = { .type = NLA_NUL_STRING,
				  .len = INSIGHT_INJECT_PATH_MAX - 1 },
	[INSIGHT_INJECT_NTH] = NLA_POLICY_MIN(NLA_U32, 1),
	[INSIGHT_INJECT_PROB_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &insight_ppm_range),
	[INSIGHT_INJECT_LIB_FD] = NLA_POLICY_FULL_RANGE(NLA_U32, &insight_fd_range),
	[INSIGHT_INJECT_LIB_OFFSET] = { .type = NLA_U64 },
	[INSIGHT_INJECT_RETVAL] = { .type = NLA_U64 },
};
const struct nla_policy *const insight_inject_nl_policy = insight_inject_attr_nl_policy;

const struct nla_policy insight_inject_add_nl_policy[INSIGHT_ATTR_INJECT + 1] = {
	[INSIGHT_ATTR_INJECT] = NLA_POLICY_NESTED(insight_inject_attr_nl_policy),
};

const struct nla_policy insight_inject_del_nl_policy[INSIGHT_ATTR_INJECT_ID + 1] = {
	[INSIGHT_ATTR_INJECT_ID] = { .type = NLA_U32 },
};
