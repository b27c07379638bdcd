#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: benchmarks on the host and in one guest boot.  Each record
# is compared with a baseline measured in the same run; the records go
# to $O/bench.json (a JSON array) and are printed as a table.
#
# A record line, from any benchmark program:
#   BENCH name value unit baseline baseline_value where [reason...]
# ratio = how many times better value is than baseline_value:
# baseline/value for times (s, ms, us, ns) and costs (KiB, probes,
# branches, pairs), value/baseline otherwise (throughputs).
# A value (or baseline value) that could not be measured is null, with
# the reason; its ratio is null.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
O=${O:-out}
case "$O" in /*) ;; *) O="$top/$O" ;; esac
lines=$O/bench.lines
: >"$lines"

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# Guest boot to command to power-off, seen from the host: the full test
# image vs a minimal one (busybox and /init only).
boot_time() {
	local i t0 t1
	for i in 1 2 3; do
		t0=$(date +%s.%N)
		tools/vm/run --no-load --image "$1" -- true >/dev/null
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
	done | median
}
echo "bench: guest boot time (3 boots of each image)" >&2
tools/vm/mkimage "$O/guest/minimal.cpio.gz"
base=$(boot_time "$O/guest/minimal.cpio.gz")
full=$(boot_time "$O/guest/initrd.cpio.gz")
echo "BENCH vm.boot $full s vm.boot.minimal_image $base host" >>"$lines"

echo "bench: recorder on lighttpd, strace, stream cost (host)" >&2
tools/bench/record_bench.sh "$O" | tee -a "$lines" >&2

echo "bench: insight shadow on a production VM (host)" >&2
tools/bench/shadow_bench.sh "$O" | tee -a "$lines" >&2

echo "bench: guest benchmarks (one boot)" >&2
tools/vm/run --no-load --mem 2G --timeout 900 -- /insight/bench/guest_bench | tee -a "$lines" >&2

echo "bench: insight explore on the failure suite, kmod vs ptrace, quotas 1-8 (one boot)" >&2
tools/vm/run --mem 2G --timeout 2400 --pkg jq -- sh /insight/suite/run.sh --bench |
	grep '^BENCH ' | tee -a "$lines" >&2

echo "bench: insight campaign on the real stack (one boot)" >&2
tools/vm/run --timeout 2400 --pkg jq $(tools/stack-pkgs.sh) -- sh /insight/stack/bench.sh |
	grep '^BENCH ' | tee -a "$lines" >&2

awk '
	/^BENCH / {
		time = ($4 ~ /^(s|ms|us|ns|KiB|probes|branches|pairs)$/)
		reason = ""
		for (i = 8; i <= NF; i++)
			reason = reason (i > 8 ? " " : "") $i
		gsub(/["\\]/, "", reason)
		if ($3 == "null" || $6 == "null" || $3 + 0 == 0 || $6 + 0 == 0) {
			ratio = "null"
			shown = "-"
		} else {
			ratio = sprintf("%.3f", time ? ($6 / $3) : ($3 / $6))
			shown = sprintf("%.2fx", ratio)
		}
		n++
		json[n] = sprintf("  {\"name\": \"%s\", \"value\": %s, \"unit\": \"%s\", \"baseline\": \"%s\", \"baseline_value\": %s, \"ratio\": %s, \"where\": \"%s\"%s}", $2, $3, $4, $5, $6, ratio, $7, reason != "" ? sprintf(", \"reason\": \"%s\"", reason) : "")
		row[n] = sprintf("%-34s %10s %-8s %-34s %10s %8s  %s %s", $2, $3, $4, $5, $6, shown, $7, reason)
	}
	END {
		print "[" > out
		for (i = 1; i <= n; i++) print json[i] (i < n ? "," : "") > out
		print "]" > out
		printf "%-34s %10s %-8s %-34s %10s %8s  %s\n", "name", "value", "unit", "baseline", "baseline_value", "ratio", "where"
		for (i = 1; i <= n; i++) print row[i]
	}' out="$O/bench.json" "$lines"
echo "bench: wrote ${O#"$top"/}/bench.json" >&2
