#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the two Debian packages, into $O/deb (Documentation/install.rst)
#   insight-dkms_VERSION_all.deb    insight.ko's sources under
#                                   /usr/src/insight-VERSION, built and
#                                   installed by DKMS for every kernel
#                                   whose headers are installed
#   insight_VERSION_ARCH.deb        the CLI, its manual pages, the bash
#                                   completion and the documentation
#
#   tools/deb/build.sh VERSION
# The CLI and the manual pages must be built (make does it); the trees
# come from make dkms-src and make install, so a package holds exactly
# what those install.
set -Eeuo pipefail
trap 'echo "deb: failed (line $LINENO: $BASH_COMMAND)" >&2' ERR

top=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-out}
case "$O" in /*) ;; *) O="$top/$O" ;; esac
[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: tools/deb/build.sh VERSION" >&2; exit 2; }
version=$1
arch=$(dpkg --print-architecture)
maint="Insight developers <insight-devel@lists.invalid>"
here=$top/tools/deb

stage=$(mktemp -d "${TMPDIR:-/tmp}/insight-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$O/deb"

# @1 package, @2 its tree: the copyright file, the maintainer scripts
# from tools/deb/@1.* with the version in them, and the control file
# from stdin with Installed-Size added
control() {
	local pkg=$1 root=$2 s
	install -D -m 0644 "$here/copyright" "$root/usr/share/doc/$pkg/copyright"
	mkdir -p "$root/DEBIAN"
	for s in postinst prerm postrm; do
		[ -f "$here/$pkg.$s" ] || continue
		sed "s/@VERSION@/$version/g" "$here/$pkg.$s" >"$root/DEBIAN/$s"
		chmod 0755 "$root/DEBIAN/$s"
	done
	{
		cat
		echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
	} >"$root/DEBIAN/control"
}

build() {
	local root=$1 deb=$2
	dpkg-deb --root-owner-group -Zxz --build "$root" "$O/deb/$deb.tmp" >/dev/null
	mv "$O/deb/$deb.tmp" "$O/deb/$deb"
	echo "  DEB      ${O#"$top"/}/deb/$deb"
}

# insight-dkms: the sources DKMS builds from
dk=$stage/insight-dkms
make -s -C "$top" dkms-src DESTDIR="$dk" O="$O"
control insight-dkms "$dk" <<END
Package: insight-dkms
Version: $version
Architecture: all
Maintainer: $maint
Section: kernel
Priority: optional
Depends: dkms (>= 2.8)
Recommends: insight (= $version)
Description: Insight failure-path inference: kernel module (DKMS)
 insight.ko traps a server's conditional jumps, forks probe processes in
 the kernel at them and runs each probe in a syscall sandbox, so that
 the path of a failed request can be explored in a shadow of the server.
 .
 This package holds the module's sources; DKMS builds and installs it
 for every installed kernel with headers (Debian 6.1 kernels on x86-64),
 and again when a new kernel's headers are installed.
END
build "$dk" "insight-dkms_${version}_all.deb"

# Built-Using: the source packages of what the static CLI links in
built_using() {
	dpkg-query -W -f='${source:Package} (= ${source:Version})\n' \
		libc6-dev libbpf-dev libelf-dev libdw-dev zlib1g-dev libzstd-dev \
		liblzma-dev libbz2-dev libcapstone-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev \
		libjson-c-dev | sort -u | paste -sd, | sed 's/,/, /g'
}

# insight: what make install puts in /usr, but the module, with the
# manual pages compressed as Debian's are
cli=$stage/insight
make -s -C "$top" install DESTDIR="$cli" PREFIX=/usr O="$O"
rm -rf "$cli/lib/modules"
rmdir "$cli/lib" 2>/dev/null || true
gzip -9n "$cli"/usr/share/man/man*/*
control insight "$cli" <<END
Package: insight
Version: $version
Architecture: $arch
Maintainer: $maint
Section: admin
Priority: optional
Built-Using: $(built_using)
Recommends: insight-dkms (= $version), linux-headers-amd64 | linux-headers-cloud-amd64
Suggests: qemu-system-x86, qemu-utils
Description: Insight failure-path inference: the insight command
 insight records a server's requests with eBPF, marks the ones that
 failed, explores the failure path of a failed request with insight.ko
 (forking probes at its branches) and reports the path, the environment
 differences that explain it and the outputs it matched.  It also runs
 fault-injection campaigns that build a failure-propagation map.  On a
 VM host, insight shadow clones a running qemu VM into a shadow VM (QMP;
 qemu-img for its disk overlays).
 .
 The command is statically linked (libbpf, libnl, capstone, json-c and
 elfutils are built in).
END
build "$cli" "insight_${version}_${arch}.deb"
