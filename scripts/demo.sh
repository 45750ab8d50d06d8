#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The body of `make demo`: boot a guest (6.12 unless DEMO_KERNEL says
# otherwise) and run scripts/demo-guest.sh in it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kver=$(scripts/kvers.sh "${DEMO_KERNEL:-6.12}" | tail -n 1)
[ -n "$kver" ] || { echo "demo: kernel ${DEMO_KERNEL:-6.12} not installed (make setup)" >&2; exit 1; }
exec scripts/vm-run --kernel "$kver" --timeout 300 --tag demo -- scripts/demo-guest.sh
