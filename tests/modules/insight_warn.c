// SPDX-License-Identifier: GPL-2.0
/*
 * WARNs on load, on purpose: the harness test boots a guest with
 * panic_on_warn=1, loads it and expects tools/vm/run to report a failure.
 */
#include <linux/module.h>

static int __init warn_init(void)
{
	WARN(1, "insight_warn: deliberate warning for the harness test\n");
	return 0;
}

static void __exit warn_exit(void)
{
}

module_init(warn_init);
module_exit(warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Insight test module: WARNs on load");
