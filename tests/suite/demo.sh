#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo (make demo), inside the guest: a key-value server fails a
# request because its config file is missing; the failure is recorded in
# production with `insight record`; the file is then restored (the
# environment moves on, so the request no longer fails), and `insight
# explore` finds the failure path in the shadow and names the cause.
set -e
T=/insight/tests/targets
dir=/tmp/demo
mkdir -p $dir
eval "$(/insight/suite/scenario.sh kv_missing_config info $dir)"
/insight/suite/scenario.sh kv_missing_config prod $dir >/dev/null
# shellcheck disable=SC2086
$T/$server $args >$dir/srv.out 2>$dir/srv.err &
srv=$!
while ! grep -q '^port ' $dir/srv.out; do sleep 0.1; done
port=$(sed -n 's/^port //p' $dir/srv.out)
echo "== production: $server (pid $srv) listens on port $port; its config is missing"
echo "\$ insight record --pid $srv -o $dir/failure.json $trigger &"
# shellcheck disable=SC2086
insight record --pid $srv -o $dir/failure.json $trigger 2>$dir/record.err &
rec=$!
while ! grep -q recording $dir/record.err; do sleep 0.1; done
echo "\$ the failing request: $(cat "$request" | head -1)"
nc 127.0.0.1 "$port" <"$request"
wait $rec || true
cat $dir/record.err
/insight/suite/scenario.sh kv_missing_config shadow $dir "$srv" >/dev/null
echo
echo "== shadow: the config is back; the same request now succeeds:"
nc 127.0.0.1 "$port" <"$request"
echo
echo "\$ insight explore --pid $srv --record $dir/failure.json"
insight explore --pid $srv --record $dir/failure.json
echo
echo "== after exploring, the server still answers:"
nc 127.0.0.1 "$port" <"$good"
kill $srv
/insight/suite/scenario.sh kv_missing_config clean $dir "$srv" >/dev/null
