#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/shadow_bench.sh O: insight shadow on a production VM (1 GiB,
# TCG, two vCPUs, Debian's nginx: tests/realworld/production.sh, nginx;
# make demo's runs haproxy on one vCPU),
# asked for its home page back to back by a client on the host
# (tools/bench/httpload):
#   shadow.pause_ms     the longest gap between two answers while a shadow
#                       is taken, vs the longest gap in as long a run of
#                       requests without one
#   shadow.ready_s      from the failing request (the trigger) to insight
#                       explore starting in the shadow (shadow --watch
#                       --explore), vs the same VM booted cold to nginx
#                       serving
#   shadow.production_throughput  answers a second while the shadow is
#                       taken and explored, vs without
set -euo pipefail
O=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/insight-shadow-bench.XXXXXX")
run='' load=''
cleanup() {
	[ -z "$load" ] || kill "$load" 2>/dev/null || true
	for d in "$tmp"/shadow*; do
		[ ! -d "$d" ] || "$O/insight" shadow --destroy --dir "$d" >&2 || true
	done
	if [ -n "$run" ]; then
		kill "$run" 2>/dev/null || true
		wait "$run" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
# wait until file $1 has a line matching $2 (60 s at most)
wait_for() {
	for _ in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "shadow_bench: no '$2' in $1" >&2
	return 1
}

port=18191
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
qemu-img create -q -f qcow2 "$tmp/data.qcow2" 64M
t0=$(now)
TMPDIR=$tmp tools/vm/run --timeout 900 --no-load --qmp "$tmp/qmp.sock" --disk "$tmp/data.qcow2" \
	--agent "$tmp/qga.sock" --forward "$port:8091" --pkg nginx --pkg nginx-common --pkg curl -- \
	sh /insight/realworld/production.sh >"$tmp/production.log" 2>&1 &
run=$!
wait_for "$tmp/production.log" '^production: ready'
t1=$(now)
sleep 2

# the longest gap in 5 s of requests in which a shadow is taken
clone_gap() {
	"$O/bench/httpload" "$port" / 5 >"$tmp/clone.load" &
	load=$!
	sleep 1
	"$O/insight" shadow --qmp "$tmp/qmp.sock" --dir "$tmp/shadow1" --json >"$tmp/shadow1.json"
	wait "$load"
	load=
	"$O/insight" shadow --destroy --dir "$tmp/shadow1"
	echo "shadow_bench: $(cat "$tmp/shadow1.json")" >&2
	read -r _ _ g _ <"$tmp/clone.load"
	echo "$g"
}

# the pause: 5 s of requests without a clone, then 5 s with one taken
read -r _ _ base_gap base_rate < <("$O/bench/httpload" "$port" / 5)
gap=$(clone_gap)

# the job: the failing request, the clone, the exploration, under load
"$O/bench/httpload" "$port" / 600 "$tmp/job.load" >/dev/null &
load=$!
sleep 1
"$O/insight" shadow --qmp "$tmp/qmp.sock" --dir "$tmp/shadow2" --watch \
	--explore /tmp/demo/failure.json --module /insight/insight.ko >"$tmp/shadow2.out" 2>&1 &
shadow=$!
wait_for "$tmp/shadow2.out" waiting
read -r n0 _ <"$tmp/job.load"
j0=$(now)
curl -s -o /dev/null "http://127.0.0.1:$port/report.html"
wait_for "$tmp/shadow2.out" 'insight explore --record'
r1=$(now)
wait "$shadow"
read -r n1 _ <"$tmp/job.load"
j1=$(now)
kill "$load"
wait "$load" 2>/dev/null || true
load=
grep -E 'paused|backend|1\. ' "$tmp/shadow2.out" | sed 's/^ */shadow_bench: /' >&2

echo "BENCH shadow.pause_ms $gap ms shadow.pause_ms.no_clone $base_gap host"
awk -v a="$j0" -v b="$r1" -v c="$t0" -v d="$t1" \
	'BEGIN { printf "BENCH shadow.ready_s %.3f s shadow.ready_s.cold_boot %.3f host\n", b - a, d - c }'
awk -v n0="$n0" -v n1="$n1" -v a="$j0" -v b="$j1" -v base="$base_rate" \
	'BEGIN { printf "BENCH shadow.production_throughput %.1f req/s shadow.production_throughput.no_shadow %.1f host\n", (n1 - n0) / (b - a), base }'
