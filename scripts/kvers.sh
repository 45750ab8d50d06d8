#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the test kernels installed here: Debian's packaged 6.1 and 6.12
# kernels that have both an image in /boot and headers to build against.
# With an argument (6.1 or 6.12), print only the matching one.
set -eu
want=${1:-}
for img in /boot/vmlinuz-*; do
	[ -e "$img" ] || continue
	kver=${img#/boot/vmlinuz-}
	[ -d "/lib/modules/$kver/build" ] || continue
	case $kver in
	*-mcte-debug)	continue ;;	# the debug lane's own, not Debian's
	6.1.*-amd64)	series=6.1 ;;
	6.12.*)		series=6.12 ;;
	*)		continue ;;
	esac
	if [ -z "$want" ] || [ "$want" = "$series" ] || [ "$want" = "$kver" ]; then
		echo "$kver"
	fi
done | sort -V
