#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scan-log.sh FILE... - look for kernel splats in kernel logs (dmesg output,
# serial console logs).  Prints each offending line as FILE:LINE:TEXT and
# exits 1 if there is any, 0 if there is none (missing files are skipped).
#
# MCTE_SCAN_IGNORE, if set, is an extended regular expression: matching
# lines are not reported (for a test that provokes a warning on purpose).
set -u

# Lockdep's and kmemleak's reports by their headers: both also print
# harmless lines at boot ("RCU lockdep checking is enabled", "kmemleak:
# Kernel memory leak detector initialized").
pat='WARNING:|BUG:|Oops|KASAN|possible recursive locking|circular locking'
pat="$pat|inconsistent lock state|possible irq lock inversion|suspicious RCU usage"
pat="$pat|DEBUG_LOCKS_WARN_ON|bad unlock balance|held lock freed|lock held when returning"
pat="$pat|general protection|Kernel panic|kernel BUG|UBSAN|refcount_t:"
pat="$pat|unreferenced object|kmemleak: [0-9]+ new suspected|ODEBUG:"
pat="$pat|list_add corruption|list_del corruption|INFO: task .* blocked"
pat="$pat|RCU stall|self-detected stall|detected stalls on CPUs|watchdog: BUG"
# A kmem_cache destroyed with objects left: "BUG <cache> (...): Objects
# remaining" on 6.1, a WARNING on 6.12.
pat="$pat|Objects remaining|Slab cache still has objects"

# Not the kernel's fault, nor ours: QEMU under TCG now and then leaks a
# single-step #DB into the guest, which the kernel warns of (its comment
# in arch/x86/kernel/traps.c names QEMU as the known cause).
emulator='WARNING: CPU: [0-9]+ PID: [0-9]+ at arch/x86/kernel/traps.c:[0-9]+ exc_debug_kernel'

found=0
for f in "$@"; do
	[ -r "$f" ] || continue
	hits=$(LC_ALL=C grep -anE -- "$pat" "$f" | LC_ALL=C grep -avE -- "$emulator") || continue
	if [ -n "${MCTE_SCAN_IGNORE:-}" ]; then
		hits=$(printf '%s\n' "$hits" | LC_ALL=C grep -avE -- "$MCTE_SCAN_IGNORE") || continue
	fi
	printf '%s\n' "$hits" | while IFS= read -r l; do
		printf '%s:%s\n' "$f" "$l"
	done
	found=1
done
exit $found
