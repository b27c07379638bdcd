#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/shadow_bench.sh O: insight shadow on a production VM (the
# test guest, 1 GiB, TCG, one vCPU) whose service writes its serial port
# back to back; the host watches that output grow (tools/bench/gap.c):
#   shadow.pause_ms     the longest gap in production's output while a
#                       shadow is taken, vs the longest gap without
#   shadow.ready_s      insight shadow's run (trigger to shadow running)
#                       vs the same VM booted cold to its service
#   shadow.production_throughput  production's output rate while the shadow
#                       is taken and runs, vs without
set -euo pipefail
O=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/insight-shadow-bench.XXXXXX")
run=
cleanup() {
	if [ -d "$tmp/shadow" ]; then
		"$O/insight" shadow --destroy --dir "$tmp/shadow" >&2 || true
	fi
	if [ -n "$run" ]; then
		kill "$run" 2>/dev/null || true
		wait "$run" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
qemu-img create -q -f qcow2 "$tmp/data.qcow2" 256M
t0=$(now)
# tools/vm/run's work directory (its output.log) under $tmp
TMPDIR=$tmp tools/vm/run --no-load --smp 1 --qmp "$tmp/qmp.sock" --disk "$tmp/data.qcow2" \
	--timeout 600 -- sh -c 'echo ready; while :; do echo beat; done' >/dev/null 2>&1 &
run=$!
log=
for _ in $(seq 600); do
	log=$(ls "$tmp"/insight-vm.*/output.log 2>/dev/null || true)
	[ -n "$log" ] && grep -q ready "$log" && break
	sleep 0.05
done
t1=$(now)
[ -n "$log" ] || { echo "shadow_bench: the production VM did not start" >&2; exit 1; }
sleep 2
read -r base_gap base_rate < <("$O/bench/gap" "$log" 4)
"$O/bench/gap" "$log" 4 >"$tmp/gap" &
gpid=$!
sleep 1
s0=$(now)
"$O/insight" shadow --qmp "$tmp/qmp.sock" --dir "$tmp/shadow" --json >"$tmp/shadow.json"
s1=$(now)
wait "$gpid"
read -r gap rate <"$tmp/gap"
echo "shadow_bench: $(cat "$tmp/shadow.json")" >&2
echo "BENCH shadow.pause_ms $gap ms shadow.pause_ms.no_clone $base_gap host"
awk -v a="$s0" -v b="$s1" -v c="$t0" -v d="$t1" \
	'BEGIN { printf "BENCH shadow.ready_s %.3f s shadow.ready_s.cold_boot %.3f host\n", b - a, d - c }'
echo "BENCH shadow.production_throughput $rate B/s shadow.production_throughput.no_shadow $base_rate host"
