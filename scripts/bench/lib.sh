# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# What the measurement scripts (local.sh, rdma.sh) share: the set of
# configurations they measure, written down once and handed to the
# report in the meta record; the local memories measured; and the JSON
# lines they append to their output file, one record each:
#   {"rec":"meta",...}    facts of the run, merged by the report
#   {"rec":"run",...}     one measurement (mcte-bench's or a reference's)
#   {"rec":"note","msg":..}   said under the table
#   {"rec":"error","msg":..}  a measurement that could not be made: the
#                         report says so and exits 1
# Sourced; expects $MCTECTL (tests/lib/mcte.sh) and a loaded module.

bench_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$bench_top/bench/mcte-bench

# Every benchmark measures these, each for every local memory below.
bench_ops="write read"
bench_blocks="4096 65536 1048576"
bench_batches="1 128"
# host: anonymous memory, and a dma-buf (mcte-bench --local-mem): a
# udmabuf where the kernel has it (6.12), else a vgem buffer (6.1); the
# rows say which
bench_mems=${BENCH_LOCAL_MEM:-}
if [ -z "$bench_mems" ]; then
	bench_mems="host dmabuf"
	[ -e /dev/udmabuf ] || bench_mems="host dmabuf:vgem"
fi

dur=${BENCH_DURATION:-3}
[ -n "$dur" ] || dur=3

features=$("$MCTECTL" -j version | jq -r '.features | join(" ")')

has_feature()
{
	case " $features " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# emit OUT JQ-FILTER [JQ-ARGS...]: append the record the filter builds
emit()
{
	local out=$1 filter=$2

	shift 2
	jq -nc "$@" "$filter" >> "$out"
}

bench_note()
{
	emit "$1" '{rec: "note", msg: $m}' --arg m "$2"
	echo "bench: $2"
}

bench_error()
{
	emit "$1" '{rec: "error", msg: $m}' --arg m "$2"
	echo "bench: $2" >&2
}

# bench_meta OUT BENCH: what the report needs to know of every run
bench_meta()
{
	emit "$1" '{rec: "meta", bench: $b, kernel: $k, duration_s: $d,
		    matrix: {op: ($o | split(" ")), block: ($l | split(" ") | map(tonumber)),
			     batch: ($t | split(" ") | map(tonumber))},
		    local_mem: ($mem | split(" "))}' \
		--arg b "$2" --arg k "$(uname -r)" --argjson d "$dur" \
		--arg o "$bench_ops" --arg l "$bench_blocks" --arg t "$bench_batches" \
		--arg mem "$bench_mems"
}

# mem_probe OUT MCTE-BENCH-ARGS...: can this node and module give the
# local memories of $bench_mems? A short --verify run of each that is not
# host memory, with the given target. Leaves in $bench_mems those that
# work; one that this kernel or module cannot provide (mcte-bench exits 3
# or 4) is left out with a note, one that fails otherwise with an error.
mem_probe()
{
	local out=$1 mem ok="" rc

	shift
	for mem in $bench_mems; do
		case $mem in
		host)	ok="$ok $mem"; continue ;;
		esac
		rc=0
		timeout -k 10 120 "$bin" --json --local-mem "$mem" --verify "$@" \
			--operation write --block-size 64K --batch-size 16 \
			--duration 0.5 > "$tmp/probe.json" 2> "$tmp/probe.err" || rc=$?
		case $rc in
		0)	if jq -e '.verify == "ok"' "$tmp/probe.json" > /dev/null; then
				ok="$ok $mem"
			else
				bench_error "$out" "--local-mem $mem: the bytes read back differ from those written: $(cat "$tmp/probe.json")"
			fi ;;
		3|4)	bench_note "$out" "--local-mem $mem not measured: $(tail -n 1 "$tmp/probe.err")" ;;
		*)	bench_error "$out" "--local-mem $mem: mcte-bench --verify failed (exit $rc): $(tail -n 3 "$tmp/probe.err")" ;;
		esac
	done
	bench_mems=${ok# }
	emit "$out" '{rec: "meta", measured_mem: ($m | split(" "))}' --arg m "$bench_mems"
}
