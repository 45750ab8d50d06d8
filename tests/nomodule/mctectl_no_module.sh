#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mctectl without the module: a clear message, exit status 2, for every
# object, in text and JSON mode alike; usage errors stay exit status 1.

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/mcte.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_no_module ARGS...: exit status 2 and the message, nothing on stdout.
expect_no_module()
{
	local rc

	"$MCTECTL" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" -ne 2 ]; then
		tap_diag "mctectl $*: exit status $rc, want 2"
		return 1
	fi
	if ! grep -q 'mcte module not loaded' "$tmp/err"; then
		tap_diag "mctectl $*: stderr: $(cat "$tmp/err")"
		return 1
	fi
	if [ -s "$tmp/out" ]; then
		tap_diag "mctectl $*: unexpected stdout: $(cat "$tmp/out")"
		return 1
	fi
}

expect_usage_error()
{
	"$MCTECTL" "$@" > /dev/null 2> "$tmp/err"
	[ $? -eq 1 ] && [ -s "$tmp/err" ]
}

tap_plan 8
tap_check "module is not loaded" test ! -d /sys/module/mcte
tap_check "version" expect_no_module version
tap_check "dev show" expect_no_module dev show
tap_check "-j dev show" expect_no_module -j dev show
tap_check "dev show DEV" expect_no_module dev show rxe0
tap_check "monitor" expect_no_module monitor
tap_check "unknown object is a usage error" expect_usage_error frobnicate
tap_check "unknown command is a usage error" expect_usage_error dev frobnicate
tap_finish
