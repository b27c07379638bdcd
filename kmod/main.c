// SPDX-License-Identifier: GPL-2.0
/*
 * insight.ko - failure-path inference support for shadow VMs.
 *
 * This file holds module load/unload and the module parameters; each
 * concern of the module lives in its own file (see Documentation/).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/insight.h>

#include "insight.h"

unsigned int insight_max_sessions = 4;
module_param_named(max_sessions, insight_max_sessions, uint, 0444);
MODULE_PARM_DESC(max_sessions, "Most exploration sessions open at once (default 4)");

unsigned int insight_max_sites = 65536;
module_param_named(max_sites, insight_max_sites, uint, 0444);
MODULE_PARM_DESC(max_sites, "Most branch sites per session (default 65536)");

unsigned int insight_max_probes = 64;
module_param_named(max_probes, insight_max_probes, uint, 0444);
MODULE_PARM_DESC(max_probes, "Hard cap on running probes per session (default 64)");

unsigned int insight_max_log = 65536;
module_param_named(max_log, insight_max_log, uint, 0444);
MODULE_PARM_DESC(max_log, "Decisions kept in a path log (default 65536)");

unsigned int insight_max_snapshots = 16;
module_param_named(max_snapshots, insight_max_snapshots, uint, 0444);
MODULE_PARM_DESC(max_snapshots, "Hard cap on held snapshots per session (default 16)");

unsigned int insight_max_session_mem = 256;
module_param_named(max_session_mem, insight_max_session_mem, uint, 0444);
MODULE_PARM_DESC(max_session_mem,
		 "MiB of path logs and outputs kept per session, exited probes' included (default 256)");
bool insight_fake_old_uprobes;
module_param_named(fake_old_uprobes, insight_fake_old_uprobes, bool, 0444);
MODULE_PARM_DESC(fake_old_uprobes, "Test only: the load-time uprobes self-test acts as on a kernel that emulates after a handler moved ip, so the load is refused");

static int __init insight_init(void)
{
	int err;

	if (!insight_max_sessions || !insight_max_sites || !insight_max_probes ||
	    !insight_max_log || !insight_max_session_mem) {
		pr_err("max_sessions, max_sites, max_probes, max_log, max_session_mem must be > 0\n");
		return -EINVAL;
	}

	err = insight_selftest();
	if (err)
		return err;
	err = insight_attach_init();
	if (err)
		return err;
	err = insight_sessions_init();
	if (err)
		return err;
	err = insight_genl_init();
	if (err)
		goto err_sessions;

	pr_info("loaded, ABI %u\n", INSIGHT_ABI_VERSION);
	return 0;

err_sessions:
	insight_sessions_exit();
	return err;
}

static void __exit insight_exit(void)
{
	insight_genl_exit();
	insight_inject_exit();
	insight_sessions_exit();
	insight_sandbox_exit();
	pr_info("unloaded\n");
}

module_init(insight_init);
module_exit(insight_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The Insight developers");
MODULE_DESCRIPTION("Insight: in-kernel branch forking for failure-path inference");
MODULE_VERSION("0.1");
