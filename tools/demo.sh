#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the guest, load insight.ko, show the module's ABI
# version through the CLI and the module's state.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== booting the Insight guest (qemu TCG, Debian 6.1 kernel)"
exec tools/vm/run --no-load -- sh -c '
set -e
echo "\$ uname -r"; uname -r
echo "\$ insmod /insight/insight.ko"; insmod /insight/insight.ko
echo "\$ insight version"; insight version
echo "\$ insight status"; insight status
echo "\$ cat /sys/module/insight/initstate /sys/module/insight/taint"
cat /sys/module/insight/initstate /sys/module/insight/taint
echo "\$ rmmod insight && insight version"
rmmod insight
insight version || echo "(exit status $?: expected, the module is unloaded)"
'
