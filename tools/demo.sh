#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the guest with insight.ko loaded and run the main job
# on a real failure: tests/suite/demo.sh records a failing request of a
# server in production conditions, moves the environment on and lets
# `insight explore` infer the failure path in the shadow.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== booting the Insight guest (qemu TCG, Debian 6.1 kernel), loading insight.ko"
exec tools/vm/run --timeout 300 -- sh /insight/suite/demo.sh
