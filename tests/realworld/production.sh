#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# production.sh [nginx | haproxy PEER_PORT]: a production VM's job (make
# demo, tests/host/demo_test), serving 0.0.0.0:$PORT with Debian's server
# as it ships:
#   nginx    serves $D/www; its page report.html has mode 000, so a
#            request for it fails with 403 Forbidden
#   haproxy  proxies to its one backend, a peer on the VM's host
#            (10.0.2.2:PEER_PORT on qemu's user network) that is down, so
#            a request fails with 503 Service Unavailable; it answers
#            GET /health itself; beside it, nginx serves $D/www on port 8090
# `insight record` watches the server and writes the failure record
# $D/failure.json when the failure's answer goes out.  Production has no
# insight.ko: the recorder is eBPF; the shadow loads the module to
# explore.  Says "production: ready" when recording, then keeps serving
# until stopped.
set -e
here=$(cd "$(dirname "$0")" && pwd)
master=
D=/tmp/demo
server=${1:-nginx}
# shellcheck disable=SC2034 # servers.sh reads them
SRV_ADDR=0.0.0.0 BACKEND_ADDR=10.0.2.2 BACKEND_PORT=${2:-8092} SRV_HEALTH=1
rm -rf $D
mkdir -p $D
# shellcheck source=tests/realworld/servers.sh
. "$here/servers.sh"
srv_start "$server" || { cat $D/start.err; exit 1; }
case $server in
nginx)
	echo numbers >$D/www/report.html
	chmod 000 $D/www/report.html
	status=403 what="report.html has mode 000"
	;;
haproxy)
	# another service of production's, for a client to ask: nginx on 0.0.0.0:8090
	mkdir -p $D/web
	sed -e "s,listen $SRV_ADDR:$PORT,listen 0.0.0.0:8090," \
		-e "s,$D/nginx,$D/web,g; s,$D/log/,$D/web/,g" $D/nginx.conf >$D/web.conf
	nginx -c $D/web.conf
	status=503 what="its backend $BACKEND_ADDR:$BACKEND_PORT is down; nginx on port 8090"
	;;
esac
echo "production: $server $(srv_version) on port $PORT, master $master, worker $(srv_worker);" \
	"$what"
insight record --pid "$master" -o $D/failure.json --trigger-response "^HTTP/1\.[01] $status" \
	2>$D/record.err &
rec=$!
while ! grep -q recording $D/record.err; do sleep 0.1; done
echo "production: ready: insight record --pid $master -o $D/failure.json" \
	"--trigger-response '^HTTP/1\.[01] $status'"
wait $rec || true
echo "production: $(tail -n 1 $D/record.err)"
while :; do sleep 1; done
