#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/vm/run.sh [--build DIR] [-k KERNEL] [SUBSET]: run berth's guest suite in the
# Debian 12 guest of tests/vm/vm.sh (systemd as PID 1, pure cgroup v2, Debian's own
# kernel KERNEL: 6.1 by default, or 5.10). The guest gets the build's binaries, the
# integration tests, the busybox rootfs and SUBSET (default tests/vm/subset: the test
# files and filters to run there), boots once, runs tests/vm/guest.sh and powers off.
#
# Prints the guest's results, each line prefixed with the kernel, and ends with
# "# N passed, N failed" (the guest not finishing counts as one failure); exit status
# non-zero if anything failed.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build
kernel=6.1
subset=$src/tests/vm/subset
while (($# > 0)); do
	case $1 in
	--build) build=$(cd "$2" && pwd) || exit 2; shift 2 ;;
	-k) kernel=$2; shift 2 ;;
	-h | --help) sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) subset=$(realpath "$1"); shift ;;
	esac
done

if ! "$src/tests/vm/vm.sh" prepare; then
	echo "not ok - vm $kernel: the guest image could not be prepared"
	echo "# 0 passed, 1 failed"
	exit 1
fi

pl=$(mktemp -d /tmp/berth-vm-payload.XXXXXX)
trap 'rm -rf "$pl"' EXIT
mkdir -p "$pl/build/cli" "$pl/build/tests" "$pl/tests"
cp "$build"/cli/berth "$build"/cli/berth-full "$build"/cli/berth-monitor \
	"$build"/cli/berth-runtime "$pl/build/cli/" || exit 2
cp "$build"/tests/probe "$build"/tests/reaper "$build"/tests/nosys "$pl/build/tests/" || exit 2
cp -r "$src/tests/integration" "$src/tests/helpers" "$pl/tests/"
cp "$subset" "$pl/subset"
cp "$src/tests/vm/guest.sh" "$pl/run.sh"
# the host's static busybox, which some tests run outside containers (httpd, nc)
mkdir -p "$pl/bin" && cp /bin/busybox "$pl/bin/"
(cd "$src" && scripts/make-busybox-rootfs.sh "$pl/busybox.tar") >/dev/null || exit 2

out=$(mktemp /tmp/berth-vm-out.XXXXXX)
"$src/tests/vm/vm.sh" run -k "$kernel" "$pl" >"$out"
rc=$?
sed "s/^\(not ok\|ok\) - /\1 - [$kernel] /" "$out" | grep -v -E '^# [0-9]+ passed, [0-9]+ failed'
line=$(grep -E '^# [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
rm -f "$out"
if [[ -z "$line" ]]; then
	echo "not ok - vm $kernel: the guest suite did not finish (exit status $rc)"
	echo "# 0 passed, 1 failed"
	exit 1
fi
p=$(sed -E 's/^# ([0-9]+) passed.*/\1/' <<<"$line")
f=$(sed -E 's/^# [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
((rc != 0 && f == 0)) && { echo "not ok - vm $kernel: guest exit status $rc"; f=1; }
echo "# $p passed, $f failed"
((f == 0))
