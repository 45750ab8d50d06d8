#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The body of `make bench BENCH=NAME [KERNEL=6.1|6.12]`: boot a guest of
# that kernel (6.12 by default) and run scripts/bench-guest.sh NAME in it.
# The guest's output, whose last line is one JSON object, is also kept in
# build/bench/NAME-<kernel>-<date>.txt, and the JSON lines the report was
# made from beside it (.jsonl: scripts/bench/report.sh FILE prints it
# again). The exit status is the guest's:
# not zero when a measurement could not be made.
#
#	scripts/bench.sh local		mcte between segments of one node, vs memcpy
#	scripts/bench.sh rdma		mcte to a peer over soft-RoCE, vs perftest
#	scripts/bench.sh nvme		mcte on a block segment over NVMe-oF, vs fio
#
# Environment, passed on to the measurement scripts (scripts/bench/):
# BENCH_DURATION, BENCH_LOCAL_MEM, and for rdma BENCH_ROUNDS,
# BENCH_RDMA_SUBMIT, BENCH_RDMA_WAIT, BENCH_REF_ONLY, and for nvme
# BENCH_ROUNDS, BENCH_NVME_QD, BENCH_NVME_TRANSPORTS, BENCH_NVME_BLOCKS,
# BENCH_NVME_SLICE, BENCH_NVME_INFLIGHT (scripts/bench/nvme.sh).
# BENCH_IDLE (rdma): poll (default: the guest boots with idle=poll, its
# idle vCPUs spin rather than halt) or halt (the kernel's default). Under
# TCG waking a halted vCPU costs about 60 us, and soft-RoCE on 6.12 hands
# its work between vCPUs: see "Idle vCPUs" in bench/README.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bench=${1:-local}
case $bench in
local)	timeout=600 ;;	# about 3.5 minutes, host and dma-buf
rdma)	timeout=1500 ;;	# about 12 minutes with the default 2 rounds
nvme)	timeout=1500 ;;	# about 11 minutes on 6.12 (3 transports, 3 rounds)
*)	echo "bench: unknown benchmark \"$bench\" (known: local, rdma, nvme)" >&2; exit 1 ;;
esac

series=${KERNEL:-6.12}
kver=$(scripts/kvers.sh "$series" | tail -n 1)
[ -n "$kver" ] || { echo "bench: kernel $series not installed (make setup)" >&2; exit 1; }
[ -f "build/$kver/kmod/mcte.ko" ] || { echo "bench: build/$kver/kmod/mcte.ko missing (make modules)" >&2; exit 1; }
[ -x bench/mcte-bench ] || { echo "bench: bench/mcte-bench missing (make bench-build)" >&2; exit 1; }
append=()
if [ "$bench" = rdma ]; then
	case ${BENCH_IDLE:-poll} in
	poll)	append=(--append idle=poll) ;;
	halt)	;;
	*)	echo "bench: BENCH_IDLE is poll or halt" >&2; exit 1 ;;
	esac
	for t in ib_write_bw ib_read_bw rdma; do
		command -v "$t" > /dev/null ||
			{ echo "bench: $t missing (make setup installs perftest and rdma-core)" >&2; exit 1; }
	done
fi
if [ "$bench" = nvme ]; then
	for t in fio nvme; do
		command -v "$t" > /dev/null ||
			{ echo "bench: $t missing (make setup installs fio and nvme-cli)" >&2; exit 1; }
	done
fi

mkdir -p build/bench
log=build/bench/$bench-$kver-$(date +%Y%m%d-%H%M%S).txt
lines=$top/${log%.txt}.jsonl
# Two vCPUs as in every guest; nothing else should run meanwhile: under
# TCG every figure scales with the CPU the guest gets.
load=$(cut -d ' ' -f 1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 1.0) }'; then
	echo "bench: the host's load average is $load: other work slows the guest; trust only the ratios, or run again on a quiet host" >&2
fi
set -o pipefail
# the figures depend on it: said in the log, above the guest's output
echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), host load average $(cut -d ' ' -f 1-3 /proc/loadavg)" | tee "$log"
scripts/vm-run --kernel "$kver" --timeout "$timeout" --mem 2048 --tag "bench-$bench" --clock tsc "${append[@]}" \
	--env "BENCH_LINES=$lines" \
	--env "BENCH_DURATION=${BENCH_DURATION:-}" \
	--env "BENCH_LOCAL_MEM=${BENCH_LOCAL_MEM:-}" \
	--env "BENCH_ROUNDS=${BENCH_ROUNDS:-}" \
	--env "BENCH_RDMA_SUBMIT=${BENCH_RDMA_SUBMIT:-}" \
	--env "BENCH_RDMA_WAIT=${BENCH_RDMA_WAIT:-}" \
	--env "BENCH_REF_ONLY=${BENCH_REF_ONLY:-}" \
	--env "BENCH_NVME_QD=${BENCH_NVME_QD:-}" \
	--env "BENCH_NVME_TRANSPORTS=${BENCH_NVME_TRANSPORTS:-}" \
	--env "BENCH_NVME_BLOCKS=${BENCH_NVME_BLOCKS:-}" \
	--env "BENCH_NVME_SLICE=${BENCH_NVME_SLICE:-}" \
	--env "BENCH_NVME_INFLIGHT=${BENCH_NVME_INFLIGHT:-}" \
	-- scripts/bench-guest.sh "$bench" | tee -a "$log"
