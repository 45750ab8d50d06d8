# SPDX-License-Identifier: GPL-2.0
# What the rdma suite's scripts share: the two "nodes" in one guest
# (tests/lib/rxe.sh pairs p1 and p2), listeners, helper processes,
# `mctectl -j path show` queries, the module's QPs, and the rendezvous of
# the two-guest test (scripts/vm-pair).

. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/mcte.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/rxe.sh"

RDMA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RDMA_PORT=7471
# Pair p1: A 10.77.0.1 (client end) to B 10.77.0.2; pair p2: 10.77.1.x.
P1A=10.77.0.1
P1B=10.77.0.2
P2A=10.77.1.1
P2B=10.77.1.2
export MCTE_RDMA_PEER=${MCTE_RDMA_PEER:-$P1B}

rdma_tmp=$(mktemp -d)
rdma_pids=()

# Everything a test started: helpers (SIGTERM, then SIGKILL), pairs.
rdma_cleanup()
{
	local p

	for p in "${rdma_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${rdma_pids[@]}"; do
		wait_for 10 sh -c "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rdma_pids=()
	rxe_routed_del p1
	rxe_routed_del p2
	rm -rf "$rdma_tmp"
}

# Skip the whole test while the module has no RDMA transport
# (MCTE_RDMA_FORCE=1 runs it anyway, to try the set-up).
rdma_require()
{
	local f

	[ "${MCTE_RDMA_FORCE:-0}" = 1 ] && return 0
	f=$("$MCTECTL" -j version 2>/dev/null | jq -r '.features | join(" ")')
	case " $f " in
	*" xport_rdma "*) return 0 ;;
	esac
	tap_skip_all "the module lacks the RDMA transport (no xport_rdma feature)"
}

# A test whose set-up failed: one failing TAP line, and out.
rdma_setup_failed()
{
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 set-up: $*"
	exit 1
}

# rdma_pairs N [MTU]: pair p1, and p2 when N is 2; rxe ports ACTIVE.
rdma_pairs()
{
	rxe_routed_add p1 "$P1A" "$P1B" "${2:-9000}" || return
	if [ "$1" = 2 ]; then
		rxe_routed_add p2 "$P2A" "$P2B" "${2:-9000}" || return
	fi
	wait_for 30 rdma_ports_active || { tap_diag "rxe ports not ACTIVE"; return 1; }
}

rdma_ports_active()
{
	local links

	links=$(rdma link show 2>/dev/null | grep -E '^link (p1|p2)rxe_')
	[ -n "$links" ] && ! grep -vq 'state ACTIVE' <<< "$links"
}

# rdma_listen ADDR...: an mcte listener on each, seen by rdma_cm.
rdma_listen()
{
	local a

	for a; do
		"$MCTECTL" listen add "$a" || { tap_diag "mctectl listen add $a failed"; return 1; }
	done
	for a; do
		wait_for 30 rdma_cm_listening_on "$a" "$RDMA_PORT" ||
			{ tap_diag "no rdma_cm listener on $a:$RDMA_PORT"; return 1; }
	done
}

# rdma_start VAR OUT PROG ARGS...: run a helper in the background with
# stdout in OUT (stderr in OUT.err), remember it for the clean-up, its
# pid in VAR.
rdma_start()
{
	local _var=$1 _out=$2

	shift 2
	"$@" > "$_out" 2> "$_out.err" &
	rdma_pids+=("$!")
	printf -v "$_var" '%s' "$!"
}

# rdma_stop PID: SIGTERM, wait; its exit status.
rdma_stop()
{
	kill "$1" 2>/dev/null
	wait "$1"
}

# Show a helper's output as diagnostics.
rdma_show()
{
	local f

	for f; do
		[ -s "$f" ] && sed "s|^|# ${f##*/}: |" "$f" >&2
	done
	return 0
}

# A counter of remote_load's progress file (or summary): progress FILE KEY.
progress()
{
	sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$1" 2>/dev/null | tail -n 1
}

# progress_at_least FILE KEY N
progress_at_least()
{
	local v

	v=$(progress "$1" "$2")
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}

# path_json FILE: `mctectl -j path show` into FILE.
path_json()
{
	"$MCTECTL" -j path show > "$1" 2> "$1.err"
}

# paths_up_on FILE DEV...: every DEV has a path in state up on it.
paths_up_on()
{
	local f=$1 d

	shift
	for d; do
		jq -e --arg d "$d" '[.[] | select(.local_dev == $d and (.state | ascii_downcase) == "up")] | length > 0' \
			"$f" > /dev/null || return 1
	done
}

# wait_paths_up SECONDS DEV...: poll path show until paths_up_on.
wait_paths_up()
{
	local t=$1

	shift
	wait_for "$t" _paths_poll "$@"
}

