#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A production VM's job (make demo, tests/host/shadow_explore_test):
# Debian's nginx, as it ships, serves $D/www on 0.0.0.0:$PORT; its page
# report.html has mode 000, so a request for it fails with 403 Forbidden;
# `insight record` watches nginx and writes the failure record
# $D/failure.json when a 403 goes out.  Production has no insight.ko: the
# recorder is eBPF; the shadow loads the module to explore.  Says
# "production: ready" when recording, then keeps serving until stopped.
set -e
here=$(cd "$(dirname "$0")" && pwd)
master=
D=/tmp/demo
# shellcheck disable=SC2034 # servers.sh reads it
SRV_ADDR=0.0.0.0
rm -rf $D
mkdir -p $D
# shellcheck source=tests/realworld/servers.sh
. "$here/servers.sh"
srv_start nginx || { cat $D/start.err; exit 1; }
echo numbers >$D/www/report.html
chmod 000 $D/www/report.html
echo "production: nginx $(srv_version) on port $PORT, master $master, worker $(srv_worker);" \
	"report.html has mode 000"
insight record --pid "$master" -o $D/failure.json --trigger-response '^HTTP/1\.[01] 403' \
	2>$D/record.err &
rec=$!
while ! grep -q recording $D/record.err; do sleep 0.1; done
echo "production: ready: insight record --pid $master -o $D/failure.json" \
	"--trigger-response '^HTTP/1\.[01] 403'"
wait $rec || true
echo "production: $(tail -n 1 $D/record.err)"
while :; do sleep 1; done
