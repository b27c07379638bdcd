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
