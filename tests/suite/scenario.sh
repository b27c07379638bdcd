#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The failure suite: servers with planted failures that depend on their
# environment (tests/suite/FAILURES.md).  POSIX sh: it runs under busybox
# sh in the guest, and on the host.
#
#   scenario.sh list                 the failure names, one a line
#   scenario.sh NAME info DIR        how to run NAME, as key=value lines:
#       server      the program, under $INSIGHT_TARGET_DIR
#       args        its arguments (files live in DIR)
#       input       socket (it prints "port N" once it listens) or stdin
#                   (it prints "ready" once it reads commands)
#       request     a file holding the exact bytes of the failing request
#       good        a file holding a request that must be answered well in
#                   the shadow, and good_reply a string its answer holds
#       trigger     the insight record trigger options that catch it
#       kind        transient (the request no longer fails in the shadow)
#                   or natural (it still does)
#       truth_func, truth_line   the deciding branch: the function and the
#                   FILE.c:LINE of its if
#       pick        which process to record and explore: first (the
#                   server itself) or worker (suite_prefork: record the
#                   server and its workers by cgroup; the failure record
#                   names the worker that served the request)
#       once        1 when a shadow serves one exploration only: serving
#                   the request (the natural run, or the good request)
#                   moves the state the failure depends on (a cache
#                   reloaded); each exploration needs a new production
#                   and shadow
#   scenario.sh NAME prod DIR [PID]    production conditions: once before
#       the server starts (no PID), once right after (with its PID)
#   scenario.sh NAME shadow DIR [PID]  the environment moves on
#   scenario.sh NAME clean DIR [PID]   stop helpers, unmount, remove what
#       the scenario made in DIR
#
# DIR must not contain spaces.  kv_disk_full mounts a tmpfs: it needs root.
#
# Environment:
#   INSIGHT_TARGET_DIR  the built tests/targets programs (default: the
#                       guest's /insight/tests/targets, or this tree's
#                       out/tests/guest/targets)
#   SUITE_DELAY_MS      warm-up of ev_warming_up and cache TTL of
#                       cli_stale_cache (default 8000): the failing request
#                       must come sooner, the shadow waits it out
#   SUITE_SRC_DIR       the sources of the servers, for truth_line (default:
#                       ../targets next to this script); without them it
#                       is read from the marker TRUTH() leaves in the binary

NAMES="kv_missing_config kv_disk_full kv_malformed
pf_peer_refused pf_peer_timeout pf_not_found
ev_corrupt_config ev_fd_limit ev_warming_up
cli_permission cli_stale_cache cli_bad_number"

here=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "scenario: $*" >&2
	exit 1
}

usage() {
	echo "usage: scenario.sh list | NAME info|prod|shadow|clean DIR [PID]" >&2
	exit 2
}

targets() {
	for t in "${INSIGHT_TARGET_DIR:-}" /insight/tests/targets \
		 "$here/../../out/tests/guest/targets"; do
		if [ -n "$t" ] && [ -x "$t/suite_kv" ]; then
			echo "$t"
			return
		fi
	done
	echo "${INSIGHT_TARGET_DIR:-/insight/tests/targets}"
}

# FILE CONTENT: write the printf format CONTENT to DIR/FILE, atomically
put() {
	mkdir -p "$(dirname "$D/$1")" &&
		printf "$2" >"$D/$1.new" && mv -f "$D/$1.new" "$D/$1" ||
		die "cannot write $D/$1"
}

# the delay of the time-dependent failures, the same for every call
delay() {
	[ -f "$D/delay_ms" ] || echo "${SUITE_DELAY_MS:-8000}" >"$D/delay_ms"
	cat "$D/delay_ms"
}

# sleep until the delay has passed since the server started
wait_delay() {
	secs=$((($(delay) + 999) / 1000 + 1))
	t0=$(cat "$D/t0" 2>/dev/null || echo 0)
	if [ "$t0" -gt 0 ]; then
		left=$((t0 + secs - $(date +%s)))
	else
		left=$secs
	fi
	[ "$left" -gt 0 ] && sleep "$left"
	return 0
}

