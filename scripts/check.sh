#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The body of `make check` once set-up is done: the build (make all) while
# the debug kernel builds in the background, lint, then every
# suite inside a guest for each test kernel (6.1 and 6.12), then the
# two-guest RDMA test on that kernel (scripts/vm-pair, one TAP result),
# then the debug lane: the suites of tests/debug.list on the debug kernel
# (KASAN, lockdep, kmemleak; scripts/debug-kernel/), built first when it
# is not cached. Prints each result as TAP and ends with the line
# "N passed, N failed, N skipped". Exit status 0 only when nothing failed.
#
#   check.sh              what `make check` runs
#   check.sh --debug-all  the debug lane alone, with every suite
#			  (`make check-debug`)

set -u
debug_all=0
case ${1:-} in
--debug-all)	debug_all=1 ;;
'')		;;
*)		echo "usage: check.sh [--debug-all]" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/check
mkdir -p "$out"
cd "$top" || exit 1

pass=0
fail=0
skip=0

# count FILE PREFIX: add the top-level TAP results of FILE to the totals,
# echoing them with PREFIX so the summary names the kernel.
count()
{
	local line

	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"*)	skip=$((skip + 1)) ;;
		"ok "*)			pass=$((pass + 1)) ;;
		"not ok "*)		fail=$((fail + 1)) ;;
		*)			continue ;;
		esac
		echo "$2$line"
	done < "$1"
}

# pair_failure SIDE LOG: side SIDE's first failures in a two-guest LOG,
# each with the diagnostics before it, or its last lines when it failed
# outside a test; as TAP comments.
pair_failure()
{
	local lines

	lines=$(sed -n "s/^$1| //p" "$2")
	if grep -q '^not ok' <<< "$lines"; then
		grep -B 15 -m 2 '^not ok' <<< "$lines"
	else
		tail -n 15 <<< "$lines"
	fi | sed "s/^/#   $1| /"
}

# two_guests SERIES KVER: the two-guest test on KVER, one TAP result in
# KVER's results: two guests joined by a virtual link, RDMA between them
# (tests/rdma/pair_server.sh in guest a, pair_client.sh in guest b).
two_guests()
{
	local desc="two guests: mcte over soft-RoCE on a virtual link (tests/rdma/pair_*.sh)"
	local rc start reason log side

	echo "== two guests on $2"
	start=$SECONDS
	"$top/scripts/vm-pair" --kernel "$2" --timeout 900 \
		tests/rdma/pair_server.sh tests/rdma/pair_client.sh 2>&1 |
		tee "$out/$2.pair.log"
	rc=${PIPESTATUS[0]}
	echo "== $2: two guests: exit status $rc after $((SECONDS - start)) s"
	case $rc in
	0)
		echo "ok - $1: $desc" >> "$out/$2.results"
		pass=$((pass + 1))
		;;
	4)
		reason=$(sed -n 's/^[ab]| # SKIP //p' "$out/$2.pair.log" | head -n 1)
		echo "ok - $1: $desc # SKIP ${reason:-skipped}" >> "$out/$2.results"
		skip=$((skip + 1))
		;;
	*)
		echo "not ok - $1: $desc (exit status $rc)" >> "$out/$2.results"
		fail=$((fail + 1))
		# The summary is what CI shows: what failed, with its diagnostics.
		for side in a b; do
			pair_failure "$side" "$out/$2.pair.log" >> "$out/$2.results"
		done
		for side in a b; do
			log=$(ls -t build/vm-logs/"$2"-pair-$side-*.dmesg 2>/dev/null | head -n 1)
			[ -n "$log" ] || continue
			echo "== last lines of $log"
			tail -n 60 "$log"
		done
		;;
	esac
}

# The debug kernel builds (when not cached) at the lowest priority while
# the other lanes run: it takes what their guests leave idle.
debug_build_pid=
debug_build_start()
{
	nice -n 19 ionice -c 3 "$top/scripts/debug-kernel/build.sh" \
		> "$out/debug-build.log" 2>&1 &
	debug_build_pid=$!
}

# debug_build_wait: the build's exit status, its log's end on failure.
debug_build_wait()
{
	local rc

	if [ -z "$debug_build_pid" ]; then
		"$top/scripts/debug-kernel/build.sh" > "$out/debug-build.log" 2>&1
		rc=$?
	else
		wait "$debug_build_pid"
		rc=$?
	fi
	[ "$rc" -eq 0 ] || tail -n 20 "$out/debug-build.log"
	return "$rc"
}

