#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The client side of the two-guest test (scripts/vm-pair, side b; the
# server is pair_server.sh): soft-RoCE on the virtio NIC, rping to the
# server, then mcte: remote_xfer against the server's segments
# (MCTE_RDMA_OWNER=peer: verified WRITEs read back, verified READs), the
# read-only segment read whole against its pattern, the final pattern
# written over pair.rw (the server checks it), and path show. The server
# wants a cluster key: without one, and with another one, opens are
# refused EKEYREJECTED and counted; with the server's, everything runs.
#
# Then a verified load (remote_load -t) on the server's pair.load while
# its engine restarts unseen (pair_server.sh): the old handle's requests
# must end ENODEV once a path reaches the new engine, never touch its
# memory; pair.load opened anew reads the new bytes. Last, a load while
# the server's QEMU is killed (vm-pair's stop-a): requests end by their
# deadline with clean errnos, no path stays up, a new open fails in
# bounded time, and the module unloads.
# Exit 0 when everything passed, 4 when the module has no RDMA transport
# (after the link check), 1 otherwise.

. "$(dirname "$0")/lib.sh"

SELF=10.79.0.2
SERVER=10.79.0.1
KEY=$MCTE_PAIR_DIR/cluster.key
RO_SEED=0x40beef	# RT_RO_SEED of rdma_test.h
FINAL_SEED=0xf17a1	# RT_FINAL_SEED

export MCTE_RDMA_PEER=$SERVER MCTE_RDMA_OWNER=peer MCTE_RDMA_RW=pair.rw MCTE_RDMA_RO=pair.ro
result=failed
trap 'pair_signal client-done "$result"; rdma_cleanup; rdma link delete "$PAIR_RXE" 2>/dev/null' EXIT
tap_plan 25

# load_failing FILE: remote_load's progress shows requests that failed.
load_failing()
{
	local f t s

	f=$(progress "$1" failed)
	t=$(progress "$1" timeout)
	s=$(progress "$1" submit_fail)
	[ $((${f:-0} + ${t:-0} + ${s:-0})) -gt 0 ]
}

# server_path_up: a path to the server is up.
server_path_up()
{
	path_json "$rdma_tmp/paths.now" &&
		jq -e --arg a "$SERVER" '[.[] | select(.remote_addr == $a and (.state | ascii_downcase) == "up")] | length > 0' \
			"$rdma_tmp/paths.now" > /dev/null
}

server_paths_down()
{
	! server_path_up
}

# open_dead: opening a segment of the dead server fails within a minute,
# with a message naming why.
open_dead()
{
	local rc

	timeout 60 "$RDMA_DIR/rseg" check "$SERVER/pair.load" "$PAIR_RESTART_SEED" \
		> "$rdma_tmp/open.out" 2>&1
	rc=$?
	rdma_show "$rdma_tmp/open.out"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
		grep -Eq 'open .*: (.*timed out|No route to host|Link has been severed|Connection refused)' \
			"$rdma_tmp/open.out"
}

# load_start VAR NAME: remote_load -t on the server's pair.load, 3 s
# deadlines, progress in $rdma_tmp/NAME.prog; true once 32 requests
# completed.
load_start()
{
	rdma_start "$1" "$rdma_tmp/$2.out" "$RDMA_DIR/remote_load" \
		-t "$SERVER/pair.load" -s 16M -T 3000 -p "$rdma_tmp/$2.prog"
	wait_for 120 progress_at_least "$rdma_tmp/$2.prog" completed 32
}

# load_end PID NAME: stop it; its verdict (no wrong bytes, no unclean
# errno), its output as diagnostics.
load_end()
{
	local rc

	rdma_stop "$1"
	rc=$?
	rdma_show "$rdma_tmp/$2.out" "$rdma_tmp/$2.out.err"
	return "$rc"
}

tap_check "link: $SELF/24 on the NIC, rxe on it" pair_link "$SELF"
pair_wait rping-ready 120 && timeout 120 rping -c -a "$SERVER" -C 3 -v > "$rdma_tmp/rping.out" 2>&1
rc=$?
rdma_show "$rdma_tmp/rping.out"
tap_check "rping to $SERVER, 3 round trips" test "$rc" -eq 0

mcte_load
tap_check "mcte loaded" mcte_loaded
features=$("$MCTECTL" -j version | jq -r '.features | join(" ")')
case " $features " in
*" xport_rdma "*) ;;
*)
	tap_diag "the module lacks the RDMA transport (features: $features)"
	result=skip
	echo "# SKIP the module lacks the RDMA transport"
	exit 4
	;;