_paths_poll()
{
	path_json "$rdma_tmp/paths.poll" && paths_up_on "$rdma_tmp/paths.poll" "$@"
}

# Paths as diagnostics: one line each.
paths_diag()
{
	jq -r '.[] | "path \(.id) \(.state) \(if .active then "active" else "passive" end) \(.local_dev // "-") \(.local_addr // "-") -> \(.remote_dev // "-") \(.remote_addr // "-"):\(.remote_port // "-") bytes \(.bytes) slices \(.slices) errors \(.errors) retries \(.retries) reconnects \(.reconnects)"' \
		"$1" 2>/dev/null | sed 's/^/# /' >&2
}

# Kernel-owned RC QPs on the rxe devices whose names start with PREFIX:
# the module's (no other kernel user of RC QPs runs during the tests).
# `rdma resource show qp` gives user QPs a pid and kernel ones only the
# name of the module that created them (comm; "rdma_cm" when created
# through rdma_create_qp(), the caller's KBUILD_MODNAME otherwise).
module_rc_qps_json()
{
	rdma -j resource show qp 2>/dev/null |
		jq -c --arg p "$1" '[.[] | select((.ifname | startswith($p)) and .type == "RC" and (has("pid") | not))]'
}

module_rc_qps()
{
	module_rc_qps_json "$1" | jq 'length'
}

# --- the two-guest test (scripts/vm-pair) -----------------------------------
# MCTE_PAIR_DIR: a directory both guests see; MCTE_PAIR_SIDE: a or b;
# MCTE_PAIR_MAC: the MAC of this guest's NIC on the link.

PAIR_RXE=pair_rxe
# pair.load, the segment of the restart and death phases: its patterns
# before and after the server's engine restarts.
PAIR_LOAD_SEED=0x10ad
PAIR_RESTART_SEED=0x2e57a27

# pair_signal NAME [TEXT]: tell the other guest.
pair_signal()
{
	echo "${2:-$MCTE_PAIR_SIDE}" > "$MCTE_PAIR_DIR/$1.tmp" &&
		mv "$MCTE_PAIR_DIR/$1.tmp" "$MCTE_PAIR_DIR/$1"
}

# pair_wait NAME SECONDS: wait for the other guest's signal; fail at
# once when the other guest has ended (vm-pair writes SIDE.exit).
pair_wait()
{
	local peer=b deadline=$((SECONDS + $2))

	[ "$MCTE_PAIR_SIDE" = b ] && peer=a
	until [ -e "$MCTE_PAIR_DIR/$1" ]; do
		if [ -e "$MCTE_PAIR_DIR/$peer.exit" ]; then
			tap_diag "the other guest ended (exit $(cat "$MCTE_PAIR_DIR/$peer.exit")) before \"$1\""
			return 1
		fi
		[ "$SECONDS" -lt "$deadline" ] || { tap_diag "no \"$1\" from the other guest in $2 s"; return 1; }
		sleep 0.2
	done
}

# The netdev with our MAC.
pair_nic()
{
	local d

	for d in /sys/class/net/*; do
		[ "$(cat "$d/address" 2>/dev/null)" = "$MCTE_PAIR_MAC" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# pair_link ADDR: the NIC up (MTU 9000) with ADDR/24, an rxe device on it.
pair_link()
{
	local nic

	modprobe rdma_rxe && modprobe rdma_ucm || return
	wait_for 30 pair_nic > /dev/null || { tap_diag "no NIC with MAC $MCTE_PAIR_MAC"; return 1; }
	nic=$(pair_nic)
	ip link set "$nic" mtu 9000 && ip link set "$nic" up &&
		ip addr add "$1/24" dev "$nic" || return
	rdma link add "$PAIR_RXE" type rxe netdev "$nic" || return
	wait_for 30 sh -c "rdma link show $PAIR_RXE/1 | grep -q 'state ACTIVE'" ||
		{ tap_diag "$PAIR_RXE not ACTIVE"; return 1; }
	tap_diag "$nic $1 mtu $(cat "/sys/class/net/$nic/mtu"), $PAIR_RXE ACTIVE"
}

# rdma_wait_opened PID OUT SECONDS: a remote_load or rseg helper opened
# its remote segment ("opened"/"ready" in OUT), and did not die first.
rdma_wait_opened()
{
	wait_for "$3" sh -c "grep -Eq '^(opened|ready)' '$2' || ! kill -0 $1 2>/dev/null" &&
		grep -Eq '^(opened|ready)' "$2" && kill -0 "$1" 2>/dev/null
}

# rdma_wait_exit PID SECONDS: wait for a helper to end by itself; its exit
# status, or 124 after SECONDS (then it is killed).
rdma_wait_exit()
{
	if ! wait_for "$2" sh -c "! kill -0 $1 2>/dev/null"; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}
