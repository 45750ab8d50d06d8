#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run mcte's suites inside a guest and report TAP 13: one line per test,
# each test's own TAP indented as diagnostics.
#
#   tests/run_tests.sh -l LIST | SUITE/TEST...
#
# Per test: a timeout and the module state it needs come from the suite's
# `settings` (timeout=SECONDS, module=loaded|absent); MCTE_TIMEOUT_SCALE
# multiplies the timeouts (the debug kernel runs several times slower). A test fails when it
# exits non-zero, times out, leaves the module busy, or when the kernel log
# gains a WARNING/BUG/Oops/lockdep/KASAN/debug-objects line while it runs.
# On a kernel with kmemleak (the debug lane's), kmemleak scans after each
# test, and once more at the end after the module is gone, as one more TAP
# line: any object it reports fails the test it was found after.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
scan=$top/scripts/vm/scan-log.sh
ko=${MCTE_KO:-$top/build/$(uname -r)/kmod/mcte.ko}

list=()
if [ "${1:-}" = "-l" ]; then
	mapfile -t list < "$2"
	shift 2
fi
list+=("$@")
[ ${#list[@]} -gt 0 ] || { echo "usage: $0 -l LIST | SUITE/TEST..." >&2; exit 2; }

setting()
{
	local v

	v=$(sed -n "s/^$2=//p" "$top/tests/$1/settings" 2>/dev/null | tail -n 1)
	echo "${v:-$3}"
}

# Bring the module into the state a test expects; say why when it cannot.
module_state()
{
	case $1 in
	loaded)
		[ -d /sys/module/mcte ] && return 0
		modprobe -a ib_core rdma_cm && insmod "$ko"
		;;
	absent)
		[ -d /sys/module/mcte ] || return 0
		rmmod mcte
		;;
	*)
		return 0
		;;
	esac
}

# run_one DIR NAME TIMEOUT: run DIR/NAME in a session of its own, its
# output indented as TAP diagnostics while it runs. Returns its exit status,
# 124/137 when it timed out, 255 when a task of it could not be killed: then
# the kernel stacks of its tasks are printed, as they show where the kernel
# holds them. Whatever of the session outlives the test (a harness child in
# its own process group, which `timeout` does not signal) is killed. The
# output goes through a file, not a pipe, so that a task still holding it
# open cannot hang the run.
run_one()
{
	local out sid tailer dog p t rc

	out=$(mktemp)
	# Not a group leader, so setsid execs in place: $! is the session.
	( cd "$1" && exec setsid timeout -k 5 "$3" "./$2" ) > "$out" 2>&1 < /dev/null &
	sid=$!
	tail -n +1 -s 0.2 -f --pid="$sid" "$out" | sed 's/^/# /' &
	tailer=$!
	# timeout waits for its child: a child stuck in the kernel would
	# keep it, and us, waiting for ever.
	( sleep $(($3 + 30)); kill -KILL "$sid" ) > /dev/null 2>&1 &
	dog=$!
	wait "$sid"
	rc=$?
	pkill -P "$dog" sleep 2>/dev/null
	wait "$dog" 2>/dev/null
	wait "$tailer" 2>/dev/null
	rm -f "$out"

	pkill -KILL -s "$sid" 2>/dev/null || return "$rc"
	for t in $(seq 50); do
		pgrep -s "$sid" > /dev/null || return "$rc"
		sleep 0.2
	done
	for p in $(pgrep -s "$sid"); do
		echo "# stuck: pid $p $(cat /proc/"$p"/comm 2>/dev/null)"
		for t in /proc/"$p"/task/*; do
			echo "#  task ${t##*/}: $(grep State: "$t"/status 2>/dev/null)"
			sed 's/^/#    /' "$t"/stack 2>/dev/null
		done
	done
	echo w > /proc/sysrq-trigger 2>/dev/null
	return 255
}

