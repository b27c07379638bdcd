#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real Debian servers as they ship (tests/realworld/FAILURES.md), end to
# end inside the guest, as root.  For each failure and backend, on a
# server of its own (serving a request moves a server's caches on, so
# each exploration needs a fresh production): start the server from its
# package, make the request fail in production conditions, record it with
# `insight record`, move the environment on (the shadow), explore the
# server's process with `insight explore`, and check the report: the
# failure reproduced, production's failed call replayed, the top suspect
# the ground-truth branch of the Debian binary (its function and offset),
# and the server still serving.  Prints TAP.
#
#   run.sh [--backends "kmod ptrace"] [NAME...]
#
# The ground truths are those of the binaries named in FAILURES.md (by
# sha256): another build gives a failed result saying so.
here=$(cd "$(dirname "$0")" && pwd)
insight=${INSIGHT_CLI:-/insight/bin/insight}
master=
# shellcheck source=tests/realworld/servers.sh
. "$here/servers.sh"
backends="kmod ptrace"
if [ "$1" = "--backends" ]; then
	backends=$2
	shift 2
fi

# NAME: the failure, in variables (see FAILURES.md); replayed empty: a
# natural failure (the shadow fails as production did: nothing replayed,
# the top suspect no deviation)
describe() {
	skip_ptrace=
	trigger=
	case $1 in
	nginx_forbidden)
		server=nginx url=/report.html status=403
		prod='echo numbers >"$D/www/report.html"; chmod 000 "$D/www/report.html"'
		shadow='chmod 644 "$D/www/report.html"'
		replayed='openat -13' ;;
	nginx_not_found)
		server=nginx url=/news.html status=404
		prod='rm -f "$D/www/news.html"'
		shadow='echo today >"$D/www/news.html"'
		replayed='openat -2' ;;
	lighttpd_forbidden)
		server=lighttpd url=/report.html status=403
		prod='echo numbers >"$D/www/report.html"; chmod 000 "$D/www/report.html"'
		shadow='chmod 644 "$D/www/report.html"'
		replayed='openat -13' ;;
	lighttpd_not_found)
		server=lighttpd url=/news.html status=404
		prod='rm -f "$D/www/news.html"'
		shadow='echo today >"$D/www/news.html"'
		replayed='newfstatat -2'
		;;
	haproxy_unavailable)
		server=haproxy url=/ status=503
		prod=:
		shadow=srv_backend_up
		replayed='connect -111' ;;
	memcached_too_large)
		server=memcached url=too_large status='SERVER_ERROR object too large for cache'
		trigger='^SERVER_ERROR'
		prod=: shadow=: replayed=
		skip_ptrace="its flipped copies do not finish within the timeout: no suspect (FAILURES.md)" ;;
	*) return 1 ;;
	esac
	# the deciding branch of the Debian binary (FAILURES.md)
	case $1 in
	nginx_*) sha=3bac05767a0ab0a1 truth='fn_44400 81' ;;
	lighttpd_forbidden) sha=a161f0ac794fe9f6 truth='stat_cache_open_rdonly_fstat 23' ;;
	# one check, -1 == stat(name), that gcc made three copies of, by the
	# state of the stat cache's tree (FAILURES.md): any of them
	lighttpd_not_found) sha=a161f0ac794fe9f6
		truth='stat_cache_get_entry 789|stat_cache_get_entry 229|stat_cache_get_entry 608' ;;
	haproxy_*) sha=3d987bacb5bf0d9e truth='tcp_connect_server 1573' ;;
	memcached_*) sha=e977bec994bce78f truth='fn_21a80 538' ;;
	esac
	[ -n "$trigger" ] || trigger="^HTTP/1\\.[01] $status"
}

list() {
	echo nginx_forbidden nginx_not_found lighttpd_forbidden lighttpd_not_found \
		haproxy_unavailable memcached_too_large
}

names=${*:-$(list)}
# shellcheck disable=SC2086
set -- $names
total=$#
# shellcheck disable=SC2086
set -- $backends
echo "TAP version 13"
echo "1..$((total * $#))"
i=0

