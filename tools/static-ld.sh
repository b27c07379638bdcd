#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# static-ld.sh CC ARGS...: link a static program and drop glibc's notices
# that getaddrinfo/getprotoby*/dlopen "require at runtime the shared
# libraries".
# libnl-3.a carries those calls in objects the linker must pull in, but
# Insight never calls them (it only speaks netlink); likewise libdw.a's
# debuginfod client dlopen()s a library Insight never uses.  So the
# notices are noise; every other linker message is kept.
set -o pipefail
err=$("$@" 2>&1)
rc=$?
printf '%s\n' "$err" | awk '
	/in function `(nl_addr_info|nl_ip_proto2str|nl_str2ip_proto|__libdwfl_debuginfod_init)/ { held = $0; next }
	/warning: Using .(getaddrinfo|getprotobynumber|getprotobyname|dlopen). in statically linked/ { held = ""; next }
	{ if (held != "") print held; held = ""; if ($0 != "") print }
	END { if (held != "") print held }' >&2
exit $rc
