#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian packages of the real-server tests (tests/realworld) that the
# campaign stack (tools/stack-pkgs.sh: nginx, curl...) does not bring, as
# tools/vm/run options.  tools/deps.sh installs the same list on the host
# (mkimage copies them from there).
for p in $(sed -n 's/^#pkg //p' "$0"); do printf -- '--pkg %s ' "$p"; done
#pkg lighttpd
#pkg memcached
