#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Segments larger than one message of keys, opened by a peer over
# soft-RoCE (bigseg.c): 64 GiB of one hugetlb memfd of 64 MiB mapped 1024
# times (2 MiB pages: one key a buffer, 1024 keys, two pages of keys), and
# 2 GiB of one plain memfd of 64 MiB mapped 32 times (4 KiB pages: 32
# keys a buffer, 1024 keys), which version 2 of the wire refused (E2BIG,
# 680 keys at most). Each: bytes at the far end, across buffers and
# across the second page of keys written, read back and found in the
# memfd; the key pages fetched counted (stat key-pages); registration
# time and kernel memory as figures; everything let go at the end.

. "$(dirname "$0")/lib.sh"

trap 'rdma_cleanup; echo "$hp0" > /proc/sys/vm/nr_hugepages' EXIT
rdma_require
tap_plan 10

hp0=$(cat /proc/sys/vm/nr_hugepages)
key_pages() { "$MCTECTL" -j stat | jq .key_pages; }
opens() { "$MCTECTL" -j stat | jq .opens; }

rdma_pairs 1 9000
tap_check "rxe pair p1" test $? -eq 0
tap_check "listener on $P1B" rdma_listen "$P1B"

# bigseg_run TAG ARGS...: one run; its TAP as diagnostics, its figures.
bigseg_run()
{
	local tag=$1 rc

	shift
	"$RDMA_DIR/bigseg" "$@" > "$rdma_tmp/$tag.out" 2>&1
	rc=$?
	sed "s|^|# $tag: |" "$rdma_tmp/$tag.out" >&2
	grep '^figures' "$rdma_tmp/$tag.out" | sed "s|^figures|# figures $tag|" >&2
	return $rc
}

# 1. 64 GiB of 2 MiB pages: 32 huge pages (64 MiB) in the guest.
echo $((hp0 + 32)) > /proc/sys/vm/nr_hugepages
tap_check "32 huge pages of 2 MiB reserved" \
	test "$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)" -ge 32
kp0=$(key_pages)
bigseg_run huge -H -b 1024 -s 64 -n bigseg-huge
tap_check "64 GiB of one hugetlb memfd mapped 1024 times: opened remotely, bytes checked" \
	test $? -eq 0
kp1=$(key_pages)
tap_diag "key pages fetched: $kp0 -> $kp1"
tap_check "its second page of keys was fetched (key-pages +$((kp1 - kp0)))" \
	test "$((kp1 - kp0))" -ge 1
echo "$hp0" > /proc/sys/vm/nr_hugepages

# 2. 2 GiB of 4 KiB pages: 1024 keys, refused by one message of keys.
bigseg_run small -b 32 -s 64 -n bigseg-small
tap_check "2 GiB of 4 KiB pages (1024 keys) opened remotely, bytes checked" \
	test $? -eq 0
kp2=$(key_pages)
tap_check "its second page of keys was fetched (key-pages +$((kp2 - kp1)))" \
	test "$((kp2 - kp1))" -ge 1

opens_zero() { [ "$(opens)" -eq 0 ]; }
tap_check "no open is left on the owner's side" wait_for 30 opens_zero
mrs() { rdma resource show mr 2>/dev/null | grep -c .; }
mrs_few() { [ "$(mrs)" -lt 64 ]; }
tap_check "the opens' MRs are gone (fewer than 64 left; an open held 1024)" \
	wait_for 30 mrs_few
tap_check "no segment is left" sh -c '[ "$("$0" -j stat | jq .segments)" -eq 0 ]' "$MCTECTL"
tap_finish
