#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo-fmap: a fault-injection campaign on a real stack of Debian
# servers in the guest (Documentation/campaign.rst): the f-map printed as
# text, and out/demo-fmap/fmap.json and fmap.svg written on the host.
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-out}
dir=$O/demo-fmap
mkdir -p "$dir"
echo "== booting the guest with haproxy, nginx, fcgiwrap, redis; a campaign on them"
rc=0
tools/vm/run --timeout 3000 $(tools/stack-pkgs.sh) -- sh /insight/stack/demo.sh >"$dir/output" || rc=$?
# the text, without the files' base64
sed '/^@@file /,/^@@end$/d' "$dir/output"
for f in fmap.json fmap.svg; do
	sed -n "/^@@file $f\$/,/^@@end\$/p" "$dir/output" | sed '1d;$d' | tr -d '\r' |
		base64 -d >"$dir/$f" || { echo "demo-fmap: no $f from the guest" >&2; rc=1; }
done
[ "$rc" -ne 0 ] || echo "== the f-map: $dir/fmap.json, $dir/fmap.svg"
exit "$rc"