# kmemleak: objects unreferenced for 5 s are reported by a scan; a second
# scan confirms them. What was there before the first test is not ours.
kmemleak=/sys/kernel/debug/kmemleak
[ -w "$kmemleak" ] || kmemleak=
leaks()
{
	[ -n "$kmemleak" ] || return 0
	echo scan > "$kmemleak" 2>/dev/null
	echo scan > "$kmemleak" 2>/dev/null
	if grep -q 'unreferenced object' "$kmemleak" 2>/dev/null; then
		sed 's/^/# kmemleak: /' "$kmemleak" | head -n 80
		echo clear > "$kmemleak"
		return 1
	fi
	return 0
}
[ -z "$kmemleak" ] || { echo scan > "$kmemleak"; echo clear > "$kmemleak"; }

echo "TAP version 13"
plan=${#list[@]}
[ -z "$kmemleak" ] || plan=$((plan + 1))
echo "1..$plan"
klog=$(mktemp)
trap 'rm -f "$klog"' EXIT
n=0
pass=0
fail=0
skip=0
stuck=0
for entry in "${list[@]}"; do
	n=$((n + 1))
	if [ "$stuck" -ne 0 ]; then
		echo "not ok $n $entry # not run: an earlier test left a task stuck in the kernel"
		fail=$((fail + 1))
		continue
	fi
	suite=${entry%%/*}
	name=${entry#*/}
	timeout=$(( $(setting "$suite" timeout 120) * ${MCTE_TIMEOUT_SCALE:-1} ))
	module=$(setting "$suite" module any)
	mark=$(dmesg | wc -l)
	t0=$SECONDS
	result=ok
	directive=

	echo "# $entry (timeout ${timeout}s, module $module)"
	module_state "$module" 2>&1 | sed 's/^/# /'
	if [ "$module" = loaded ] && [ ! -d /sys/module/mcte ]; then
		result="not ok"
		directive=" # cannot load $ko"
	else
		run_one "$top/tests/$suite" "$name" "$timeout"
		rc=$?
		case $rc in
		0) ;;
		4) directive=" # SKIP" ;;
		124|137) result="not ok"; directive=" # TIMEOUT after ${timeout}s" ;;
		255) result="not ok"; directive=" # TIMEOUT, and a task of it could not be killed"; stuck=1 ;;
		*) result="not ok"; directive=" # exit status $rc" ;;
		esac
		# A test that leaves references behind makes the module busy.
		if [ "$module" = loaded ] && [ -d /sys/module/mcte ] && ! rmmod mcte 2>/dev/null; then
			result="not ok"
			directive="$directive # module busy after the test"
		fi
	fi
	dmesg | tail -n +$((mark + 1)) > "$klog"
	if ! splat=$("$scan" "$klog"); then
		printf '%s\n' "$splat" | sed 's/^/# kernel: /'
		# The first report whole: its stack says whose it is.
		first=$(printf '%s\n' "$splat" | head -n 1 | cut -d: -f2)
		sed -n "${first},$((first + 50))p" "$klog" | sed 's/^/# kernel| /'
		result="not ok"
		directive="$directive # kernel log splat"
	fi
	if ! leaks; then
		result="not ok"
		directive="$directive # kmemleak found leaks"
	fi
	echo "# $entry: $((SECONDS - t0)) s"
	echo "$result $n $entry$directive"
	case "$result$directive" in
	"ok # SKIP") skip=$((skip + 1)) ;;
	ok) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
[ -d /sys/module/mcte ] && rmmod mcte
if [ -n "$kmemleak" ]; then
	n=$((n + 1))
	# Long enough for whatever the last tests freed late to age.
	sleep 6
	if leaks; then
		echo "ok $n kmemleak: nothing leaked once every test ended and mcte was unloaded"
		pass=$((pass + 1))
	else
		echo "not ok $n kmemleak: leaks once every test ended and mcte was unloaded"
		fail=$((fail + 1))
	fi
fi
echo "# totals: pass:$pass fail:$fail skip:$skip"
[ "$fail" -eq 0 ]
