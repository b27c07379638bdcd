// SPDX-License-Identifier: GPL-2.0
/* A module that does nothing: the baseline of the load-time benchmark. */
#include <linux/module.h>

static int __init trivial_init(void)
{
	return 0;
}

static void __exit trivial_exit(void)
{
}

module_init(trivial_init);
module_exit(trivial_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Insight test module: does nothing");
