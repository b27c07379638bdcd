#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the whole job on a real failure of a real server.
#   1. A production VM (qemu TCG, QMP, a qcow2 disk, qemu-guest-agent, a
#      NIC whose port 8091 the host reaches) runs Debian's nginx as it
#      ships (tests/realworld/production.sh): a page of mode 000 gets 403;
#      `insight record` (eBPF, no insight.ko) waits for a 403.
#   2. A client on the host asks production for its home page back to back
#      (tools/bench/httpload) all along.
#   3. `insight shadow --watch --explore` waits for the failure record,
#      clones the VM (production pauses tens of ms), loads insight.ko in
#      the shadow, explores the failed request there, prints the report and
#      destroys the shadow.
#   4. The client's figures: production kept answering; the longest pause.
#
# DEMO_OUT=DIR keeps what the demo saw there (shadow.out: insight
# shadow's output and the report; load: the client's figures; after:
# production's answer at the end; production.log) for tests/host/demo_test.
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-out}
case "$O" in /*) ;; *) O="$PWD/$O" ;; esac
insight=$O/insight
work=$(mktemp -d "${TMPDIR:-/tmp}/insight-demo.XXXXXX")
out=${DEMO_OUT:-$work/out}
mkdir -p "$out"
vm='' load='' shadow=''
cleanup() {
	[ -z "$load" ] || kill "$load" 2>/dev/null || true
	[ -z "$shadow" ] || kill "$shadow" 2>/dev/null || true
	[ ! -d "$work/shadow" ] || "$insight" shadow --destroy --dir "$work/shadow" || true
	if [ -n "$vm" ]; then
		kill "$vm" 2>/dev/null || true
		wait "$vm" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a free host port for production's web server
port=18091
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done

echo "== production: a qemu TCG VM (1 GiB, the Debian 6.1 kernel) serving Debian's nginx"
qemu-img create -q -f qcow2 "$work/data.qcow2" 64M
tools/vm/run --timeout 1200 --no-load --qmp "$work/qmp.sock" --disk "$work/data.qcow2" \
	--agent "$work/qga.sock" --forward "$port:8091" --pkg nginx --pkg nginx-common --pkg curl -- \
	sh /insight/realworld/production.sh >"$out/production.log" 2>&1 &
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
echo "== a client asks production for / back to back, all along (tools/bench/httpload)"
"$O/bench/httpload" "$port" / 3600 "$out/load" >/dev/null &
load=$!
sleep 3
cp "$out/load" "$out/first3s"
echo "  $(awk '{ printf "%d answers in the first 3 s, longest gap %.0f ms", $1, $3 }' "$out/first3s")"

echo
echo "\$ insight shadow --qmp qmp.sock --dir shadow --watch --explore /tmp/demo/failure.json \\"
echo "      --module /insight/insight.ko &"
read -r n0 _ <"$out/load"
t0=$(date +%s.%N)
"$insight" shadow --qmp "$work/qmp.sock" --dir "$work/shadow" --watch \
	--explore /tmp/demo/failure.json --module /insight/insight.ko \
	> >(tee "$out/shadow.out") 2>&1 &
shadow=$!
until grep -q waiting "$out/shadow.out" 2>/dev/null; do sleep 0.1; done

echo "\$ curl http://127.0.0.1:$port/report.html      # the failing request"
curl -s -o /dev/null -w '  (status %{http_code})\n' "http://127.0.0.1:$port/report.html"
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
echo "\$ curl http://127.0.0.1:$port/report.html      # production unchanged by the shadow"
curl -s -o /dev/null -w '  (status %{http_code})\n' "http://127.0.0.1:$port/report.html" |
	tee "$out/after"
