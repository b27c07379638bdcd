# SPDX-License-Identifier: GPL-2.0
#
# Summarise the TAP of Insight's test binaries.  Each binary's output is
# framed by "## test-binary: NAME" and "## test-exit: NAME STATUS".
#   -v expected="NAME..."  binaries that must have reported
#   -v vmrc=N              status of the guest run (0 when it was clean)
# Prints the failures, then exactly "N passed, N failed[, N skipped]";
# exits 1 if anything failed.
/^## test-binary: / { cur = $3; started[cur] = 1; plan[cur] = -1; next }
/^## test-exit: / {
	exited[$3] = 1; status[$3] = $4; cur = ""; next
}
cur != "" && /^1\.\.[0-9]+/ { plan[cur] = substr($1, 4) + 0; next }
cur != "" && /^ok [0-9]+/ {
	got[cur]++
	if ($0 ~ /# SKIP/) skip++; else pass++
	next
}
cur != "" && /^not ok [0-9]+/ {
	got[cur]++
	if ($0 ~ /# SKIP/) { skip++; next }
	fail++; bad[cur]++
	why[++nwhy] = cur ": " $0
	next
}
END {
	n = split(expected, want, " ")
	for (i = 1; i <= n; i++) {
		b = want[i]
		if (!started[b] || !exited[b]) {
			fail++; why[++nwhy] = b ": did not report (crashed, or the guest died)"
			continue
		}
		if (plan[b] < 0 || got[b] < plan[b]) {
			miss = plan[b] - got[b]
			fail += miss > 0 ? miss : 1
			why[++nwhy] = sprintf("%s: reported %d of %d results", b, got[b], plan[b])
		} else if (status[b] != 0 && status[b] != 4 && !bad[b]) {
			fail++; why[++nwhy] = b ": exited with status " status[b] " but reported no failure"
		}
	}
	if (vmrc != "" && vmrc != 0) {
		fail++; why[++nwhy] = "guest: tools/vm/run failed with status " vmrc
	}
	if (nwhy) {
		print ""
		print "Failures:"
		for (i = 1; i <= nwhy; i++) print "  " why[i]
	}
	print ""
	line = sprintf("%d passed, %d failed", pass, fail)
	if (skip) line = line sprintf(", %d skipped", skip)
	print line
	exit fail > 0
}
