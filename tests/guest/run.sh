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
# the failure suite, end to end (tests/suite/): the failures both
# backends find today; see tests/suite/FAILURES.md for the others
echo "## test-binary: guest/suite"
sh /insight/suite/run.sh --backends "kmod ptrace" kv_missing_config pf_peer_refused \
	cli_permission
echo "## test-exit: guest/suite $?"
