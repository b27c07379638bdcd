#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/manpage.sh CLI CMD BODY.rst...: the reStructuredText of the manual
# page insight-CMD(8) on stdout.  Its NAME, SYNOPSIS, DESCRIPTION and
# OPTIONS come from `CLI CMD --help` (user/help.c, which help_test checks
# against the getopt tables: the page lists every option there is); the
# rest (EXIT STATUS, EXAMPLES, OVERHEAD, SEE ALSO) from BODY.rst.
set -euo pipefail
cli=$1 cmd=$2
shift 2
help=$("$cli" "$cmd" --help)
summary=$("$cli" help | awk -v c="$cmd" '$1 == c { $1 = ""; sub(/^ +/, ""); print }')
title="insight-$cmd"
bar=$(printf '%*s' "${#title}" '' | tr ' ' '=')
cat <<HEAD
$bar
$title
$bar

$(printf '%s' "$summary" | sed 's/^./\U&/')
$(printf '%*s' "$(printf '%s' "$summary" | wc -c)" '' | tr ' ' '-')

:Manual section: 8
:Manual group: Insight

SYNOPSIS
========

HEAD
# one line for each form: split at a "|" outside () and []
printf '%s\n' "$help" | sed -n '1s/^usage: //p' | awk -v cmd="insight $cmd" '{
	d = 0; cur = ""
	for (i = 1; i <= length($0); i++) {
		ch = substr($0, i, 1)
		if (ch == "(" || ch == "[") d++
		if (ch == ")" || ch == "]") d--
		if (ch == "|" && d == 0) { forms[++n] = cur; cur = ""; continue }
		cur = cur ch
	}
	forms[++n] = cur
	for (i = 1; i <= n; i++) {
		f = forms[i]; gsub(/^ +| +$/, "", f); gsub(/\*/, "\\*", f)
		if (i > 1) f = cmd " " f
		print "| " f
	}
}'
echo
echo "DESCRIPTION"
echo "==========="
echo
printf '%s\n' "$help" | sed -n '3p'
echo
echo "OPTIONS"
echo "======="
echo
# "  --name ARG      what it does" -> a definition list
printf '%s\n' "$help" | sed -n '/^options:/,$p' | sed '1d' |
	sed -E 's/^  ((-[a-z], )?--[a-z-]+( [^ ]+)?) +(.*)$/``\1``\n    \4\n/'
for f in "$@"; do cat "$f"; echo; done
