#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest: every test binary in /insight/tests, each
# framed by markers that tools/tap-summary reads.  A test binary still
# running after $LIMIT seconds gets the kernel's list of blocked tasks
# written to the console (sysrq w), then is killed: a hang is reported
# with its stacks instead of holding the run until the guest's timeout.
LIMIT=300
cd /insight/tests || exit 1
echo 1 >/proc/sys/kernel/sysrq

# watchdog PID NAME: after LIMIT seconds, dump blocked tasks and kill PID
watchdog() {
	sleep "$LIMIT"
	kill -0 "$1" 2>/dev/null || return
	echo "## $2 still running after $LIMIT s: blocked tasks follow on the console"
	echo w >/proc/sysrq-trigger
	kill -9 "$1"
}

run() {	# run NAME COMMAND...
	name=$1
	shift
	echo "## test-binary: guest/$name"
	"$@" &
	pid=$!
	watchdog "$pid" "$name" &
	wd=$!
	wait "$pid"
	rc=$?
	pkill -P "$wd" sleep 2>/dev/null	# its sleep too: no process left per test
	kill "$wd" 2>/dev/null
	echo "## test-exit: guest/$name $rc"
}

for t in ./*_test; do
	case $t in
	*_smp_test) continue ;;	# races between CPUs: tools/check.sh boots two
	esac
	run "${t#./}" "$t"
done
# the failure suite, end to end (tests/suite/): its 12 failures, each
# explored with both backends; the suite's kmod runs need insight.ko,
# whatever the tests above left
lsmod | grep -q '^insight ' || insmod /insight/insight.ko
LIMIT=1500 run suite sh /insight/suite/run.sh --backends "kmod ptrace"
# real Debian servers as they ship (tests/realworld/): their failures,
# each explored with both backends
LIMIT=900 run realworld sh /insight/realworld/run.sh --backends "kmod ptrace"
