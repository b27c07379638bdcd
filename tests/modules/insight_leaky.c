// SPDX-License-Identifier: GPL-2.0
/*
 * Leaks 512 bytes on every load, on purpose: the leak test loads it to
 * prove that its slab check detects a leak of that size.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init leaky_init(void)
{
	void *p = kzalloc(512, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	/* deliberately never freed */
	return 0;
}

static void __exit leaky_exit(void)
{
}

module_init(leaky_init);
module_exit(leaky_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Insight test module: leaks 512 bytes per load");
