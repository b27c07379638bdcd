#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo-fmap, in the guest: a campaign on the real stack (haproxy ->
# nginx -> fcgiwrap + CGI -> redis) over its crashes, slow peers and the
# commonest environment errnos, pairs of handled faults, the comparison
# with the configured graph; the f-map's JSON and SVG go to the host
# between markers (tools/demo-fmap.sh takes them out).
set -e
dot -c
only='/(crash|slow|ECONNREFUSED|ECONNRESET|EIO|ENOSPC|EMFILE|ENOMEM|EINTR)$'
rc=0
/insight/bin/insight campaign --out /tmp/demo --only "$only" --pairs --max-pairs 10 \
	--expected /insight/stack/expected /insight/stack/stack.json || rc=$?
for f in fmap.json fmap.svg; do
	echo "@@file $f"
	base64 /tmp/demo/$f
	echo "@@end"
done
exit $rc
