#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The failure suite, end to end (inside the guest, as root): for each
# failure of tests/suite/scenario.sh, in production conditions start the
# server, record the failing request with `insight record`, move the
# environment on (the shadow), run `insight explore` with each backend and
# check the report: the path holds the ground-truth branch, the top
# suspect is that branch, production's failed call was replayed when the
# scenario says one explains the failure (and none otherwise), and the
# server still answers a good request.
# Prints TAP (one result per failure and backend).
#
#   run.sh [--backends "kmod ptrace"] [--bench] [NAME...]
#
# --bench: also explore each failure with the kmod backend at quotas 1, 2,
# 4 and 8 (the same shadow), and print BENCH lines (tools/bench/run.sh):
# explore.NAME.kmod (seconds to the path, baseline: ptrace), .probes,
# .branches, .peak_rss (the same, kmod vs ptrace) and explore.NAME.quotaN
# (seconds, baseline: quota 1); a failure not reproduced gives null and
# the reason.
# SUITE_EXPLORE_ARGS: more options for insight explore.  Its steps
# (--verbose) go to /tmp/suite/NAME/BACKEND.err; a failed result shows
# their last lines.
here=$(cd "$(dirname "$0")" && pwd)
insight=${INSIGHT_CLI:-/insight/bin/insight}
export INSIGHT_TARGET_DIR=${INSIGHT_TARGET_DIR:-/insight/tests/targets}
backends="kmod ptrace"
bench=
if [ "$1" = "--backends" ]; then
	backends=$2
	shift 2
fi
if [ "$1" = "--bench" ]; then
	bench=1
	backends="kmod ptrace"
	shift
fi
names=${*:-$("$here/scenario.sh" list)}
nb=0
for b in $backends; do nb=$((nb + 1)); done
total=0
for n in $names; do total=$((total + nb)); done
echo "TAP version 13"
echo "1..$total"
i=0

# wait up to $2 tenths of a second for a line matching $1 in file $3
wait_line() {
	t=0
	while [ $t -lt "$2" ]; do
		grep -q "$1" "$3" 2>/dev/null && return 0
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}

# send file $1 to the server, its answer on stdout
send() {
	if [ "$input" = socket ]; then
		nc 127.0.0.1 "$port" < "$1"
	else
		cat "$1" >&3
		sleep 1
		cat "$dir/srv.out"
	fi
}

explore() {	# explore BACKEND OUT.json [OPTION...]: the report in OUT.json
	b=$1 j=$2
	shift 2
	# shellcheck disable=SC2086
	"$insight" explore --in-place --pid "$pid" --record "$dir/rec.json" --backend "$b" \
		--json --timeout ${SUITE_TIMEOUT:-60} --verbose "$@" ${SUITE_EXPLORE_ARGS} \
		>"$j" 2>"${j%.json}.err"
}

# BENCH lines: what report $2 says of field $3 (null and why when it did
# not reproduce the failure)
bval() {
	if [ "$(jq -r .status "$1" 2>/dev/null)" = reproduced ]; then
		jq -r ".$2" "$1"
	else
		echo null
	fi
}
bwhy() {
	for f in "$@"; do
		[ "$(jq -r .status "$f" 2>/dev/null)" = reproduced ] && continue
		if [ -s "$f" ]; then
			jq -r '"\(.backend) \(.status): \(.outputs_matched) of \(.outputs_expected) outputs matched"' "$f"
		else
			echo "no report: $(grep -v "^explore: \|^  " "${f%.json}.err" | head -c 120 | tr '\n' ' ')"
		fi
		return
	done
}
bline() {	# NAME FIELD UNIT BASELINE_NAME VALUE_FILE BASELINE_FILE
	v=$(bval "$5" "$2") bv=$(bval "$6" "$2")
	echo "BENCH $1 $v $3 $4 $bv guest $(bwhy "$5" "$6")"
}
bench_failure() {
	for q in 1 2 4 8; do
		if [ -n "$once" ]; then
			teardown
			setup
		fi
		[ -s "$dir/rec.json" ] && explore kmod "$dir/q$q.json" --quota "$q"
	done
	bline "explore.$name.kmod" elapsed_s s "explore.$name.ptrace" "$dir/kmod.json" "$dir/ptrace.json"
	bline "explore.$name.kmod.probes" probes_created probes "explore.$name.ptrace.probes" \
		"$dir/kmod.json" "$dir/ptrace.json"
	bline "explore.$name.kmod.branches" branches_trapped branches \
		"explore.$name.ptrace.branches" "$dir/kmod.json" "$dir/ptrace.json"
	bline "explore.$name.kmod.peak_rss" peak_rss_kb KiB "explore.$name.ptrace.peak_rss" \
		"$dir/kmod.json" "$dir/ptrace.json"
	for q in 1 2 4 8; do
		bline "explore.$name.quota$q" elapsed_s s "explore.$name.quota1" \
			"$dir/q$q.json" "$dir/q1.json"
	done
}

result() {	# result OK|FAIL NAME WHY [ERRFILE]
	i=$((i + 1))
	if [ "$1" = OK ]; then
		echo "ok $i $2"
	else
		echo "# $2: $3"
		# the explorer's last steps (--verbose), for a failure seen once
		[ -n "$4" ] && [ -s "$4" ] && tail -n 40 "$4" | cut -c1-200 | sed 's/^/#   /'
		echo "not ok $i $2"
	fi
}