server_pid() {
	if [ -n "$PID" ]; then
		echo "$PID"
	else
		cat "$D/server.pid" 2>/dev/null
	fi
}

alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

stop_peer() {
	p=$(cat "$D/peer.pid" 2>/dev/null)
	if alive "$p"; then
		kill "$p" 2>/dev/null
		i=0
		while alive "$p" && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	rm -f "$D/peer.pid" "$D/peer.mode" "$D/peer.out"
}

# MODE: a suite_peer in MODE (ok, slow, refuse), its port in DIR/upstream
ensure_peer() {
	p=$(cat "$D/peer.pid" 2>/dev/null)
	if alive "$p" && [ "$(cat "$D/peer.mode" 2>/dev/null)" = "$1" ]; then
		return
	fi
	stop_peer
	"$T/suite_peer" 0 "$1" </dev/null >"$D/peer.out" 2>&1 &
	echo $! >"$D/peer.pid"
	echo "$1" >"$D/peer.mode"
	i=0
	until grep -q '^port ' "$D/peer.out" 2>/dev/null; do
		[ $i -lt 100 ] || die "suite_peer $1 did not start: $(cat "$D/peer.out")"
		sleep 0.1
		i=$((i + 1))
	done
	put upstream "$(sed -n 's/^port //p' "$D/peer.out")\n"
}

store_mounted() {
	grep -q " $D/store tmpfs " /proc/mounts 2>/dev/null
}

# NAME: the scenario's description, in variables
describe() {
	pick=first once= replayed=
	case $1 in
	kv_missing_config)
		server=suite_kv args="0 $D" input=socket func=load_config
		req='GET greeting\n' good='GET greeting\n' good_reply='OK hello'
		trigger='--trigger-response ^ERR.config' kind=transient replayed=openat ;;
	kv_disk_full)
		server=suite_kv args="0 $D" input=socket func=store_value
		req='PUT note hello\n' good='PUT note hello\n' good_reply='OK stored'
		trigger='--trigger-response ^ERR.disk.full' kind=transient ;;
	kv_malformed)
		server=suite_kv args="0 $D" input=socket func=check_key
		req='GET ../kv.conf\n' good='GET greeting\n' good_reply='OK hello'
		trigger='--trigger-response ^ERR.malformed' kind=natural ;;
	pf_peer_refused)
		server=suite_prefork args="0 $D" input=socket func=connect_upstream
		req='GET /value HTTP/1.0\r\n\r\n' good='GET /value HTTP/1.0\r\n\r\n'
		good_reply='value 42' pick=worker
		trigger='--trigger-response ^HTTP/1.0.502' kind=transient replayed=connect ;;
	pf_peer_timeout)
		server=suite_prefork args="0 $D" input=socket func=wait_upstream
		req='GET /value HTTP/1.0\r\n\r\n' good='GET /value HTTP/1.0\r\n\r\n'
		good_reply='value 42' pick=worker
		trigger='--trigger-response ^HTTP/1.0.504' kind=transient ;;
	pf_not_found)
		server=suite_prefork args="0 $D" input=socket func=open_file
		req='GET /file/notes HTTP/1.0\r\n\r\n'
		good='GET /file/index HTTP/1.0\r\n\r\n' good_reply='welcome' pick=worker
		trigger='--trigger-response ^HTTP/1.0.404' kind=natural ;;
	ev_corrupt_config)
		server=suite_evloop args="0 $D 0" input=socket func=read_limit
		req='GET /limit HTTP/1.0\r\n\r\n' good='GET /limit HTTP/1.0\r\n\r\n'
		good_reply='limit 10'
		trigger='--trigger-response ^HTTP/1.0.500' kind=transient ;;
	ev_fd_limit)
		server=suite_evloop args="0 $D 0" input=socket func=open_page
		req='GET /page/about HTTP/1.0\r\n\r\n' good='GET /page/about HTTP/1.0\r\n\r\n'
		good_reply='about us'
		trigger='--trigger-response ^HTTP/1.0.503' kind=transient replayed=openat ;;
	ev_warming_up)
		server=suite_evloop args="0 $D $(delay)" input=socket func=warming_up
		req='GET /hello HTTP/1.0\r\n\r\n' good='GET /hello HTTP/1.0\r\n\r\n'
		good_reply='hello'
		trigger='--trigger-response ^HTTP/1.0.503' kind=transient ;;
	cli_permission)
		server=suite_cli args="$D 0" input=stdin func=open_file
		req='cat report\n' good='cat report\n' good_reply='quarterly numbers'
		trigger='--trigger-log Permission.denied' kind=transient replayed=openat ;;
	cli_stale_cache)
		server=suite_cli args="$D $(delay)" input=stdin func=get_price
		req='price\n' good='price\n' good_reply='price 2'
		trigger='--trigger-log ^price.1' kind=transient once=1 ;;
	cli_bad_number)
		server=suite_cli args="$D 0" input=stdin func=parse_number
		req='sum sales\n' good='sum costs\n' good_reply='sum 3'
		trigger='--trigger-log not.a.number' kind=natural ;;
	*)
		die "no failure named '$1' (see: scenario.sh list)" ;;
	esac
}

