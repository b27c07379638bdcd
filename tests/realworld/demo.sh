#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo (make demo), inside the guest: Debian's nginx, as it ships,
# answers 403 Forbidden for a page whose file has mode 000; the failure
# is recorded in production with `insight record`; the file's mode is then
# fixed (the environment moves on, so the request no longer fails), and
# `insight explore` finds the failure path in the shadow and names the
# cause: the branch of nginx's binary testing open()'s result, with the
# error production got.
set -e
here=$(cd "$(dirname "$0")" && pwd)
master=
D=/tmp/demo
rm -rf $D
mkdir -p $D
# shellcheck source=tests/realworld/servers.sh
. "$here/servers.sh"
srv_start nginx || { cat $D/start.err; exit 1; }
echo numbers >$D/www/report.html
chmod 000 $D/www/report.html
url=http://127.0.0.1:$PORT/report.html
echo "== production: nginx $(nginx -v 2>&1 | sed 's,.*/,,') (master $master, worker $(srv_worker))" \
	"serves $D/www; report.html has mode 000"
echo "\$ insight record --pid $master -o $D/failure.json --trigger-response '^HTTP/1\.[01] 403' &"
insight record --pid "$master" -o $D/failure.json --trigger-response '^HTTP/1\.[01] 403' \
	2>$D/record.err &
rec=$!
while ! grep -q recording $D/record.err; do sleep 0.1; done
echo "\$ curl $url"
curl -s -o /dev/null -w '(status %{http_code})\n' "$url"
wait $rec || true
cat $D/record.err
chmod 644 $D/www/report.html
echo
echo "== shadow: the file's mode is fixed; the same request now succeeds:"
curl -s -w '(status %{http_code})\n' "$url"
echo
echo "\$ insight explore --pid $(srv_worker) --record $D/failure.json"
insight explore --pid "$(srv_worker)" --record $D/failure.json
echo
echo "== after exploring, nginx still answers:"
curl -s -w '(status %{http_code})\n' "$url"
srv_stop
