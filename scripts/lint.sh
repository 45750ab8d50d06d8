#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks, one TAP line each: checkpatch, kernel-doc and sparse on
# the kernel code (zero warnings), the uapi header as C and C++, the netlink spec
# against the uapi header, kmod/netlink_gen.[ch] against what ynl-gen makes of
# the spec, libmcte's exported symbols against its map,
# libmcte's host tests under valgrind, and shell syntax of every script.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
ksrc=$("$top/scripts/kcache.sh" --print-dir)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0

# lint NAME COMMAND...: run a check, its output as diagnostics.
lint()
{
	local name=$1

	shift
	n=$((n + 1))
	if "$@" > "$tmp/out" 2>&1; then
		echo "ok $n $name"
	else
		failed=$((failed + 1))
		echo "not ok $n $name"
		sed 's/^/# /' "$tmp/out" | head -n 60
	fi
}

# checkpatch [OPTIONS] FILES...: any ERROR, WARNING or CHECK fails.
run_checkpatch()
{
	perl "$ksrc/scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types --ignore FILE_PATH_CHANGES "$@" |
		grep -E 'ERROR|WARNING|CHECK' && return 1
	return 0
}

checkpatch()
{
	local rc=0

	# shellcheck disable=SC2046
	run_checkpatch -f $(ls kmod/*.[ch] nvme-of/*.[ch] 2>/dev/null) || rc=1
	# User space cannot use BIT_ULL(): uapi headers spell shifts out.
	run_checkpatch --ignore BIT_MACRO -f uapi/linux/*.h || rc=1
	return $rc
}

# Every kernel-doc comment well formed, every member and argument said.
kerneldoc()
{
	# shellcheck disable=SC2046
	perl "$ksrc/scripts/kernel-doc" -none -Wall $(ls kmod/*.[ch] nvme-of/*.[ch] 2>/dev/null) \
		uapi/linux/*.h 2>&1 | grep . && return 1
	return 0
}

# sparse KVER: rerun the checker on every source of the module; any
# warning that names one of our files fails.
sparse()
{
	make -s --no-print-directory "module-$1" C=2 > "$tmp/sparse.$1" 2>&1 ||
		{ cat "$tmp/sparse.$1"; return 1; }
	grep -E '(kmod|nvme-of|uapi)/[^:]+:[0-9]+:[0-9]+: (warning|error)' \
		"$tmp/sparse.$1" && return 1
	return 0
}

uapi_c()
{
	echo '#include <linux/mcte.h>' |
		gcc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only \
			-Iuapi -x c -
}

uapi_cxx()
{
	echo '#include <linux/mcte.h>' |
		g++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only \
			-Iuapi -x c++ -
}

spec()
{
	/usr/bin/python3 scripts/spec-check.py \
		Documentation/netlink/specs/mcte.yaml > "$tmp/spec.c" &&
		gcc -std=gnu11 -fsyntax-only -Iuapi "$tmp/spec.c"
}

shells()
{
	local f rc=0

	for f in scripts/*.sh scripts/bench/*.sh scripts/vm-run scripts/vm-pair scripts/vm/*.sh \
		 tests/*.sh tests/*/*.sh tests/lib/*.sh .ci/run; do
		[ -f "$f" ] || continue
		bash -n "$f" || rc=1
	done
	return $rc
}

lint "checkpatch --strict: kernel sources and uapi" checkpatch
lint "kernel-doc -Wall: kernel sources and uapi" kerneldoc
for kver in $("$top/scripts/kvers.sh"); do
	lint "sparse: module for $kver" sparse "$kver"
done
lint "uapi header compiles as C99" uapi_c
lint "uapi header compiles as C++11" uapi_cxx
lint "netlink spec matches uapi header" spec
lint "netlink tables are the generator's output" scripts/nl-gen.sh --check
lint "libmcte exports exactly its symbol map" make -s -C libmcte check-symbols
lint "libmcte ring and batch API against a fake module, under valgrind" \
	make -s -C libmcte test VALGRIND=1
lint "shell scripts parse" shells
echo "# lint: $((n - failed)) of $n passed"
[ "$failed" -eq 0 ]
