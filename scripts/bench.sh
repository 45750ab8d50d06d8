#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The body of `make bench BENCH=NAME [KERNEL=6.1|6.12]`: boot a guest of
# that kernel (6.12 by default) and run scripts/bench-guest.sh NAME in it.
# The guest's output, whose last line is one JSON object, is also kept in
# build/bench/NAME-<kernel>-<date>.txt.
#
#	scripts/bench.sh local
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bench=${1:-local}
case $bench in
local) ;;
*)	echo "bench: unknown benchmark \"$bench\" (known: local)" >&2; exit 1 ;;
esac

series=${KERNEL:-6.12}
kver=$(scripts/kvers.sh "$series" | tail -n 1)
[ -n "$kver" ] || { echo "bench: kernel $series not installed (make setup)" >&2; exit 1; }
[ -f "build/$kver/kmod/mcte.ko" ] || { echo "bench: build/$kver/kmod/mcte.ko missing (make modules)" >&2; exit 1; }
[ -x bench/mcte-bench ] || { echo "bench: bench/mcte-bench missing (make bench-build)" >&2; exit 1; }

mkdir -p build/bench
log=build/bench/$bench-$kver-$(date +%Y%m%d-%H%M%S).txt
# Two vCPUs as in every guest; nothing else should run meanwhile.
set -o pipefail
scripts/vm-run --kernel "$kver" --timeout 420 --mem 2048 --tag bench \
	--env "BENCH_DURATION=${BENCH_DURATION:-}" \
	-- scripts/bench-guest.sh "$bench" | tee "$log"
