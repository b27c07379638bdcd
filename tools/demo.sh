#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the whole job on a real failure of a real server.
#   1. A production VM (qemu TCG, QMP, a qcow2 disk, qemu-guest-agent, a
#      NIC on qemu's user network whose port 8091 the host reaches) runs
#      Debian's haproxy as it ships (tests/realworld/production.sh): its
#      one backend, a peer on the host (10.0.2.2:PEER from the VM), is
#      down, so a request gets 503; `insight record` (eBPF, no insight.ko)
#      waits for a 503.
#   2. A client on the host asks production's other service, an nginx
#      beside haproxy, for / back to back (tools/bench/httpload) all along.
#   3. `insight shadow --watch --explore` waits for the failure record,
#      clones the VM (production pauses tens of ms); the peer comes back
#      (Debian's nginx, on the host); the shadow's network is behind the
#      gateway, the peer under `replay`: it answers as the record says
#      (refused), and nothing reaches it.  insight.ko is loaded in the
#      shadow, the failed request explored, the report printed, the shadow
#      destroyed.
#   4. The client's figures: production kept answering; the longest pause;
#      production's request now served by the peer; the peer saw nothing
#      from the shadow.
#
# DEMO_OUT=DIR keeps what the demo saw there (shadow.out: insight
# shadow's output and the report; load: the client's figures; after:
# production's answer at the end; network.log: what the shadow sent;
# peer.log: the requests the peer got; production.log) for
# tests/host/demo_test.
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-out}
case "$O" in /*) ;; *) O="$PWD/$O" ;; esac
insight=$O/insight
work=$(mktemp -d "${TMPDIR:-/tmp}/insight-demo.XXXXXX")
out=${DEMO_OUT:-$work/out}
mkdir -p "$out"
vm='' load='' shadow=''
peer_stop() {
	local t=0
	[ -s "$work/peer/nginx.pid" ] || return 0
	kill "$(cat "$work/peer/nginx.pid")" 2>/dev/null || true
	while [ -s "$work/peer/nginx.pid" ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
}
cleanup() {
	[ -z "$load" ] || kill "$load" 2>/dev/null || true
	[ -z "$shadow" ] || kill "$shadow" 2>/dev/null || true
	[ ! -d "$work/shadow" ] || "$insight" shadow --destroy --dir "$work/shadow" || true
	peer_stop
	if [ -n "$vm" ]; then
		kill "$vm" 2>/dev/null || true
		wait "$vm" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free host ports: production's web port, and the peer's
free_port() {
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}
port=$(free_port 18091)
web=$(free_port $((port + 1)))
peer=$(free_port $((web + 1)))

# the peer: Debian's nginx on the host, on 127.0.0.1:$peer (10.0.2.2 from the VM)
peer_start() {
	mkdir -p "$work/peer"
	cat >"$work/peer/nginx.conf" <<EOF
worker_processes 1;
error_log $work/peer/error.log;
pid $work/peer/nginx.pid;
events { worker_connections 64; }
http {
	access_log $out/peer.log;
	client_body_temp_path $work/peer/body;
	proxy_temp_path $work/peer/proxy;
	fastcgi_temp_path $work/peer/fastcgi;
	uwsgi_temp_path $work/peer/uwsgi;
	scgi_temp_path $work/peer/scgi;
	server { listen 127.0.0.1:$peer; location / { return 200 "served by the peer\n"; } }
}
EOF
	: >"$out/peer.log"
	nginx -c "$work/peer/nginx.conf"
}

echo "== production: a qemu TCG VM (1 GiB, 1 vCPU, the Debian 6.1 kernel) serving Debian's haproxy,"
echo "   whose backend, a peer on this host (10.0.2.2:$peer from the VM), is down"
qemu-img create -q -f qcow2 "$work/data.qcow2" 64M
tools/vm/run --timeout 1200 --no-load --smp 1 --qmp "$work/qmp.sock" --disk "$work/data.qcow2" \
	--agent "$work/qga.sock" --forward "$port:8091" --forward "$web:8090" --outbound \
	--pkg haproxy --pkg nginx --pkg nginx-common --pkg curl -- \
	sh /insight/realworld/production.sh haproxy "$peer" >"$out/production.log" 2>&1 &
vm=$!
t=0
until grep -q '^production: ready' "$out/production.log"; do
	if ! kill -0 "$vm" 2>/dev/null || [ $t -ge 3000 ]; then
		echo "demo: the production VM did not get ready:" >&2
		tail -n 20 "$out/production.log" >&2
		exit 1
	fi
	sleep 0.1
	t=$((t + 1))
done
sed -n 's/^production: /  /p' "$out/production.log"

echo
echo "== a client asks production's nginx (port 8090, beside haproxy) for / back to back, all along"
echo "   (tools/bench/httpload)"
"$O/bench/httpload" "$web" / 3600 "$out/load" >/dev/null &
load=$!
sleep 3
cp "$out/load" "$out/first3s"
echo "  $(awk '{ printf "%d answers in the first 3 s, longest gap %.0f ms", $1, $3 }' "$out/first3s")"

echo
echo "\$ insight shadow --qmp qmp.sock --dir shadow --watch --explore /tmp/demo/failure.json \\"
echo "      --module /insight/insight.ko --net-log network.log &"
read -r n0 _ <"$out/load"
t0=$(date +%s.%N)
"$insight" shadow --qmp "$work/qmp.sock" --dir "$work/shadow" --watch \
	--explore /tmp/demo/failure.json --module /insight/insight.ko --net-log "$out/network.log" \
	> >(tee "$out/shadow.out") 2>&1 &
shadow=$!
until grep -q waiting "$out/shadow.out" 2>/dev/null; do sleep 0.1; done

echo "\$ curl http://127.0.0.1:$port/      # the failing request"
curl -s -o /dev/null -w '  (status %{http_code})\n' "http://127.0.0.1:$port/"
until grep -q '^shadow: running' "$out/shadow.out" 2>/dev/null || ! kill -0 "$shadow" 2>/dev/null; do
	sleep 0.1
done
echo "== the peer is back (Debian's nginx on 127.0.0.1:$peer); the shadow's copy of it is replayed"
peer_start
rc=0
wait "$shadow" || rc=$?
shadow=
read -r n1 _ <"$out/load"
t1=$(date +%s.%N)
[ "$rc" = 0 ] || { echo "demo: insight shadow failed (status $rc)" >&2; exit 1; }

sleep 2
kill "$load" 2>/dev/null || true
wait "$load" 2>/dev/null || true
load=
echo
read -r n failed gap _ <"$out/load"
echo "== production kept answering: $n answers, $failed without an answer within 5 s," \
	"longest gap $gap ms"
awk -v n0="$n0" -v n1="$n1" -v t0="$t0" -v t1="$t1" '{
	printf "  %.0f answers a second while the shadow was taken and explored, %.0f before\n",
		(n1 - n0) / (t1 - t0), $1 / 3 }' "$out/first3s"
echo "\$ curl http://127.0.0.1:$port/      # production, its peer back"
curl -s -o /dev/null -w '  (status %{http_code})\n' "http://127.0.0.1:$port/" | tee "$out/after"
peer_stop
echo "== the shadow's network: $(grep -c " > 10.0.2.2:$peer replay syn " "$out/network.log" || true)" \
	"connection attempt(s) to the peer, refused by the gateway (replay);" \
	"the peer got $(wc -l <"$out/peer.log") request(s), all production's"
