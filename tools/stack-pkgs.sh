#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian packages of the campaign test stack (tests/stack), as
# tools/vm/run options: haproxy -> nginx -> fcgiwrap (redis-cli) -> redis,
# the client curl, graphviz for the f-map's SVG.  tools/deps.sh installs
# the same list on the host (mkimage copies them from there).
for p in $(sed -n 's/^#pkg //p' "$0"); do printf -- '--pkg %s ' "$p"; done
#pkg haproxy
#pkg nginx
#pkg nginx-common
#pkg redis-server
#pkg redis-tools
#pkg fcgiwrap
#pkg curl
#pkg graphviz
