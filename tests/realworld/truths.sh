#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The ground truths of tests/realworld/FAILURES.md, checked by breakpoint
# (not part of make check): for each server, gdb attached to its serving
# process, a breakpoint on the deciding branch printing eax and eflags,
# then the failing requests and a good one asked for.  In the guest:
#
#   tools/vm/run --pkg nginx --pkg nginx-common --pkg lighttpd --pkg curl \
#       --pkg gdb --pkg libpython3.11-minimal --pkg libpython3.11-stdlib \
#       -- sh /insight/realworld/truths.sh
here=$(cd "$(dirname "$0")" && pwd)
master=
# shellcheck source=tests/realworld/servers.sh
. "$here/servers.sh"

check() {	# check SERVER OFFSET URL...: the last URL is a good one
	server=$1 off=$2
	shift 2
	D=/tmp/realworld-truths/$server
	rm -rf "$D"
	mkdir -p "$D"
	srv_start "$server" || { echo "$server did not start: $(cat "$D/start.err")"; return; }
	echo numbers >"$D/www/report.html"
	chmod 000 "$D/www/report.html"
	w=$(srv_worker)
	base=$(grep -m1 "$(command -v "$server")" "/proc/$w/maps" | cut -d- -f1)
	cat >"$D/gdb.cmd" <<G
set pagination off
break *(0x$base + $off)
commands
  silent
  printf "$server hit %#lx: eax=%d eflags=%#x\n", \$rip - 0x$base, \$eax, \$eflags
  continue
end
continue
G
	timeout 30 gdb -q -batch -p "$w" -x "$D/gdb.cmd" >"$D/gdb.out" 2>&1 &
	gdb=$!
	t=0
	until grep -q '^Breakpoint 1' "$D/gdb.out" 2>/dev/null || [ $t -gt 100 ]; do
		sleep 0.2
		t=$((t + 1))
	done
	sleep 3		# the breakpoint is inserted when gdb lets the process go on
	for u in "$@"; do
		echo "$server $u: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$u")"
		sleep 1
	done
	kill -INT "$gdb" 2>/dev/null
	wait "$gdb" 2>/dev/null
	grep " hit " "$D/gdb.out"
	srv_stop
}

nginx -v 2>&1
lighttpd -v | head -n 1
check nginx 0x44451 /report.html /news.html /index.html
check lighttpd 0x3c7d7 /report.html /index.html
check lighttpd 0x3c605 /news.html /index.html