# the FILE.c:LINE of NAME's deciding if, from the source or the binary
truth_line() {
	for s in "${SUITE_SRC_DIR:-}" "$here/../targets" "$T"; do
		[ -n "$s" ] && [ -f "$s/$server.c" ] || continue
		line=$(grep -n "TRUTH($1)" "$s/$server.c" | head -n 1 | cut -d: -f1)
		[ -n "$line" ] || die "no TRUTH($1) in $s/$server.c"
		echo "$server.c:$line"
		return
	done
	line=$(grep -ao "suite-truth $1 [a-z_/]*\.c:[0-9]*" "$T/$server" 2>/dev/null |
		head -n 1 | sed 's/.* //; s,.*/,,')
	[ -n "$line" ] || die "no truth for $1 in $T/$server (and no sources)"
	echo "$line"
}

requests() {
	put request "$req"
	put good "$good"
}

do_info() {
	requests
	echo "server=$server"
	echo "args='$args'"
	echo "input=$input"
	echo "request=$D/request"
	echo "good=$D/good"
	echo "good_reply='$good_reply'"
	echo "trigger='$trigger'"
	echo "kind=$kind"
	echo "replayed=$replayed"
	echo "truth_func=$func"
	echo "truth_line=$(truth_line "$NAME")"
	echo "pick=$pick"
	echo "once=$once"
}

