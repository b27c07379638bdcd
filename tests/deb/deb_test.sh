#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages in a clean bookworm guest (tools/deb/root.sh), as an
# admin uses them: apt install of the two .deb files, insight.ko built by
# DKMS for the running kernel and loaded, insight version with both ABIs,
# the manual pages and the completion, a new kernel's headers getting the
# module built for it, and apt purge leaving nothing behind.  TAP output.
#
#   deb_test.sh DEB-DIR EXTRA-DIR   (the packages; the new kernel's headers)
set -uo pipefail
self=$(realpath "$0")
export DEBIAN_FRONTEND=noninteractive MANPAGER=cat PAGER=cat MANWIDTH=80
n=0 failed=0
out=/insight/deb-out
before=/insight/deb-before
# the file system an install may change, and what of it is only state:
# apt's and dpkg's books, logs, man-db's index, depmod's indexes, and
# the key DKMS makes at its first build to sign modules with
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /insight -o -path /var/log -o -path /var/cache -o -path /var/lib/dpkg \
		-o -path /var/lib/apt -o -path '/usr/lib/modules/*/modules.*' -o -path '/var/lib/dkms/mok.*' \) -prune -o -print |
		LC_ALL=C sort
}

# t NAME STEP [ARG]...: one TAP result, STEP (a function below) run by
# this script in a process of its own, within $limit seconds; a failure
# shows the end of its output, the whole of which stays in $out.NAME
limit=600
t() {
	local name=$1 start=$SECONDS rc=0
	shift
	n=$((n + 1))
	timeout -k 5 "$limit" bash "$self" --step "$@" >"$out.$name" 2>&1 || rc=$?
	echo "# $name: $((SECONDS - start)) s"
	if [ "$rc" -eq 0 ]; then
		echo "ok $n deb.$name"
	else
		echo "not ok $n deb.$name"
		[ "$rc" -eq 124 ] && echo "#   timed out after $limit s"
		sed 's/^/#   /' "$out.$name" | tail -n 40
		failed=$((failed + 1))
	fi
}

install_both() {
	apt-get install -y "$(echo "$1"/insight-dkms_*_all.deb)" "$(echo "$1"/insight_*.deb)" ||
		return 1
	dpkg-query -W -f='${Status}\n' insight insight-dkms | grep -c '^install ok installed$' |
		grep -qx 2
}

built_for() {
	local k=$1 ko=/lib/modules/$1/updates/dkms/insight.ko
	dkms status -m insight -k "$k" | tee /dev/stderr | grep -q ", $k, x86_64: installed" &&
		[ -s "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$k "
}

loads_and_answers() {
	local abi v
	modprobe insight || return 1
	grep -q '^insight ' /proc/modules || return 1
	v=$(insight version) || return 1
	echo "$v"
	abi=$(echo "$v" | sed -n 's/^insight CLI: ABI \([0-9]*\)$/\1/p')
	[ -n "$abi" ] && echo "$v" | grep -q "^insight.ko: ABI $abi (serves clients from ABI [0-9]*)$"
}

man_pages() {
	local p
	man -w insight-explore insight.ko insight || return 1
	man insight-explore | grep -q 'INSIGHT-EXPLORE(8)' || return 1
	for p in $(dpkg -L insight | grep '/man/man./'); do
		[ -f "$p" ] || continue
		echo "$p"
		# every page renders without a warning
		[ -z "$(man --warnings -l "$p" 2>&1 >/dev/null)" ] || { man --warnings -l "$p" >/dev/null; return 1; }
	done
}

completion() {
	# _completion_loader returns 124 ("try again") when it loaded one
	bash -c '. /usr/share/bash-completion/bash_completion &&
		{ _completion_loader insight; complete -p insight; } &&
		COMP_WORDS=(insight exp) COMP_CWORD=1 && COMP_LINE="insight exp" && COMP_POINT=11 &&
		$(complete -p insight | sed -n "s/.*-F \([^ ]*\) .*/\1/p") insight exp insight &&
		printf "%s\n" "${COMPREPLY[@]}" | grep -qx explore'
}

new_kernel() {
	local h k
	h=$(echo "$1"/linux-headers-*.deb)
	k=$(dpkg-deb -f "$h" Package)
	k=${k#linux-headers-}
	dpkg -i "$h" || return 1
	built_for "$k"
}

# the files of package @1, as find names them: /bin, /sbin and /lib* are
# links into /usr (merged /usr); one sed, as a process per file is
# minutes under TCG for a headers package's 6500 files
owned() {
	dpkg -L "$1" | sed -e '/^\/\.$/d' \
		-e 's,^/\(bin\|sbin\|lib\|lib32\|lib64\|libx32\)\(/\|$\),/usr/\1\2,'
}

purge_leaves_nothing() {
	echo "rmmod insight"
	rmmod insight || return 1
	echo "apt-get purge"
	apt-get purge -y insight insight-dkms || return 1
	dpkg-query -W insight insight-dkms 2>/dev/null | grep . && return 1
	echo "snapshot"
	snapshot >"$out.after"
	diff "$before" "$out.after"
}

if [ "${1:-}" = --step ]; then
	shift
	"$@"
	exit
fi
debs=$1 extra=$2
kernel=$(uname -r)
echo "1..7"
snapshot >"$before"
t the_packages_install_with_apt install_both "$debs"
t dkms_built_and_installed_insight_ko_for_the_running_kernel built_for "$kernel"
t modprobe_loads_it_and_insight_version_shows_both_abis loads_and_answers
t man_finds_and_renders_every_manual_page man_pages
t the_bash_completion_loads_and_completes_subcommands completion
t a_new_kernels_headers_get_insight_ko_built_for_it new_kernel "$extra"
# the new kernel's headers stay: what they brought joins the snapshot
owned "$(dpkg-deb -f "$(echo "$extra"/linux-headers-*.deb)" Package)" >>"$before"
LC_ALL=C sort -u -o "$before" "$before"
t apt_purge_leaves_nothing_behind purge_leaves_nothing
[ "$failed" -eq 0 ]