# debug_lane LIST CYCLES: build the debug kernel if needed, the module for
# it, and run the suites of LIST on it, module/load_unload.sh with CYCLES
# cycles (lockdep learns an order from the first); results prefixed
# "debug: ".
debug_lane()
{
	local start rc kver klog seen want

	echo "== debug kernel"
	start=$SECONDS
	if ! debug_build_wait; then
		echo "not ok - debug: the debug kernel did not build" > "$out/debug.results"
		fail=$((fail + 1))
		return
	fi
	kver=$("$top/scripts/debug-kernel/build.sh" --print-kver)
	echo "== debug kernel $kver ready after $((SECONDS - start)) s"
	if ! make -s --no-print-directory "module-$kver"; then
		echo "not ok - debug: mcte.ko does not build for $kver" > "$out/debug.results"
		fail=$((fail + 1))
		return
	fi
	echo "== suites on $kver ($(wc -l < "$1") tests)"
	start=$SECONDS
	# KASAN and lockdep under TCG: several times slower than Debian's.
	"$top/scripts/vm-run" --kernel "$kver" --timeout 5400 --tag check \
		--env MCTE_TIMEOUT_SCALE=4 --env CYCLES="$2" \
		-- tests/run_tests.sh -l "$1" 2>&1 | tee "$out/debug.tap"
	rc=${PIPESTATUS[0]}
	echo "== $kver: guest exit status $rc after $((SECONDS - start)) s"
	klog=$(ls -t build/vm-logs/"$kver"-check-*.dmesg 2>/dev/null | head -n 1)
	if [ "$rc" -ne 0 ] && [ -n "$klog" ]; then
		echo "== last lines of $klog"
		tail -n 100 "$klog"
	fi
	count "$out/debug.tap" "debug: " > "$out/debug.results"
	seen=$(grep -c . "$out/debug.results")
	want=$(wc -l < "$1")
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$out/debug.tap"; then
		echo "not ok - debug: guest run failed (exit status $rc)" >> "$out/debug.results"
		fail=$((fail + 1))
	elif [ "$seen" -lt "$want" ]; then
		echo "not ok - debug: $seen of $want tests reported" >> "$out/debug.results"
		fail=$((fail + 1))
	fi
}

rm -f "$out"/*.results
make -s --no-print-directory -C tests list > "$out/tests.list"
ntests=$(wc -l < "$out/tests.list")

if [ "$debug_all" = 1 ]; then
	debug_lane "$out/tests.list" 10
	echo "== summary"
	cat "$out"/*.results 2>/dev/null
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
fi

debug_build_start
echo "== build"
if ! make -s --no-print-directory all; then
	echo "not ok - build: make all failed" > "$out/build.results"
	fail=$((fail + 1))
fi
echo "== lint"
"$top/scripts/lint.sh" > "$out/lint.tap" 2>&1
cat "$out/lint.tap"
count "$out/lint.tap" "lint: " > "$out/lint.results"

for series in 6.1 6.12; do
	kver=$("$top/scripts/kvers.sh" "$series" | tail -n 1)
	if [ -z "$kver" ]; then
		echo "not ok - $series: kernel or headers not installed" > "$out/$series.results"
		fail=$((fail + 1))
		continue
	fi
	if [ ! -f "build/$kver/kmod/mcte.ko" ]; then
		echo "not ok - $kver: build/$kver/kmod/mcte.ko was not built" > "$out/$kver.results"
		fail=$((fail + 1))
		continue
	fi
	echo "== suites on $kver"
	start=$SECONDS
	"$top/scripts/vm-run" --kernel "$kver" --timeout 2400 --tag check \
		-- tests/run_tests.sh -l "$out/tests.list" 2>&1 | tee "$out/$kver.tap"
	rc=${PIPESTATUS[0]}
	echo "== $kver: guest exit status $rc after $((SECONDS - start)) s"
	# CI keeps only what is printed: the end of the guest's kernel log.
	klog=$(ls -t build/vm-logs/"$kver"-check-*.dmesg 2>/dev/null | head -n 1)
	if [ "$rc" -ne 0 ] && [ -n "$klog" ]; then
		echo "== last lines of $klog"
		tail -n 100 "$klog"
	fi
	count "$out/$kver.tap" "$series: " > "$out/$kver.results"
	seen=$(grep -c . "$out/$kver.results")
	# A crash, timeout or kernel log splat outside any test fails the run
	# too, as does a run that stopped before reporting every test.
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$out/$kver.tap"; then
		echo "not ok - $kver: guest run failed (exit status $rc)" >> "$out/$kver.results"
		fail=$((fail + 1))
	elif [ "$seen" -lt "$ntests" ]; then
		echo "not ok - $kver: $seen of $ntests tests reported" >> "$out/$kver.results"
		fail=$((fail + 1))
	fi
	two_guests "$series" "$kver"
done

# The debug kernel takes a stated subset within `make check`'s time; the
# rest is `make check-debug`'s (Documentation/testing.rst).
grep -v '^#' "$top/tests/debug.list" | grep . > "$out/debug.list"
debug_lane "$out/debug.list" 3

# Where a test got stuck in the kernel, near the end where CI shows it.
for f in "$out"/*.tap; do
	grep -h -A 40 '^# stuck:' "$f" 2>/dev/null | head -n 60
done
echo "== summary"
cat "$out"/*.results 2>/dev/null
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