# production: the files first (both calls), then per scenario
do_prod() {
	requests
	delay >/dev/null
	if [ -n "$PID" ]; then
		echo "$PID" >"$D/server.pid"
		[ -f "$D/t0" ] || date +%s >"$D/t0"
	else
		rm -f "$D/server.pid" "$D/t0" "$D/nofile.old"
	fi
	case $NAME in
	kv_missing_config)
		put store/greeting 'hello'
		rm -f "$D/kv.conf" ;;
	kv_disk_full)
		put kv.conf 'maxlen=64\n'
		mkdir -p "$D/store"
		if ! store_mounted; then
			mount -t tmpfs -o size=16k,mode=0755 suite-kv "$D/store" ||
				die "kv_disk_full: cannot mount a tmpfs on $D/store (needs root)"
			# fill it up: dd stops at ENOSPC
			dd if=/dev/zero of="$D/store/fill" bs=1024 count=64 2>/dev/null
			! printf x 2>/dev/null >"$D/store/probe" ||
				die "kv_disk_full: $D/store is not full"
			rm -f "$D/store/probe"
		fi ;;
	kv_malformed)
		put kv.conf 'maxlen=64\n'
		put store/greeting 'hello' ;;
	pf_peer_refused)
		put files/index 'welcome\n'
		ensure_peer refuse ;;
	pf_peer_timeout)
		put files/index 'welcome\n'
		ensure_peer slow ;;
	pf_not_found)
		put files/index 'welcome\n'
		rm -f "$D/files/notes"
		ensure_peer ok ;;
	ev_corrupt_config)
		put pages/about 'about us\n'
		put ev.conf 'limit=ten\n' ;;
	ev_fd_limit)
		put pages/about 'about us\n'
		put ev.conf 'limit=10\n'
		if [ -n "$PID" ]; then
			# its lowest free descriptor, plus one: a connection
			# can still be accepted, then nothing more can be opened
			n=0
			while [ -L "/proc/$PID/fd/$n" ]; do
				n=$((n + 1))
			done
			[ -f "$D/nofile.old" ] ||
				"$T/suite_prlimit" "$PID" | cut -d' ' -f1 >"$D/nofile.old"
			"$T/suite_prlimit" "$PID" $((n + 1)) >/dev/null ||
				die "ev_fd_limit: cannot lower the limit of $PID"
		fi ;;
	ev_warming_up)
		put ev.conf 'limit=10\n' ;;
	cli_permission)
		put files/report 'quarterly numbers\n'
		chmod 000 "$D/files/report" ;;
	cli_stale_cache)
		# 1 when it starts and loads its cache, 2 right after
		if [ -n "$PID" ]; then
			put price '2\n'
		else
			put price '1\n'
		fi ;;
	cli_bad_number)
		put files/sales '10\n20\nabc\n'
		put files/costs '1\n2\n' ;;
	esac
}

do_shadow() {
	case $NAME in
	kv_missing_config)
		put kv.conf 'maxlen=64\n' ;;
	kv_disk_full)
		rm -f "$D/store/fill" ;;
	kv_malformed)
		put kv.conf 'maxlen=128\n'
		put store/motd 'welcome' ;;
	pf_peer_refused|pf_peer_timeout)
		ensure_peer ok ;;
	pf_not_found)
		put files/news 'all quiet\n' ;;
	ev_corrupt_config)
		put ev.conf 'limit=10\n' ;;
	ev_fd_limit)
		p=$(server_pid)
		alive "$p" || die "ev_fd_limit: no server to raise the limit of"
		"$T/suite_prlimit" "$p" "$(cat "$D/nofile.old" 2>/dev/null || echo 1024)" \
			>/dev/null || die "ev_fd_limit: cannot raise the limit of $p" ;;
	ev_warming_up|cli_stale_cache)
		wait_delay ;;
	cli_permission)
		chmod 644 "$D/files/report" ;;
	cli_bad_number)
		put files/extra '5\n' ;;
	esac
}

do_clean() {
	stop_peer
	p=$(server_pid)
	if [ "$NAME" = ev_fd_limit ] && [ -f "$D/nofile.old" ] && alive "$p"; then
		"$T/suite_prlimit" "$p" "$(cat "$D/nofile.old")" >/dev/null 2>&1
	fi
	if store_mounted; then
		umount "$D/store" || die "cannot unmount $D/store"
	fi
	rm -rf "$D/store" "$D/files" "$D/pages" "$D/kv.conf" "$D/ev.conf" \
		"$D/price" "$D/upstream" "$D/request" "$D/good" "$D/server.pid" \
		"$D/t0" "$D/delay_ms" "$D/nofile.old"
}

[ $# -ge 1 ] || usage
if [ "$1" = list ]; then
	for n in $NAMES; do
		echo "$n"
	done
	exit 0
fi
[ $# -ge 3 ] && [ $# -le 4 ] || usage
NAME=$1 STEP=$2 PID=${4:-}
case " $(echo $NAMES) " in
*" $NAME "*) ;;
*) die "no failure named '$NAME' (see: scenario.sh list)" ;;
esac
mkdir -p "$3" || die "cannot make $3"
D=$(cd "$3" && pwd -P) || die "cannot enter $3"
T=$(targets)
describe "$NAME"
case $STEP in
info) do_info ;;
prod) do_prod ;;
shadow) do_shadow ;;
clean) do_clean ;;
*) usage ;;
esac