result() {	# result NAME WHY [SKIP]: ok when WHY is empty
	i=$((i + 1))
	if [ -n "$3" ]; then
		echo "ok $i $1 # SKIP $(echo "$3" | tr -s '\t\n' '  ')"
	elif [ -z "$2" ]; then
		echo "ok $i $1"
	else
		echo "# $1: $2"
		# the explorer's steps (--verbose), but for each candidate's
		[ -s "$D/explore.err" ] && grep -v '^explore:   at' "$D/explore.err" |
			head -n 20 | cut -c1-200 | sed 's/^/#   /'
		[ -s "$D/rec.json" ] && jq -c '{outputs: [.outputs[] | {syscall, fd_kind, len}],
			env: [.environment[] | {syscall, path, errno}]}' "$D/rec.json" | sed 's/^/#   /'
		echo "not ok $i $1"
	fi
}

# the HTTP status of $1 from the server; memcached's answer to request $1
ask() {
	case $server in
	memcached) srv_ask "$1" ;;
	*) curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1" ;;
	esac
}

# whether the server still serves a good request (a web server: the URL)
serves() {
	case $server in
	memcached) srv_answers ;;
	*) [ "$(ask "$url")" = 200 ] ;;
	esac
}

# production: the server fails the request, insight record catches it
production() {
	srv_start "$server" || { why="$server did not start: $(tail -n 3 "$D/start.err")"; return 1; }
	eval "$prod"
	"$insight" record --pid "$master" -o "$D/rec.json" \
		--trigger-response "$trigger" 2>"$D/record.err" &
	rec=$!
	t=0
	until grep -q recording "$D/record.err" 2>/dev/null || [ $t -gt 100 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	got=$(ask "$url")
	t=0
	while kill -0 $rec 2>/dev/null && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
	kill $rec 2>/dev/null
	wait $rec 2>/dev/null
	[ "$got" = "$status" ] || { why="production answered $got, not $status"; return 1; }
	[ -s "$D/rec.json" ] || { why="no failure record: $(cat "$D/record.err")"; return 1; }
}

# whether "FUNC OFFSET" $1 is the truth, or one of its |-separated copies
is_truth() {
	case "|$truth|" in
	*"|$1|"*) return 0 ;;
	*) return 1 ;;
	esac
}

# what the report says against the failure's truth: empty when all holds
check() {
	j=$D/report.json
	if [ "$(jq -r .status "$j" 2>/dev/null)" != reproduced ]; then
		echo "not reproduced: $(jq -c '{status,outputs_matched,outputs_expected}' "$j" 2>/dev/null)"
	elif [ "$(jq -r '.replayed[0] // empty | "\(.syscall) \(.ret)"' "$j")" != "$replayed" ]; then
		echo "replayed $(jq -c .replayed "$j"), not ${replayed:-nothing}"
	elif ! is_truth "$(jq -r '.suspects[0] | "\(.func) \(.offset)"' "$j")"; then
		echo "top suspect $(jq -c '.suspects[0] | {func,offset,condition}' "$j"), not $truth"
	elif [ "$(jq -r '.suspects[0].deviated' "$j")" != "$([ -n "$replayed" ] && echo true || echo false)" ]; then
		echo "the top suspect is $([ -n "$replayed" ] && echo no deviation || echo a deviation)"
	fi
}

for name in $names; do
	for b in $backends; do
		D=/tmp/realworld/$name.$b
		rm -rf "$D"
		mkdir -p "$D"
		why=
		describe "$name" || why="no such failure"
		if [ "$b" = ptrace ] && [ -n "$skip_ptrace" ]; then
			result "$name.$b" "" "$skip_ptrace"
			continue
		fi
		bin=$(command -v "$server")
		if [ -z "$why" ] && [ "$(sha256sum "$bin" | cut -c1-16)" != "$sha" ]; then
			why="$bin is not the build the ground truth was taken from (sha256 $sha...)"
		fi
		[ -n "$why" ] || production
		if [ -z "$why" ]; then
			eval "$shadow"
			"$insight" explore --in-place --pid "$(srv_worker)" --record "$D/rec.json" --backend "$b" \
				--json --verbose --timeout 120 >"$D/report.json" 2>"$D/explore.err"
			why=$(check)
		fi
		if [ -z "$why" ] && ! serves; then
			why="the server did not serve a good request after exploring"
		fi
		srv_stop
		result "$name.$b" "$why"
	done
done