esac

tap_check "the server is ready" pair_wait server-ready 300

# The cluster key: none here, then another, then the server's.
auth_refused()
{
	"$RDMA_DIR/open_as" "$SERVER/pair.ro" read > "$rdma_tmp/auth.out" 2>&1
	sed 's/^/# /' "$rdma_tmp/auth.out" >&2
	grep -q '^refused EKEYREJECTED: peer authentication failed' "$rdma_tmp/auth.out"
}
a0=$("$MCTECTL" -j stat | jq .auth_failed)
tap_check "auth: without a key, the server's segment is refused EKEYREJECTED" auth_refused
(umask 077; head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' > "$rdma_tmp/other.key")
"$MCTECTL" auth set key-file "$rdma_tmp/other.key"
other_key_refused()
{
	auth_refused && [ "$("$MCTECTL" -j stat | jq .auth_failed)" -eq $((a0 + 2)) ]
}
tap_check "auth: with another key, refused EKEYREJECTED too; both refusals counted here" \
	other_key_refused
"$MCTECTL" auth set key-file "$KEY"
"$RDMA_DIR/open_as" "$SERVER/pair.ro" read > "$rdma_tmp/auth.out" 2>&1
tap_check "auth: with the server's key, the segment opens" grep -q '^opened' "$rdma_tmp/auth.out"

"$RDMA_DIR/remote_xfer" > "$rdma_tmp/xfer.out" 2>&1
rc=$?
sed 's/^/# /' "$rdma_tmp/xfer.out"
tap_check "remote_xfer against $SERVER's segments" test "$rc" -eq 0
tap_check "pair.ro read whole: the server's pattern" \
	"$RDMA_DIR/rseg" check "$SERVER/pair.ro" "$RO_SEED"
tap_check "pair.rw written whole with the final pattern, read back" \
	"$RDMA_DIR/rseg" fill "$SERVER/pair.rw" "$FINAL_SEED"

path_json "$rdma_tmp/paths.json"
paths_diag "$rdma_tmp/paths.json"
tap_check "path show: a path up on $PAIR_RXE that carried bytes" jq -e --arg d "$PAIR_RXE" \
	'[.[] | select(.local_dev == $d and (.state | ascii_downcase) == "up" and .bytes > 0)] | length > 0' \
	"$rdma_tmp/paths.json"
"$MCTECTL" -j peer show > "$rdma_tmp/peers.json"
sed 's/^/# peers: /' "$rdma_tmp/peers.json" >&2
tap_check "peer show: the server's engine, a path up to it" jq -e '[.[] | select(.paths_up > 0)] | length > 0' "$rdma_tmp/peers.json"

pair_signal client-done "$([ "$tap_failed" -eq 0 ] && echo passed || echo failed)"

# --- the server's engine restarts under a load on pair.load -----------------
tap_check "restart: pair.load is registered" pair_wait load-ready 300
tap_check "restart: a verified load on $SERVER/pair.load runs" load_start load load1
pair_signal client-loading
tap_check "restart: the server's engine restarted" pair_wait server-restarted 300
tap_check "restart: the old handle's requests end ENODEV" \
	wait_for 120 grep -q ' ENODEV:' "$rdma_tmp/load1.prog"
tap_check "restart: no wrong bytes, only clean errnos" load_end "$load" load1
tap_check "restart: pair.load opened anew holds the new engine's bytes" \
	"$RDMA_DIR/rseg" check "$SERVER/pair.load" "$PAIR_RESTART_SEED"
dmesg | grep 'is a new engine' | sed 's/^/# /' >&2
pair_signal client-restart-done

# --- the server dies mid-transfer -------------------------------------------
tap_check "death: pair.load is registered again" pair_wait death-ready 300
tap_check "death: a verified load on $SERVER/pair.load runs" load_start load load2
pair_signal stop-a
start=$SECONDS
tap_check "death: requests fail once the server is gone" \
	wait_for 90 load_failing "$rdma_tmp/load2.prog"
tap_diag "first failure $((SECONDS - start)) s after the kill was asked"
tap_check "death: no wrong bytes, only clean errnos" load_end "$load" load2
tap_check "death: no path to $SERVER is up" wait_for 60 server_paths_down
path_json "$rdma_tmp/paths.json"
paths_diag "$rdma_tmp/paths.json"
tap_check "death: opening a segment of it fails in bounded time, saying why" open_dead
tap_check "death: mcte unloads" mcte_unload

[ "$tap_failed" -eq 0 ] && result=passed
tap_finish
