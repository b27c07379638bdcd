#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest: every test binary in /insight/tests, each
# framed by markers that tools/tap-summary reads.
cd /insight/tests || exit 1
for t in ./*_test; do
	name=${t#./}
	echo "## test-binary: guest/$name"
	"$t"
	echo "## test-exit: guest/$name $?"
done
# the failure suite, end to end (tests/suite/): its 12 failures, each
# explored with both backends
echo "## test-binary: guest/suite"
# the suite's kmod runs need insight.ko, whatever the tests above left
lsmod | grep -q '^insight ' || insmod /insight/insight.ko
sh /insight/suite/run.sh --backends "kmod ptrace"
echo "## test-exit: guest/suite $?"
