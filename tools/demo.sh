#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the guest with insight.ko loaded and run the main job
# on a real failure of a real server: tests/realworld/demo.sh records
# Debian's nginx failing a request in production conditions (403: a file
# of mode 000), moves the environment on and lets `insight explore` infer
# the failure path in the shadow.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== booting the Insight guest (qemu TCG, Debian 6.1 kernel), loading insight.ko"
exec tools/vm/run --timeout 300 --pkg nginx --pkg nginx-common --pkg curl -- \
	sh /insight/realworld/demo.sh
