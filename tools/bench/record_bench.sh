#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host benchmarks of the eBPF recorder (prints BENCH lines):
#   record.lighttpd   requests/s with `insight record` attached (baseline: plain)
#   strace.lighttpd   requests/s with `strace -f -o /dev/null` (baseline: plain)
#   stream.syscall_ns ns per syscall with the stream attached (baseline: untraced)
# lighttpd serves a small file on 127.0.0.1; wrk drives it for a few
# seconds per run (median of 3 runs per setting).
set -euo pipefail
O=$1
insight=$O/insight
dir=$(mktemp -d /tmp/insight-bench.XXXXXX)
lpid= apid=
cleanup() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
port=$((30000 + $$ % 20000))
mkdir -p "$dir/www"
printf 'hello insight\n' >"$dir/www/index.html"
cat >"$dir/lighttpd.conf" <<CONF
server.document-root = "$dir/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$dir/error.log"
index-file.names = ( "index.html" )
CONF
lighttpd -D -f "$dir/lighttpd.conf" &
lpid=$!
for i in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
rps() {
	wrk -t2 -c16 -d3s "http://127.0.0.1:$port/index.html" |
		awk '/^Requests\/sec:/ {print $2}'
}
runs() { for i in 1 2 3; do rps; done | median; }

plain=$(runs)
"$insight" record --pid "$lpid" -o "$dir/never.json" \
	--trigger-response '^HTTP/1\.[01] 5' 2>"$dir/rec.err" &
apid=$!
until grep -q recording "$dir/rec.err"; do sleep 0.1; done
rec=$(runs)
kill "$apid"; wait "$apid" 2>/dev/null || true; apid=
strace -f -o /dev/null -p "$lpid" 2>/dev/null &
apid=$!
sleep 1
st=$(runs)
kill "$apid"; wait "$apid" 2>/dev/null || true; apid=
echo "BENCH record.lighttpd $rec req/s plain.lighttpd $plain host"
echo "BENCH strace.lighttpd $st req/s plain.lighttpd $plain host"

# per-syscall cost of the stream program
syscall_loop() {
	local traced=$1 out
	coproc LOOP { "$O/bench/sysloop" 2000000; }
	read -r _ <&"${LOOP[0]}"
	if [ "$traced" = 1 ]; then
		"$insight" record --pid "$LOOP_PID" -o "$dir/never.json" \
			--trigger-exit 99 2>"$dir/rec2.err" &
		apid=$!
		until grep -q recording "$dir/rec2.err"; do sleep 0.1; done
	fi
	echo go >&"${LOOP[1]}"
	read -r out <&"${LOOP[0]}"
	wait "$LOOP_PID" 2>/dev/null || true
	if [ -n "$apid" ]; then
		kill "$apid" 2>/dev/null; wait "$apid" 2>/dev/null || true; apid=
	fi
	echo "$out"
}
base=$(for i in 1 2 3; do syscall_loop 0; done | median)
traced=$(for i in 1 2 3; do syscall_loop 1; done | median)
echo "BENCH stream.syscall_ns $traced ns untraced_syscall_ns $base host"
