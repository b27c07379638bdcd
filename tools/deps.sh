#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deps: install every build and test dependency, fetch the guest
# kernel and the kselftest headers.  Idempotent, and silent when all is
# present.
#
#   tools/deps.sh [packages|guest|ksft]...   (default: all three)
#
# Environment: O (output folder, default out), FLAVOUR (cloud-amd64 or
# amd64), KVER (override the resolved 6.1.0-NN-FLAVOUR release).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-out}
case "$O" in /*) ;; *) O="$top/$O" ;; esac
FLAVOUR=${FLAVOUR:-cloud-amd64}
export DEBIAN_FRONTEND=noninteractive

say() { echo "deps: $*" >&2; }
die() { echo "deps: $*" >&2; exit 1; }

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

PACKAGES=(gcc make clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
	libzstd-dev libcapstone-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libdw-dev libjson-c-dev liblzma-dev libbz2-dev
	qemu-system-x86 qemu-utils qemu-guest-agent busybox-static cpio lz4 xz-utils kmod sparse jq python3-docutils
	manpages-dev man-db groff-base mmdebstrap
	$(sed -n 's/^#pkg //p' "$top/tools/stack-pkgs.sh" "$top/tools/realworld-pkgs.sh"))

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	say "apt-get update"
	$SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
	apt_updated=1
}

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

apt_install() {
	local miss
	miss=$(missing_pkgs "$@")
	[ -z "$miss" ] && return 0
	apt_update
	say "installing:" $miss
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $miss >/dev/null ||
		die "apt-get install failed for:" $miss
}

resolve_kver() {
	if [ -z "${KVER:-}" ]; then
		KVER=$("$top/tools/kver.sh" "$FLAVOUR" 2>/dev/null) || true
		if [ -z "$KVER" ] || ! apt-cache show "linux-headers-$KVER" >/dev/null 2>&1; then
			apt_update
			KVER=$("$top/tools/kver.sh" "$FLAVOUR")
		fi
	fi
}

do_packages() {
	apt_install "${PACKAGES[@]}"
	resolve_kver
	apt_install "linux-headers-$KVER"
}

# The guest kernel: downloaded and unpacked, never installed.  Its ELF
# vmlinux is extracted so qemu boots it through the PVH entry.
do_guest() {
	resolve_kver
	local g="$O/guest/$KVER"
	if [ ! -s "$g/vmlinux" ]; then
		local tmp
		apt_install lz4 xz-utils
		mkdir -p "$g"
		tmp=$(mktemp -d "$O/guest/.dl.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		say "fetching guest kernel linux-image-$KVER"
		(cd "$tmp" && apt-get download -qq "linux-image-$KVER" >/dev/null 2>&1) || {
			apt_update
			(cd "$tmp" && apt-get download -qq "linux-image-$KVER" >/dev/null) ||
				die "cannot download linux-image-$KVER"
		}
		dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
		cp "$tmp/root/boot/config-$KVER" "$g/config"
		cp "$tmp/root/boot/System.map-$KVER" "$g/System.map"
		rm -rf "$g/lib"
		mkdir -p "$g/lib"
		mv "$tmp/root/lib/modules" "$g/lib/modules"
		"$top/tools/vm/extract-vmlinux" "$tmp/root/boot/vmlinuz-$KVER" "$g/vmlinux.tmp"
		mv "$g/vmlinux.tmp" "$g/vmlinux"
		rm -rf "$tmp"
		trap - EXIT
	fi
	ln -sfn "$KVER" "$O/guest/current"
}

# kselftest_harness.h and kselftest.h live only in the kernel source
# tarball: extract those two files into the output folder.
do_ksft() {
	local k="$O/ksft"
	[ -s "$k/kselftest_harness.h" ] && [ -s "$k/kselftest.h" ] && return 0
	local tmp
	apt_install xz-utils
	mkdir -p "$k"
	tmp=$(mktemp -d "$O/.ksft.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	say "fetching linux-source-6.1 for the kselftest harness"
	(cd "$tmp" && apt-get download -qq linux-source-6.1 >/dev/null 2>&1) || {
		apt_update
		(cd "$tmp" && apt-get download -qq linux-source-6.1 >/dev/null) ||
			die "cannot download linux-source-6.1"
	}
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.1_*.deb |
		tar -xO --wildcards './usr/src/linux-source-6.1.tar.xz' |
		tar -xJ -C "$tmp" --wildcards \
			'linux-source-6.1/tools/testing/selftests/kselftest_harness.h' \
			'linux-source-6.1/tools/testing/selftests/kselftest.h'
	cp "$tmp"/linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		"$tmp"/linux-source-6.1/tools/testing/selftests/kselftest.h "$k/"
	rm -rf "$tmp"
	trap - EXIT
}

# what only make bench uses
do_bench() {
	apt_install lighttpd wrk strace
}

mkdir -p "$O/guest"
[ $# -gt 0 ] || set -- packages guest ksft
for what in "$@"; do
	case "$what" in
	packages) do_packages ;;
	guest) do_guest ;;
	ksft) do_ksft ;;
	bench) do_bench ;;
	*) die "unknown part '$what' (packages, guest, ksft, bench)" ;;
	esac
done
