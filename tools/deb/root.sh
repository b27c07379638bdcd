#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The clean Debian bookworm guest that the packages are tested in
# (tests/deb/deb_test.sh): a root made by mmdebstrap from Debian's
# archive, as an initramfs that tools/vm/run boots with the guest kernel.
#
#   tools/deb/root.sh KVER OUT.cpio.gz EXTRA-DIR
#
# The root has what a Debian 6.1 server that is to build modules with
# DKMS has: dkms (and its compiler, make, kmod), the headers of the
# running kernel KVER, man-db and bash-completion; no Insight.  Of the
# kernel's own package it has the module tree's indexes (modules.order,
# modules.builtin*), not the modules.  Its /init is tools/vm/init, with
# a static busybox for what minbase lacks (mount, ip, poweroff).
# EXTRA-DIR gets the headers package of KVER's other flavour, the "new
# kernel" of the upgrade test.
set -Eeuo pipefail
trap 'echo "deb-root: failed (line $LINENO: $BASH_COMMAND)" >&2' ERR

top=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-out}
case "$O" in /*) ;; *) O="$top/$O" ;; esac
[ $# -eq 3 ] || { echo "usage: tools/deb/root.sh KVER OUT.cpio.gz EXTRA-DIR" >&2; exit 2; }
kver=$1 out=$2 extra=$3
mirror=http://deb.debian.org/debian
case "$kver" in
*-cloud-amd64) other=${kver%-cloud-amd64}-amd64 ;;
*-amd64) other=${kver%-amd64}-cloud-amd64 ;;
*) echo "deb-root: $kver is not a Debian amd64 kernel release" >&2; exit 2 ;;
esac
[ -d "$O/guest/$kver/lib/modules/$kver" ] ||
	{ echo "deb-root: no guest kernel $kver in $O/guest (run: make deps)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/insight-deb-root.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

echo "  MMDEBSTRAP bookworm (dkms, linux-headers-$kver)" >&2
mmdebstrap --quiet --variant=apt --aptopt='APT::Install-Recommends "false"' \
	--include="dkms,linux-headers-$kver,kmod,man-db,bash-completion" \
	bookworm "$root" "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
	"deb $mirror-security bookworm-security main" >"$work/mmdebstrap.log" 2>&1 ||
	{ tail -n 20 "$work/mmdebstrap.log" >&2; echo "deb-root: mmdebstrap failed" >&2; exit 1; }

m=$O/guest/$kver/lib/modules/$kver
mkdir -p "$root/lib/modules/$kver"
cp "$m"/modules.order "$m"/modules.builtin "$m"/modules.builtin.modinfo "$root/lib/modules/$kver/"
install -m 0755 /bin/busybox "$root/usr/bin/busybox"
install -m 0755 "$top/tools/vm/init" "$root/init"

mkdir -p "$extra"
rm -f "$extra"/*.deb
(cd "$extra" && apt-get download -qq -o APT::Sandbox::User=root "linux-headers-$other" >/dev/null) ||
	{ echo "deb-root: cannot download linux-headers-$other" >&2; exit 1; }

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
