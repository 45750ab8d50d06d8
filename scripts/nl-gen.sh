#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nl-gen.sh [--check] - make kmod/netlink_gen.c and kmod/netlink_gen.h, the
# policies and ops table of the generic netlink family, from
# Documentation/netlink/specs/mcte.yaml with the kernel's own generator
# (tools/net/ynl/ynl-gen-c.py of Linux 6.12, cached by kcache.sh).
#
#   --check   generate into a temporary directory and compare with the
#             committed files instead: nonzero, with the diff, when they
#             differ (the spec changed and this was not rerun, or the
#             files were edited by hand)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
spec=Documentation/netlink/specs/mcte.yaml

check=
case ${1:-} in
--check)	check=1 ;;
'')		;;
*)		echo "usage: nl-gen.sh [--check]" >&2; exit 2 ;;
esac

"$top/scripts/kcache.sh"
ksrc=$("$top/scripts/kcache.sh" --print-dir)
gen=$ksrc/tools/net/ynl/ynl-gen-c.py

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ynl-gen-c.py expects the spec inside a kernel tree: it climbs from the
# spec to the first directory holding MAINTAINERS, to name the spec
# relative to it in the files' header (and never stops when there is
# none), and validates the spec against Documentation/netlink/<protocol>.yaml
# two levels above it. A tree of just those files, in $tmp, rather than a
# dummy MAINTAINERS in the repository.
mkdir -p "$tmp/tree/Documentation/netlink/specs" "$tmp/out"
: >"$tmp/tree/MAINTAINERS"
cp "$ksrc/Documentation/netlink/genetlink-legacy.yaml" \
	"$tmp/tree/Documentation/netlink/"
cp "$top/$spec" "$tmp/tree/$spec"

# The one addition to the generator's output: a comment, after its own
# "do not edit" lines, that says how the files are made and what the
# policies leave to the handlers, for whoever opens them from kmod/
# rather than from this script.
note()
{
	cat <<'EOF'

/*
 * mcte - generic netlink family "mcte": the policies and ops table of
 * Documentation/netlink/specs/mcte.yaml, made by scripts/nl-gen.sh with
 * the kernel's tools/net/ynl/ynl-gen-c.py (Linux 6.12). Edit the spec and
 * rerun the script; `make lint` fails when these files are not its output.
 *
 * kernel-policy per-op gives struct genl_ops, which 6.1 has (split ops
 * came with 6.2): a do and a dump of one command share the do's policy.
 * The protocol, genetlink-legacy, leaves the family struct to
 * netlink_family.c, which compiles this file. The per-op table wants a
 * do with a request attribute for every command: a request of the set's
 * pad attribute alone rejects every attribute, as no policy would;
 * dump-only commands have a do that answers -EOPNOTSUPP; the dumps of
 * listen-get and topo-get accept and ignore the one attribute named
 * (auth, auto), as those of dev-get and seg-get do theirs.
 *
 * Checks the generator does not make, kept in the handlers: the length of
 * the listen address (rdma_netlink.c) and of the auth key
 * (netlink_trust.c), the NUL of topo-set's device names (netlink.c), and
 * the attribute auth-get, auth-del and policy-get must not carry
 * (netlink_trust.c).
 */
EOF
}

for ext in c h; do
	case $ext in
	c)	kind=--source ;;
	h)	kind=--header ;;
	esac
	(cd "$tmp/tree" &&
	 /usr/bin/python3 "$gen" --mode kernel --spec "$spec" "$kind" \
		-o "$tmp/netlink_gen.$ext")
	# The generator's header is its first four lines (SPDX, "do not
	# edit", the spec, the mode); the note goes right after them.
	{ head -n 4 "$tmp/netlink_gen.$ext"; note
	  tail -n +5 "$tmp/netlink_gen.$ext"; } >"$tmp/out/netlink_gen.$ext"
done

if [ -n "$check" ]; then
	rc=0
	for ext in c h; do
		diff -u "$top/kmod/netlink_gen.$ext" "$tmp/out/netlink_gen.$ext" ||
			rc=1
	done
	[ $rc -eq 0 ] ||
		echo "nl-gen: kmod/netlink_gen.[ch] are not the output for $spec; run scripts/nl-gen.sh" >&2
	exit $rc
fi
cp "$tmp/out/netlink_gen.c" "$tmp/out/netlink_gen.h" "$top/kmod/"
