#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run mcte's suites inside a guest and report TAP 13: one line per test,
# each test's own TAP indented as diagnostics.
#
#   tests/run_tests.sh -l LIST | SUITE/TEST...
#
# Per test: a timeout and the module state it needs come from the suite's
# `settings` (timeout=SECONDS, module=loaded|absent). A test fails when it
# exits non-zero, times out, leaves the module busy, or when the kernel log
# gains a WARNING/BUG/Oops/lockdep/... line while it runs.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
scan=$top/scripts/vm/scan-log.sh
ko=$top/build/$(uname -r)/kmod/mcte.ko

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
		modprobe ib_core && insmod "$ko"
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

echo "TAP version 13"
echo "1..${#list[@]}"
klog=$(mktemp)
trap 'rm -f "$klog"' EXIT
n=0
pass=0
fail=0
skip=0
for entry in "${list[@]}"; do
	n=$((n + 1))
	suite=${entry%%/*}
	name=${entry#*/}
	timeout=$(setting "$suite" timeout 120)
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
		( cd "$top/tests/$suite" && exec timeout -k 5 "$timeout" "./$name" ) 2>&1 | sed 's/^/# /'
		rc=${PIPESTATUS[0]}
		case $rc in
		0) ;;
		4) directive=" # SKIP" ;;
		124|137) result="not ok"; directive=" # TIMEOUT after ${timeout}s" ;;
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
		result="not ok"
		directive="$directive # kernel log splat"
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
echo "# totals: pass:$pass fail:$fail skip:$skip"
[ "$fail" -eq 0 ]
