#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test part of `make check` (which builds first): unit and host tests, then
# the guest tests in one guest boot, then one summary line.
#
# Environment (see tests/README.md):
#   INSIGHT_TEST_FAIL=1  a guest test expects a wrong ABI version: must fail
#   INSIGHT_TEST_WARN=1  the guest loads a module that WARNs: must fail
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
O=${O:-out}
case "$O" in /*) ;; *) O="$top/$O" ;; esac
log=$O/check
rm -rf "$log"
mkdir -p "$log"
export INSIGHT_CLI=$O/insight INSIGHT_KO=$O/insight.ko INSIGHT_MODULES=$O/modules
export INSIGHT_TARGET_DIR=$O/tests/guest/targets INSIGHT_MAN_DIR=$O/man
# make check passes the kernel-doc of the headers it built against
if [ -z "${INSIGHT_KERNEL_DOC:-}" ]; then
	INSIGHT_KERNEL_DOC=/usr/src/linux-headers-$(tools/kver.sh "${FLAVOUR:-cloud-amd64}")/scripts/kernel-doc
fi
export INSIGHT_KERNEL_DOC
start=$(date +%s)

host=() guest=()
echo "== unit and host tests"
for t in "$O"/tests/unit/*_test "$O"/tests/host/*_test; do
	name=$(basename "$(dirname "$t")")/$(basename "$t")
	host+=("$name")
	{
		echo "## test-binary: $name"
		"$t"
		echo "## test-exit: $name $?"
	} 2>&1 | tee -a "$log/host.log"
done

echo "== guest tests (qemu TCG, insight.ko loaded by the tests)"
smp=()
for t in "$O"/tests/guest/*_test; do
	case $t in
	*_smp_test) smp+=("guest/$(basename "$t")") ;;
	*) guest+=("guest/$(basename "$t")") ;;
	esac
done
guest+=("guest/suite" "guest/realworld")
# slub_debug=FZPU: SLUB allocation tracking (U), for the exact leak checks,
# and red zones, poisoning and sanity checks (FZP): a use-after-free or an
# overrun shows as a BUG
# --smp 1: with two TCG vCPUs, the kernel's cross-CPU text patching (static
# keys flipped as modules and tracepoints come and go) has soft-locked the
# guest (Documentation/vm.rst); one vCPU has no such race, and is no slower
vmargs=(--no-load --smp 1 --logdir "$log/guest" --timeout 2400 --append slub_debug=FZPU
	--pkg bpftool --pkg jq $(tools/stack-pkgs.sh) $(tools/realworld-pkgs.sh))
cmd="sh /insight/tests/run"
if [ -n "${INSIGHT_TEST_FAIL:-}" ]; then
	vmargs+=(--env INSIGHT_TEST_FAIL=1)
fi
if [ -n "${INSIGHT_TEST_WARN:-}" ]; then
	cmd="insmod /insight/modules/insight_warn.ko; $cmd"
fi
tools/vm/run "${vmargs[@]}" -- sh -c "$cmd" 2>&1 | tee "$log/guest.log"
vmrc=${PIPESTATUS[0]}

# *_smp_test: races between CPUs (two probes splitting at once, say), which
# one vCPU hardly ever shows: a second boot with two, for them alone
echo "== guest tests with two vCPUs"
smpcmd=""
for b in "${smp[@]}"; do
	t=/insight/tests/${b#guest/}
	smpcmd+="echo '## test-binary: $b'; $t; echo \"## test-exit: $b \$?\"; "
done
tools/vm/run --no-load --smp 2 --logdir "$log/guest-smp" --timeout 600 \
	--append slub_debug=FZPU -- sh -c "insmod /insight/insight.ko; $smpcmd" 2>&1 |
	tee "$log/guest-smp.log"
smprc=${PIPESTATUS[0]}
[ "$vmrc" -ne 0 ] || vmrc=$smprc

# make deb's packages, installed and removed in a clean Debian bookworm
# guest (make deb-guest): DKMS builds insight.ko there, twice under TCG,
# with two vCPUs for its make -j
echo "== Debian packages in a clean bookworm guest"
debs=("$O"/deb/insight-dkms_*_all.deb "$O"/deb/insight_*.deb)
{
	echo "## test-binary: deb/deb_test"
	tools/vm/run --no-load --smp 2 --mem 2G --image "$O/deb-guest/bookworm.cpio.gz" \
		--logdir "$log/guest-deb" --timeout 1500 \
		--file "${debs[0]}:insight/debs/$(basename "${debs[0]}")" \
		--file "${debs[1]}:insight/debs/$(basename "${debs[1]}")" \
		--file "$O/deb-guest/extra:insight/extra" \
		--file tests/deb/deb_test.sh:insight/deb_test.sh \
		-- bash /insight/deb_test.sh /insight/debs /insight/extra
	echo "## test-exit: deb/deb_test $?"
} 2>&1 | tee "$log/guest-deb.log"
debrc=$(sed -n 's/^## test-exit: deb\/deb_test //p' "$log/guest-deb.log")
# 1 is a failed test, counted by its "not ok"; 124 a timeout, 125 a kernel
# BUG/WARNING, or no status at all, is the guest's failure
case ${debrc:-none} in
0|1) ;;
*) [ "$vmrc" -ne 0 ] || vmrc=${debrc:-125} ;;
esac

echo
echo "== summary ($(($(date +%s) - start)) s; logs in ${log#"$top"/})"
awk -v expected="${host[*]} ${guest[*]} ${smp[*]} deb/deb_test" -v vmrc="$vmrc" \
	-f tools/tap-summary.awk "$log/host.log" "$log/guest.log" "$log/guest-smp.log" \
	"$log/guest-deb.log"