# production (the server started, the failure recorded), then the shadow
setup() {
	eval "$("$here/scenario.sh" "$name" info "$dir")"
	"$here/scenario.sh" "$name" prod "$dir" >>"$dir/scenario.log" 2>&1
	if [ "$input" = stdin ]; then
		rm -f "$dir/in"
		mkfifo "$dir/in"
		# shellcheck disable=SC2086
		"$INSIGHT_TARGET_DIR/$server" $args <"$dir/in" >"$dir/srv.out" 2>"$dir/srv.err" &
		srv=$!
		exec 3>"$dir/in"
		wait_line ready 50 "$dir/srv.out"
	else
		# shellcheck disable=SC2086
		"$INSIGHT_TARGET_DIR/$server" $args >"$dir/srv.out" 2>"$dir/srv.err" &
		srv=$!
		wait_line "^port " 50 "$dir/srv.out"
		port=$(sed -n 's/^port //p' "$dir/srv.out" | head -1)
	fi
	pid=$srv
	sel="--pid $srv"
	if [ "$pick" = worker ]; then
		# the kernel picks the worker: record them all by cgroup
		wait_line "^worker .*" 50 "$dir/srv.out"
		sleep 0.2
		grep -q cgroup2 /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup
		cg=/sys/fs/cgroup/suite-$name
		mkdir -p "$cg"
		for p in $srv $(sed -n 's/^worker //p' "$dir/srv.out"); do
			echo "$p" >"$cg/cgroup.procs"
		done
		sel="--cgroup $cg"
	fi
	"$here/scenario.sh" "$name" prod "$dir" "$pid" >>"$dir/scenario.log" 2>&1
	# production: the failure happens and is recorded
	# shellcheck disable=SC2086
	"$insight" record $sel -o "$dir/rec.json" $trigger 2>"$dir/record.err" &
	rec=$!
	wait_line "recording" 100 "$dir/record.err"
	send "$request" >"$dir/prod.reply"
	t=0
	while kill -0 $rec 2>/dev/null && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
	kill $rec 2>/dev/null
	wait $rec 2>/dev/null
	[ "$pick" = worker ] && pid=$(jq -r .request.pid "$dir/rec.json" 2>/dev/null)
	"$here/scenario.sh" "$name" shadow "$dir" "$pid" >>"$dir/scenario.log" 2>&1
}

# stop the server and what the scenario started
teardown() {
	[ "$input" = stdin ] && exec 3>&-
	kill "$srv" 2>/dev/null
	[ "$pick" = worker ] && pkill -P "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	[ "$pick" = worker ] && rmdir "/sys/fs/cgroup/suite-$name" 2>/dev/null
	"$here/scenario.sh" "$name" clean "$dir" "$pid" >>"$dir/scenario.log" 2>&1
}

for name in $names; do
	dir=/tmp/suite/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	server= args= input= request= good= good_reply= trigger= kind= truth_func= truth_line= pick= once=
	replayed=
	setup
	first=1
	for b in $backends; do
		why=
		if [ -n "$once" ] && [ -z "$first" ]; then
			teardown
			setup
		fi
		first=
		if [ ! -s "$dir/rec.json" ]; then
			why="no failure record: $(cat "$dir/record.err")"
		else
			explore "$b" "$dir/$b.json"
			rc=$?
			j=$dir/$b.json
			if [ "$(jq -r .status "$j" 2>/dev/null)" != reproduced ]; then
				why="not reproduced (exit $rc): $(grep -v "^explore: \|^  " "$dir/$b.err" | head -c 300) $(jq -c '{status,outputs_matched,outputs_expected,suspects:[.suspects[]|.src]}' "$j" 2>/dev/null)"
			elif [ "$(jq --arg l "$truth_line" --arg f "$truth_func" \
				'[.path[] | select(.src == $l and .func == $f)] | length' "$j")" = 0 ]; then
				why="the path misses $truth_func $truth_line"
			elif [ "$(jq -r '.suspects[0].src' "$j")" != "$truth_line" ]; then
				why="top suspect $(jq -c '.suspects[0] | {func,src}' "$j"), not $truth_func $truth_line"
			elif [ "$kind" = transient ] && [ "$(jq -r '.suspects[0].deviated' "$j")" != true ]; then
				why="transient, but the top suspect is no deviation"
			elif [ "$kind" = natural ] && [ "$(jq -r '.natural_matches' "$j")" != true ]; then
				why="natural, but the shadow did not fail naturally"
			elif [ "$(jq -r '.replayed[0].syscall // ""' "$j")" != "$replayed" ]; then
				why="replayed $(jq -c '.replayed' "$j"), not production's failed ${replayed:-nothing}"
			fi
		fi
		if [ -z "$why" ]; then
			: >"$dir/srv.out"
			send "$good" >"$dir/good.reply" 2>&1
			grep -q "$good_reply" "$dir/good.reply" ||
				why="the server did not answer a good request after exploring: $(head -c 200 "$dir/good.reply")"
		fi
		if [ -z "$why" ]; then
			result OK "$name.$b"
		else
			result FAIL "$name.$b" "$why" "$dir/$b.err"
		fi
	done
	[ -n "$bench" ] && bench_failure
	teardown
done
