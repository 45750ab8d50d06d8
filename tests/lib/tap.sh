# SPDX-License-Identifier: GPL-2.0
# TAP 13 output for the shell tests: plan, one line per check, exit status
# 0 when every check passed, 1 otherwise, 4 (kselftest's skip) on a skip.

tap_n=0
tap_failed=0

tap_plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

tap_ok()
{
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $*"
}

tap_not_ok()
{
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n $*"
}

# tap_check DESCRIPTION COMMAND...: one TAP line from a command's status.
tap_check()
{
	local desc=$1

	shift
	if "$@" > /dev/null; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc"
	fi
}

# Diagnostics go to stderr so that they survive tap_check's silencing of
# the checked command's own output.
tap_diag()
{
	echo "# $*" >&2
}

tap_skip_all()
{
	echo "TAP version 13"
	echo "1..0 # SKIP $*"
	exit 4
}

tap_finish()
{
	echo "# pass:$((tap_n - tap_failed)) fail:$tap_failed"
	[ "$tap_failed" -eq 0 ]
	exit $?
}
