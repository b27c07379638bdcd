#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench, in the guest: insight campaign's pace on the real stack.
#   campaign.triples_per_min: single faults a minute, each with its stack
#     restart, against the same restart and workload done by hand (stop
#     every component, start each until its ready command passes, run the
#     workload "runs" times) as many times;
#   campaign.pairs_run: the pairs --pairs ran against the pairs of the
#     cross product (C1 != C2): the pruning.
set -e
stack=/insight/stack/stack.json
only='/(crash|ECONNREFUSED|EIO|EINTR)$'
dot -c	# graphviz's plugins (the image copies no postinst output)
now() { cut -d' ' -f1 /proc/uptime; }

t0=$(now)
/insight/bin/insight campaign --fresh --out /tmp/bench-campaign --only "$only" --pairs \
	--max-pairs 6 "$stack" >/tmp/bench-campaign.out 2>&1 || { cat /tmp/bench-campaign.out >&2; exit 1; }
t1=$(now)
faults=$(jq .faults /tmp/bench-campaign/fmap.json)
pairs=$(jq .pairs_run /tmp/bench-campaign/fmap.json)
total=$(jq .pairs_total /tmp/bench-campaign/fmap.json)
runs=$((faults + pairs))

# the baseline: the same cycle by hand, $runs times
n=$(jq '.components | length' "$stack")
wruns=$(jq .workload.runs "$stack")
workload=$(jq -r .workload.command "$stack")
stop_all() {
	for k in $(seq $((n - 1)) -1 0); do
		[ -f /tmp/bench-pid.$k ] && kill -TERM -- -"$(cat /tmp/bench-pid.$k)" 2>/dev/null || true
	done
	sleep 0.2
	for k in $(seq 0 $((n - 1))); do
		[ -f /tmp/bench-pid.$k ] && kill -KILL -- -"$(cat /tmp/bench-pid.$k)" 2>/dev/null || true
		rm -f /tmp/bench-pid.$k
	done
}
b0=$(now)
for r in $(seq 1 "$runs"); do
	stop_all
	for k in $(seq 0 $((n - 1))); do
		start=$(jq -r ".components[$k].start" "$stack")
		ready=$(jq -r ".components[$k].ready // \"true\"" "$stack")
		setsid sh -c "$start" </dev/null >/dev/null 2>&1 &
		echo $! >/tmp/bench-pid.$k
		until sh -c "$ready" >/dev/null 2>&1; do sleep 0.1; done
	done
	for w in $(seq 1 "$wruns"); do sh -c "$workload" >/dev/null 2>&1 || true; done
done
stop_all
b1=$(now)
awk -v r="$runs" -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" 'BEGIN {
	printf "BENCH campaign.triples_per_min %.2f runs/min campaign.restart_and_workload_per_min %.2f guest\n",
		r / (t1 - t0) * 60, r / (b1 - b0) * 60 }'
echo "BENCH campaign.pairs_run $pairs pairs campaign.pairs_cross_product $total guest"
