#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the Debian 6.1 kernel ABI release (6.1.0-NN-FLAVOUR) that the
# linux-headers-FLAVOUR metapackage depends on, so nothing hard-codes NN.
# Falls back to the newest installed headers when apt has no lists.
flavour=${1:-cloud-amd64}
v=$(apt-cache depends "linux-headers-$flavour" 2>/dev/null |
	sed -n "s/^ *Depends: linux-headers-\(6\.1\.0-[0-9]*-$flavour\)\$/\1/p" |
	head -n 1)
if [ -z "$v" ]; then
	v=$(ls -d /usr/src/linux-headers-6.1.0-*-"$flavour" 2>/dev/null |
		sed 's,.*/linux-headers-,,' | sort -V | tail -n 1)
fi
if [ -z "$v" ]; then
	echo "kver: cannot resolve the Debian 6.1 $flavour kernel (run: make deps)" >&2
	exit 1
fi
echo "$v"
